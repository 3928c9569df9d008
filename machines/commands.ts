/**
 * The QMP commands of the job API and the job-creating commands, with the release each appeared in
 * (qapi/job.json, qapi/block-core.json, qapi/transaction.json, qapi/migration.json).
 */
import type { JobType, JobVerb } from './qapi.ts';

export interface VerbCommand {
  readonly verb: JobVerb;
  /** `job-*` looks up any job; `block-job-*` only block jobs (DeviceNotActive otherwise). */
  readonly family: 'job' | 'block-job';
  readonly since: string;
  /** The argument naming the job: `device` for the oldest block-job-* commands, `id` elsewhere. */
  readonly idArg: 'id' | 'device';
}

/** Every command that applies a verb to an existing job. There is no `job-set-speed`; `job-change` was only proposed. */
export const VerbCommands = {
  'job-pause': { verb: 'pause', family: 'job', since: '3.0', idArg: 'id' },
  'job-resume': { verb: 'resume', family: 'job', since: '3.0', idArg: 'id' },
  'job-cancel': { verb: 'cancel', family: 'job', since: '3.0', idArg: 'id' },
  'job-complete': { verb: 'complete', family: 'job', since: '3.0', idArg: 'id' },
  'job-finalize': { verb: 'finalize', family: 'job', since: '3.0', idArg: 'id' },
  'job-dismiss': { verb: 'dismiss', family: 'job', since: '3.0', idArg: 'id' },
  'block-job-pause': { verb: 'pause', family: 'block-job', since: '1.3', idArg: 'device' },
  'block-job-resume': { verb: 'resume', family: 'block-job', since: '1.3', idArg: 'device' },
  'block-job-cancel': { verb: 'cancel', family: 'block-job', since: '1.1', idArg: 'device' },
  'block-job-complete': { verb: 'complete', family: 'block-job', since: '1.3', idArg: 'device' },
  'block-job-finalize': { verb: 'finalize', family: 'block-job', since: '2.12', idArg: 'id' },
  'block-job-dismiss': { verb: 'dismiss', family: 'block-job', since: '2.12', idArg: 'id' },
  'block-job-set-speed': { verb: 'set-speed', family: 'block-job', since: '1.1', idArg: 'device' },
  'block-job-change': { verb: 'change', family: 'block-job', since: '8.2', idArg: 'id' },
} as const satisfies Record<string, VerbCommand>;
export type VerbCommandName = keyof typeof VerbCommands;

export function isVerbCommand(name: unknown): name is VerbCommandName {
  return typeof name === 'string' && Object.hasOwn(VerbCommands, name);
}

export interface CreatorCommand {
  /** The job type it creates; commit depends on whether `top` names the active layer. */
  readonly type: JobType;
  readonly since: string;
  /** The release from which it takes `auto-finalize` / `auto-dismiss`; undefined: never. */
  readonly flagsSince?: string;
  /** The argument holding the job id (absent: the device name is used). */
  readonly idArg: 'job-id';
  /** Also a `transaction` action that creates a job. */
  readonly transactionAction: boolean;
}

export const CreatorCommands = {
  'drive-backup': { type: 'backup', since: '1.6', flagsSince: '2.12', idArg: 'job-id', transactionAction: true },
  'blockdev-backup': { type: 'backup', since: '2.3', flagsSince: '2.12', idArg: 'job-id', transactionAction: true },
  'drive-mirror': { type: 'mirror', since: '1.3', flagsSince: '3.1', idArg: 'job-id', transactionAction: false },
  'blockdev-mirror': { type: 'mirror', since: '2.6', flagsSince: '3.1', idArg: 'job-id', transactionAction: false },
  'block-commit': { type: 'commit', since: '1.3', flagsSince: '3.1', idArg: 'job-id', transactionAction: false },
  'block-stream': { type: 'stream', since: '1.1', flagsSince: '3.1', idArg: 'job-id', transactionAction: false },
  'x-blockdev-create': { type: 'create', since: '3.0', idArg: 'job-id', transactionAction: false },
  'blockdev-create': { type: 'create', since: '3.1', idArg: 'job-id', transactionAction: false },
  'x-blockdev-amend': { type: 'amend', since: '5.1', idArg: 'job-id', transactionAction: false },
  'snapshot-save': { type: 'snapshot-save', since: '6.0', idArg: 'job-id', transactionAction: false },
  'snapshot-load': { type: 'snapshot-load', since: '6.0', idArg: 'job-id', transactionAction: false },
  'snapshot-delete': { type: 'snapshot-delete', since: '6.0', idArg: 'job-id', transactionAction: false },
} as const satisfies Record<string, CreatorCommand>;
export type CreatorCommandName = keyof typeof CreatorCommands;

export function isCreatorCommand(name: unknown): name is CreatorCommandName {
  return typeof name === 'string' && Object.hasOwn(CreatorCommands, name);
}

/** Other commands of the job API. `x-blockdev-create` became `blockdev-create` in 3.1. */
export const OtherCommands: Readonly<Record<string, { since: string; until?: string }>> = {
  'query-jobs': { since: '3.0' },
  'query-block-jobs': { since: '1.1' },
  transaction: { since: '1.1' },
};

/** Commands that stopped existing: name → first release without it. */
export const RemovedCommands: Readonly<Record<string, string>> = {
  'x-blockdev-create': '3.1',
};
