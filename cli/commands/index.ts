import type { CommandSpec } from '../command.ts';
import { tablesCommand } from './tables.ts';
import { recordCommand } from './record.ts';
import { recordCorpusCommand } from './record-corpus.ts';
import { replayCommand } from './replay.ts';
import { checkCommand } from './check.ts';
import { coverageCommand } from './coverage.ts';

/** Every sub-command, in the order `qjob --help` lists them. */
export const commands: readonly CommandSpec[] = [tablesCommand, recordCommand, recordCorpusCommand, replayCommand, checkCommand, coverageCommand];
