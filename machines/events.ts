/**
 * The events the job machines take. User verbs keep their QMP command names, in both spellings,
 * with the command's arguments; what a job does on its own is an `internal.*` event.
 */
import type { VerbCommandName } from './commands.ts';
import type { BlockErrorAction, JobType } from './qapi.ts';

/** A QMP verb command addressed to job `id`, with the command's own arguments. */
export interface VerbEvent {
  readonly type: VerbCommandName;
  readonly id: string;
  /** block-job-cancel */
  readonly force?: boolean;
  /** block-job-set-speed */
  readonly speed?: number;
  /** block-job-change: the union's discriminator and mirror's copy-mode */
  readonly jobType?: JobType;
  readonly copyMode?: string;
}

/** Things a job or its transaction does without a command (job.c function in brackets). */
export type InternalEvent =
  /** U→C [job_create] */
  | { readonly type: 'internal.create'; readonly id: string }
  /** C→N: creation failed after job_create [job_early_fail] */
  | { readonly type: 'internal.early-fail'; readonly id: string }
  /** A transaction failed in prepare: its created members are cancelled (C→X) */
  | { readonly type: 'internal.prepare-fail' }
  /** C→R [job_start] */
  | { readonly type: 'internal.start'; readonly id: string }
  /** R→P, Y→S: the coroutine parks at a pause point [job_pause_point] */
  | { readonly type: 'internal.pause-point'; readonly id: string }
  /** P→R, S→Y: the coroutine is re-entered [job_enter] */
  | { readonly type: 'internal.enter'; readonly id: string }
  /** A drained section begins / ends on a node the job uses [child_job_drained_begin/end] */
  | { readonly type: 'internal.drain-begin'; readonly id: string }
  | { readonly type: 'internal.drain-end'; readonly id: string }
  /** Work done [job_progress_update / set_remaining] */
  | { readonly type: 'internal.progress'; readonly id: string; readonly done: number; readonly remaining: number }
  /** R→Y: source and target converged [job_transition_to_ready] */
  | { readonly type: 'internal.ready'; readonly id: string }
  /** run() returned: success or an error [job_completed] */
  | { readonly type: 'internal.run-returned'; readonly id: string; readonly error?: string }
  /** An I/O error under the job's error policy [block_job_error_action] */
  | { readonly type: 'internal.io-error'; readonly id: string; readonly action: BlockErrorAction; readonly nospace?: boolean }
  /** W→D for every waiting member of job id's txn, once all its members completed [job_txn_apply(job_move_to_pending)] */
  | { readonly type: 'internal.txn-pending'; readonly id: string }
  /** W→X, D→X: an aborting transaction takes a finished member down [job_completed_txn_abort] */
  | { readonly type: 'internal.txn-abort'; readonly id: string }
  /** D→E or X→E: commit/abort, clean, event, concluded [job_finalize_single] */
  | { readonly type: 'internal.conclude'; readonly id: string }
  /** E→N for auto-dismiss or never-started jobs [job_do_dismiss] */
  | { readonly type: 'internal.dismiss'; readonly id: string }
  /** D→X: a member's .prepare failed while the transaction was finalized [job_prepare, job_do_finalize] */
  | { readonly type: 'internal.finalize-fail'; readonly id: string; readonly error: string }
  /** quit: job_cancel_sync_all cancels the job (force since 6.2) or, once concluded, dismisses it [job_cancel_sync] */
  | { readonly type: 'internal.shutdown'; readonly id: string };

export type ModelEvent = VerbEvent | InternalEvent;
export type InternalEventType = InternalEvent['type'];

export const InternalEventTypes: readonly InternalEventType[] = [
  'internal.create',
  'internal.early-fail',
  'internal.prepare-fail',
  'internal.start',
  'internal.pause-point',
  'internal.enter',
  'internal.drain-begin',
  'internal.drain-end',
  'internal.progress',
  'internal.ready',
  'internal.run-returned',
  'internal.io-error',
  'internal.txn-pending',
  'internal.txn-abort',
  'internal.conclude',
  'internal.dismiss',
  'internal.finalize-fail',
  'internal.shutdown',
];

/**
 * Internal events QEMU performs synchronously, in the same main-loop step as what enabled them
 * (no command can come between). The others happen whenever the job gets to them.
 */
export const UrgentInternalEvents: ReadonlySet<InternalEventType> = new Set([
  'internal.txn-pending',
  'internal.txn-abort',
  'internal.conclude',
  'internal.dismiss',
  'internal.finalize-fail',
]);
