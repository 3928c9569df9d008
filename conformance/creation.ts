/**
 * What a job-creating command asks for (machines/commands.ts CreatorCommands): the job id, type and
 * flags of each job it would create. A `transaction` creates one job per job-creating action, all in
 * one JobTxn when `properties.completion-mode` is `grouped`.
 */
import { CreatorCommands, isCreatorCommand, JobTypes, type JobType } from '../machines/index.ts';

export interface CreationSpec {
  /** The `job-id` argument; undefined when QEMU names the job (the device's BlockBackend name). */
  readonly id: string | undefined;
  /** The id the job gets: `job-id`, else (block jobs) the `device` argument, the BlockBackend's name. */
  readonly jobId: string | undefined;
  readonly type: JobType;
  readonly autoFinalize: boolean;
  readonly autoDismiss: boolean;
  /** commit only: true when `top` is omitted (the active layer); undefined when `top` names a node. */
  readonly activeCommit: boolean | undefined;
  readonly copyMode: 'background' | 'write-blocking' | undefined;
  /** The `speed` argument (0 when absent); undefined when it is not a usable non-negative integer. */
  readonly speed: number | undefined;
}

export interface Creation {
  readonly specs: readonly CreationSpec[];
  /** completion-mode grouped: the created jobs form one transaction. */
  readonly grouped: boolean;
}

type Args = Record<string, unknown>;

/** A speed QEMU stores as given (an int64 >= 0 that JSON numbers carry exactly), else undefined. */
export function speedValue(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

function asArgs(value: unknown): Args {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Args) : {};
}

function specOf(command: keyof typeof CreatorCommands, args: Args): CreationSpec {
  const type = CreatorCommands[command].type;
  const mode = args['copy-mode'];
  return {
    id: typeof args['job-id'] === 'string' ? args['job-id'] : undefined,
    jobId: typeof args['job-id'] === 'string' ? args['job-id'] : JobTypes[type].isBlockJob && typeof args['device'] === 'string' ? args['device'] : undefined,
    type,
    autoFinalize: typeof args['auto-finalize'] === 'boolean' ? args['auto-finalize'] : true,
    autoDismiss: typeof args['auto-dismiss'] === 'boolean' ? args['auto-dismiss'] : true,
    activeCommit: type === 'commit' ? (args['top'] === undefined && args['top-node'] === undefined ? true : undefined) : undefined,
    copyMode: mode === 'background' || mode === 'write-blocking' ? mode : undefined,
    speed: args['speed'] === undefined ? 0 : speedValue(args['speed']),
  };
}

/** The jobs a command would create, or undefined when it creates none. */
export function creationOf(command: string, argsValue: unknown): Creation | undefined {
  const args = asArgs(argsValue);
  if (isCreatorCommand(command)) return { specs: [specOf(command, args)], grouped: false };
  if (command !== 'transaction') return undefined;
  const actions = Array.isArray(args['actions']) ? args['actions'] : [];
  const specs: CreationSpec[] = [];
  for (const a of actions) {
    const action = asArgs(a);
    const type = action['type'];
    if (isCreatorCommand(type) && CreatorCommands[type].transactionAction) specs.push(specOf(type, asArgs(action['data'])));
  }
  if (specs.length === 0) return undefined;
  return { specs, grouped: asArgs(args['properties'])['completion-mode'] === 'grouped' };
}
