/**
 * What differs between job types, as data (blockjob.c, block/mirror.c, block/backup.c, block/stream.c,
 * block/commit.c, block/create.c, block/amend.c, migration/savevm.c). Shared code reads these facts;
 * it never branches on a type's name.
 */
import type { JobType } from './qapi.ts';
import { JobTypeSince } from './qapi.ts';

export interface JobTypeFacts {
  readonly type: JobType;
  readonly since: string;
  /** A BlockJob: listed by query-block-jobs, addressable by block-job-*, emits BLOCK_JOB_*, has a speed. */
  readonly isBlockJob: boolean;
  /** Converges to READY and waits for complete: `always` (mirror), `active` (commit of the active layer only), `never`. */
  readonly ready: 'always' | 'active' | 'never';
  /** In READY, a cancel without force completes the job without pivoting (mirror's cancel hook). */
  readonly softCancelInReady: boolean;
  /** Implements the `change` driver hook (block-job-change, 8.2 on). */
  readonly supportsChange: boolean;
  /** auto-dismiss is forced off: the job stays concluded until dismissed. */
  readonly manualDismiss: boolean;
  /** The release from which the creating command takes auto-finalize / auto-dismiss; undefined: never. */
  readonly userFlagsSince?: string;
  /** The job's coroutine reaches pause points, so a pause shows as `paused` / `standby`. */
  readonly hasPausePoints: boolean;
  /** Accepted as a member of a `completion-mode: grouped` transaction. */
  readonly groupable: boolean;
}

const blockJob = { isBlockJob: true, supportsChange: false, manualDismiss: false, hasPausePoints: true, groupable: false };
const plainJob = {
  isBlockJob: false,
  ready: 'never',
  softCancelInReady: false,
  supportsChange: false,
  manualDismiss: true,
  hasPausePoints: false,
  groupable: false,
} as const;

export const JobTypes: Readonly<Record<JobType, JobTypeFacts>> = {
  commit: { type: 'commit', since: JobTypeSince.commit, ...blockJob, ready: 'active', softCancelInReady: true, userFlagsSince: '3.1' },
  stream: { type: 'stream', since: JobTypeSince.stream, ...blockJob, ready: 'never', softCancelInReady: false, userFlagsSince: '3.1' },
  mirror: {
    type: 'mirror',
    since: JobTypeSince.mirror,
    ...blockJob,
    ready: 'always',
    softCancelInReady: true,
    supportsChange: true,
    userFlagsSince: '3.1',
  },
  backup: {
    type: 'backup',
    since: JobTypeSince.backup,
    ...blockJob,
    ready: 'never',
    softCancelInReady: false,
    userFlagsSince: '2.12',
    groupable: true,
  },
  create: { type: 'create', since: JobTypeSince.create, ...plainJob },
  amend: { type: 'amend', since: JobTypeSince.amend, ...plainJob },
  'snapshot-load': { type: 'snapshot-load', since: JobTypeSince['snapshot-load'], ...plainJob },
  'snapshot-save': { type: 'snapshot-save', since: JobTypeSince['snapshot-save'], ...plainJob },
  'snapshot-delete': { type: 'snapshot-delete', since: JobTypeSince['snapshot-delete'], ...plainJob },
};

/** Whether a job of this type, created this way, reaches READY (commit only when it commits the active layer). */
export function jobHasReady(facts: JobTypeFacts, activeCommit = false): boolean {
  return facts.ready === 'always' || (facts.ready === 'active' && activeCommit);
}
