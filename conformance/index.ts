/** The conformance checker: decides whether a recorded QMP session is a behaviour of the model. */
export { TraceChecker } from './checker.ts';
export { checkMessages, checkLines, checkTraceFile, checkFiles } from './api.ts';
export { findTraceFiles } from './files.ts';
export { Rules, WarningRules, RuleCatalog, RuleGroups, Inputs, rulesNeeding } from './rules/index.ts';
export type { RuleId, WarningId, Input, RuleInfo } from './rules/index.ts';
export type { CheckOptions, CheckResult, CheckWarning, Violation } from './result.ts';
export { Coverage, CELL_STATUSES } from './coverage.ts';
export type { CoverageCollector, CoverageJson } from './coverage.ts';
export { formatText, formatJson, formatJunit, formatViolation } from './report.ts';
export { formatCoverage } from './coverageTable.ts';
