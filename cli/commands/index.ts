import type { CommandSpec } from '../command.ts';
import { tablesCommand } from './tables.ts';
import { recordCommand } from './record.ts';

/** Every sub-command, in the order `qjob --help` lists them. */
export const commands: readonly CommandSpec[] = [tablesCommand, recordCommand];
