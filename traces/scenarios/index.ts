/**
 * Every corpus scenario, by family (one file each). `qjob record-corpus` records those a release
 * supports (minRelease, beforeRelease) into traces/qemu-<release>/<name>.jsonl.
 */
import { amendScenarios } from './amend.ts';
import { backupScenarios } from './backup.ts';
import { changeScenarios } from './change.ts';
import { commitScenarios } from './commit.ts';
import { createScenarios } from './create.ts';
import { errorScenarios } from './errors.ts';
import { ioErrorScenarios } from './io-errors.ts';
import { mirrorScenarios } from './mirror.ts';
import { snapshotScenarios } from './snapshot.ts';
import { streamScenarios } from './stream.ts';
import { transactionScenarios } from './transactions.ts';
import type { CorpusScenario, ScenarioFamily } from './types.ts';

export type { CorpusScenario, ScenarioFamily } from './types.ts';

export const scenarioFamilies: readonly ScenarioFamily[] = [
  { family: 'backup', scenarios: backupScenarios },
  { family: 'mirror', scenarios: mirrorScenarios },
  { family: 'commit', scenarios: commitScenarios },
  { family: 'stream', scenarios: streamScenarios },
  { family: 'create', scenarios: createScenarios },
  { family: 'amend', scenarios: amendScenarios },
  { family: 'io-errors', scenarios: ioErrorScenarios },
  { family: 'errors', scenarios: errorScenarios },
  { family: 'transactions', scenarios: transactionScenarios },
  { family: 'change', scenarios: changeScenarios },
  { family: 'snapshot', scenarios: snapshotScenarios },
];

export const allScenarios: readonly CorpusScenario[] = scenarioFamilies.flatMap((f) => f.scenarios);

export function findScenario(name: string): CorpusScenario | undefined {
  return allScenarios.find((s) => s.name === name);
}
