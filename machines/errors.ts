/**
 * The error replies of the job API: class and exact text, as QMP clients match on them
 * (job.c, job-qmp.c, blockdev.c, block/mirror.c, qapi/qmp-dispatch.c). Texts that changed
 * between releases take the release.
 */
import { atLeast, type Release } from './release.ts';
import type { JobStatus, JobVerb } from './qapi.ts';

export type QmpErrorClass = 'GenericError' | 'DeviceNotActive' | 'CommandNotFound';

export interface QmpError {
  readonly class: QmpErrorClass;
  readonly desc: string;
}

const generic = (desc: string): QmpError => ({ class: 'GenericError', desc });

export const JobErrors = {
  /** The verb table refused the verb (job_apply_verb_locked). */
  verbRefused: (id: string, status: JobStatus, verb: JobVerb): QmpError =>
    generic(`Job '${id}' in state '${status}' cannot accept command verb '${verb}'`),
  /** `job-*` on an id no (non-internal) job has. Exact: no id, no quotes. */
  jobNotFound: (): QmpError => generic('Job not found'),
  /** `block-job-*` on a missing id, or on a job that is not a block job. */
  blockJobNotFound: (id: string): QmpError => ({ class: 'DeviceNotActive', desc: `Block job '${id}' not found` }),
  /** pause of a job the user already paused (checked after the verb table). */
  alreadyPaused: (): QmpError => generic('Job is already paused'),
  /** resume of a job the user did not pause (checked before the verb table). */
  notPaused: (): QmpError => generic("Can't resume a job that was not paused"),
  /** block-job-cancel without force on a user-paused job (checked before the verb table). */
  blockJobPaused: (id: string): QmpError => generic(`The block job for device '${id}' is currently paused`),
  /**
   * block-job-set-speed with a negative speed. 2.12 used QERR_INVALID_PARAMETER; the newer text is
   * verified on 7.2. The release of the change is not pinned; 3.0 (the generic Job rework) is assumed.
   */
  negativeSpeed: (release: Release): QmpError =>
    generic(atLeast(release, '3.0') ? "Parameter 'speed' expects a non-negative value" : "Invalid parameter 'speed'"),
  /** complete when a cancel was requested, the driver has no complete hook, or (5.2 and older) a pause is pending. */
  cannotComplete: (id: string): QmpError => generic(`The active block job '${id}' cannot be completed`),
  /** block-job-change on a job whose driver has no change hook (8.2 on). */
  changeUnsupported: (): QmpError => generic('Job type does not support change'),
  /** block-job-change of a mirror back to background mode (8.2 on). */
  copyModeNotImplemented: (mode: string): QmpError => generic(`Change to copy mode '${mode}' is not implemented`),
  /** A command the release does not have. */
  commandNotFound: (command: string): QmpError => ({ class: 'CommandNotFound', desc: `The command ${command} has not been found` }),
  /** A grouped transaction with an action that creates no job; "Transaction" became "transaction" in 8.1. */
  completionModeUnsupported: (release: Release, action: string, mode: string): QmpError =>
    generic(
      `Action '${action}' does not support ${atLeast(release, '8.1') ? 'transaction' : 'Transaction'} property completion-mode = ${mode}`,
    ),
  jobIdInUse: (id: string): QmpError => generic(`Job ID '${id}' already in use`),
  invalidJobId: (id: string): QmpError => generic(`Invalid job ID '${id}'`),
  /** The error of a cancelled job, as query-jobs reports it (strerror(ECANCELED), glibc spelling). */
  cancelledText: 'Operation canceled',
} as const;
