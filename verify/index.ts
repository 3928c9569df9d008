/** The property-based conformance suite: random scenarios planned on the model, run on a target, judged by the checker. */
export { verify, probeTarget, coverageReport } from './verify.ts';
export type { VerifyOptions, VerifyReport, VerifyFailure, VerifyProgress, CoverageReport, RunResult } from './verify.ts';
export { actionsArbitrary } from './actions.ts';
export type { Action } from './actions.ts';
export { planScenario } from './planner.ts';
export type { Plan } from './planner.ts';
export { runPlan, VERIFY_RECORDER } from './runner.ts';
export type { RunRecord, RunOptions } from './runner.ts';
export { controlledEnv, discoverEnv, isControlled, VERIFY_SETUP, TargetProbeError, SLOW } from './env.ts';
export type { VerifyEnv } from './env.ts';
export { VerifyRules } from './invariants.ts';
export type { VerifyViolation, VerifyRuleId } from './invariants.ts';
export { formatVerifyText, formatVerifyJson, formatVerifyJunit } from './report.ts';
