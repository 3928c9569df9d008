/**
 * The state a job carries beside its status (struct Job in include/qemu/job.h, the parts that decide
 * behaviour), and the state of its transaction (struct JobTxn). Plain data: snapshots compare and
 * serialise as JSON, so the transition graph can be explored.
 */
import { jobHasReady, JobTypes } from './jobTypes.ts';
import type { JobStatus, JobType } from './qapi.ts';

export interface JobContext {
  readonly id: string;
  readonly type: JobType;
  /** Facts of the type, resolved at creation (commit reaches ready only when it commits the active layer). */
  readonly isBlockJob: boolean;
  readonly hasReady: boolean;
  readonly softCancelInReady: boolean;
  readonly supportsChange: boolean;
  readonly hasPausePoints: boolean;
  readonly autoFinalize: boolean;
  readonly autoDismiss: boolean;
  /** The status; the machines keep it equal to the job's state node. */
  readonly status: JobStatus;
  /** job_start ran (a never-started job emits no BLOCK_JOB_COMPLETED/CANCELLED and is always dismissed). */
  readonly started: boolean;
  /** The user owns one pause request (job-pause, or a BLOCK_JOB_ERROR with action stop). */
  readonly userPaused: boolean;
  /** Pause requests of drained sections. pause_count = drains + (userPaused ? 1 : 0). */
  readonly drains: number;
  /** A cancel was requested (job_cancel_requested). */
  readonly cancelled: boolean;
  /** The cancel is a force cancel (job_is_cancelled since 6.2). */
  readonly force: boolean;
  /** complete was accepted (mirror's should_complete), or a soft cancel in ready asked for the same exit. */
  readonly completing: boolean;
  /** finalize was asked for (job-finalize on any member, or auto-finalize of the whole transaction). */
  readonly finalizing: boolean;
  /** The job's error text, once ret != 0 is recorded; null while it has none. */
  readonly error: string | null;
  /** An I/O error with action report was hit: run() will return with it (mirror reports every in-flight request first). */
  readonly failure: string | null;
  readonly everReady: boolean;
  readonly ioStatus: 'ok' | 'failed' | 'nospace';
  readonly speed: number;
  readonly current: number;
  readonly total: number;
  /** Mirror's copy mode (block-job-change); null for other types. */
  readonly copyMode: 'background' | 'write-blocking' | null;
}

export interface GroupContext {
  /** Members in creation order: index 0 is the oldest. QEMU visits a transaction newest first. */
  readonly jobs: readonly JobContext[];
  /** completion-mode grouped: one JobTxn for all members. Otherwise every job is its own transaction. */
  readonly grouped: boolean;
  /** The grouped transaction is aborting (job_completed_txn_abort ran). */
  readonly aborting: boolean;
}

/** What a creating command decides about a job. */
export interface JobInput {
  readonly id: string;
  readonly type: JobType;
  readonly autoFinalize?: boolean;
  readonly autoDismiss?: boolean;
  /** commit only: the top node is the active layer, so the job is mirror-like. */
  readonly activeCommit?: boolean;
  readonly speed?: number;
  readonly copyMode?: 'background' | 'write-blocking';
}

export function createJobContext(input: JobInput): JobContext {
  const facts = JobTypes[input.type];
  return {
    id: input.id,
    type: input.type,
    isBlockJob: facts.isBlockJob,
    hasReady: jobHasReady(facts, input.activeCommit),
    softCancelInReady: facts.softCancelInReady && jobHasReady(facts, input.activeCommit),
    supportsChange: facts.supportsChange,
    hasPausePoints: facts.hasPausePoints,
    // Only creators that take the arguments can turn them off (blockdev-create, amend and snapshots cannot).
    autoFinalize: facts.userFlagsSince === undefined ? true : (input.autoFinalize ?? true),
    autoDismiss: facts.manualDismiss ? false : (input.autoDismiss ?? true),
    status: 'undefined',
    started: false,
    userPaused: false,
    drains: 0,
    cancelled: false,
    force: false,
    completing: false,
    finalizing: false,
    error: null,
    failure: null,
    everReady: false,
    ioStatus: 'ok',
    speed: input.speed ?? 0,
    current: 0,
    total: 0,
    copyMode: facts.supportsChange ? (input.copyMode ?? 'background') : null,
  };
}

export function createGroupContext(inputs: readonly JobInput[], grouped = false): GroupContext {
  return { jobs: inputs.map(createJobContext), grouped, aborting: false };
}

export function pauseCount(job: JobContext): number {
  return job.drains + (job.userPaused ? 1 : 0);
}

/** The statuses of a job whose run() has returned: a transaction waits for every member to reach one. */
export const COMPLETED_STATUSES: ReadonlySet<JobStatus> = new Set(['waiting', 'pending', 'aborting', 'concluded', 'null']);
