import type { CommandSpec } from '../command.ts';
import { tablesCommand } from './tables.ts';
import { recordCommand } from './record.ts';
import { recordCorpusCommand } from './record-corpus.ts';
import { replayCommand } from './replay.ts';
import { checkCommand } from './check.ts';
import { coverageCommand } from './coverage.ts';
import { mergeCommand } from './merge.ts';
import { serveCommand } from './serve.ts';
import { sendCommand } from './send.ts';
import { verifyCommand } from './verify.ts';
import { mutantsCommand } from './mutants.ts';
import { checkMutantsCommand } from './check-mutants.ts';
import { exploreCommand } from './explore.ts';
import { pathsCommand } from './paths.ts';
import { graphCommand } from './graph.ts';
import { targetsCommand } from './targets.ts';

/** Every sub-command, in the order `qjob --help` lists them. */
export const commands: readonly CommandSpec[] = [tablesCommand, recordCommand, recordCorpusCommand, replayCommand, checkCommand, coverageCommand, mergeCommand, serveCommand, sendCommand, verifyCommand, mutantsCommand, checkMutantsCommand, exploreCommand, pathsCommand, graphCommand, targetsCommand];
