/**
 * QAPI entities of QEMU's job API, transcribed from qapi/job.json and qapi/block-core.json
 * (newest release; `since` says where each value first appeared).
 */

/** JobStatus, in QAPI enum order (2.12 as BlockJobStatus, 3.0 as JobStatus). */
export const JobStatus = [
  'undefined',
  'created',
  'running',
  'paused',
  'ready',
  'standby',
  'waiting',
  'pending',
  'aborting',
  'concluded',
  'null',
] as const;
export type JobStatus = (typeof JobStatus)[number];

/** JobVerb, in QAPI enum order: `finalize` was appended after `dismiss` in 2.12; `change` came in 8.2. */
export const JobVerb = ['cancel', 'pause', 'resume', 'set-speed', 'complete', 'dismiss', 'finalize', 'change'] as const;
export type JobVerb = (typeof JobVerb)[number];

export const JobVerbSince: Readonly<Record<JobVerb, string>> = {
  cancel: '2.12',
  pause: '2.12',
  resume: '2.12',
  'set-speed': '2.12',
  complete: '2.12',
  dismiss: '2.12',
  finalize: '2.12',
  change: '8.2',
};

/** JobType, in QAPI enum order ("Since 1.7"; BlockJobType before 3.0). */
export const JobType = [
  'commit',
  'stream',
  'mirror',
  'backup',
  'create',
  'amend',
  'snapshot-load',
  'snapshot-save',
  'snapshot-delete',
] as const;
export type JobType = (typeof JobType)[number];

/** The release each job type appeared in (for the four block job types, the oldest release modelled). */
export const JobTypeSince: Readonly<Record<JobType, string>> = {
  commit: '2.12',
  stream: '2.12',
  mirror: '2.12',
  backup: '2.12',
  create: '3.0',
  amend: '5.1',
  'snapshot-load': '6.0',
  'snapshot-save': '6.0',
  'snapshot-delete': '6.0',
};

export function isJobStatus(value: unknown): value is JobStatus {
  return typeof value === 'string' && (JobStatus as readonly string[]).includes(value);
}

export function isJobType(value: unknown): value is JobType {
  return typeof value === 'string' && (JobType as readonly string[]).includes(value);
}

/** JobInfo: one entry of `query-jobs` (3.0). `error` is present iff the job failed or was cancelled. */
export interface JobInfo {
  readonly id: string;
  readonly type: JobType;
  readonly status: JobStatus;
  readonly 'current-progress': number;
  readonly 'total-progress': number;
  readonly error?: string;
}

/** BlockJobInfo: one entry of `query-block-jobs` (only backup, commit, mirror and stream jobs). */
export interface BlockJobInfo {
  readonly type: JobType;
  readonly device: string;
  readonly len: number;
  readonly offset: number;
  readonly busy: boolean;
  readonly paused: boolean;
  readonly speed: number;
  readonly 'io-status': 'ok' | 'failed' | 'nospace';
  readonly ready: boolean;
  readonly status: JobStatus;
  readonly 'auto-finalize': boolean;
  readonly 'auto-dismiss': boolean;
  readonly error?: string;
  /** 10.0 on, mirror entries only. */
  readonly 'actively-synced'?: boolean;
}

/** The job events: name, the release it appeared in, and the jobs it applies to. */
export const JobEvents = {
  JOB_STATUS_CHANGE: { since: '3.0', blockJobsOnly: false },
  BLOCK_JOB_READY: { since: '1.3', blockJobsOnly: true },
  BLOCK_JOB_PENDING: { since: '2.12', blockJobsOnly: true },
  BLOCK_JOB_COMPLETED: { since: '1.1', blockJobsOnly: true },
  BLOCK_JOB_CANCELLED: { since: '1.1', blockJobsOnly: true },
  BLOCK_JOB_ERROR: { since: '1.3', blockJobsOnly: true },
} as const;
export type JobEventName = keyof typeof JobEvents;

export function isJobEventName(value: unknown): value is JobEventName {
  return typeof value === 'string' && Object.hasOwn(JobEvents, value);
}

/** The `action` of BLOCK_JOB_ERROR: the job's on-source-error / on-target-error policy. */
export type BlockErrorAction = 'ignore' | 'report' | 'stop';
