/** Faulty variants of the reference server, and the run that shows the conformance suite catches each. */
export { MUTANTS, findMutant } from './catalog.ts';
export type { Mutant } from './catalog.ts';
export { runMutants, DEFAULT_MUTANT_RUNS, DEFAULT_MUTANT_SEED } from './run.ts';
export type { MutantResult, MutantsReport, MutantsOptions, BaselineResult } from './run.ts';
