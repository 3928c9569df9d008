/**
 * Extra scenarios: families the corpus covers thinly (races and pipelined commands, several jobs alive
 * at once, quit with live jobs, three-member grouped transactions, errors while jobs run, I/O errors,
 * block-job-change in every state). Recorded several times per release by record.ts, into
 * scratch/extra-traces/, and checked with `qjob check --strict`.
 */
import type { CorpusScenario } from '../types.ts';
import { changeScenarios } from './change.ts';
import { createScenarios } from './create.ts';
import { edgeScenarios, syncScenarios } from './edges.ts';
import { errorScenarios } from './errors.ts';
import { mirrorScenarios } from './mirror.ts';
import { multiScenarios } from './multi.ts';
import { raceScenarios } from './races.ts';
import { randomScenarios } from './random.ts';
import { transactionScenarios } from './transactions.ts';

export const extraScenarios: readonly CorpusScenario[] = [
  ...raceScenarios,
  ...multiScenarios,
  ...transactionScenarios,
  ...mirrorScenarios,
  ...errorScenarios,
  ...edgeScenarios,
  ...syncScenarios,
  ...createScenarios,
  ...changeScenarios,
  ...randomScenarios,
];
