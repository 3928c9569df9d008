/** Mutation testing of the trace checker: broken copies of recorded sessions, each of which it must reject. */
export { TRACE_OPERATORS, findOperator } from './catalog.ts';
export { mutant } from './mutant.ts';
export type { TraceOperator, TraceMutant } from './mutant.ts';
export { runCheckMutants, loadSession, verdict, DEFAULT_TRACE_MUTANT_SEED } from './run.ts';
export type { CheckMutantsOptions, CheckMutantsReport, OperatorTally, Survivor } from './run.ts';
export { Session } from './session.ts';
export type { Entry } from './session.ts';
