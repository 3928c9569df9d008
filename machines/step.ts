/**
 * The semantics of a job and its transaction as one pure function: `step(profile, group, event)`
 * gives the next group state, the QMP events QEMU emits on the way and, for a command, its reply.
 * Transcribes job.c (job_apply_verb, job_pause_point, job_completed, job_completed_txn_abort,
 * job_txn_apply, job_finalize_single, job_conclude, job_cancel) and job-qmp.c of the newest release,
 * with the release differences the profile names. The XState machines (job.ts, group.ts) are built
 * on this function; the fast engines (the trace checker, the compiled explorer) call it directly.
 */
import { COMPLETED_STATUSES, pauseCount, type GroupContext, type JobContext } from './context.ts';
import { JobErrors, type QmpError } from './errors.ts';
import type { InternalEvent, ModelEvent, VerbEvent } from './events.ts';
import { isVerbCommand, VerbCommands } from './commands.ts';
import type { Profile } from './profile.ts';
import type { JobEventName, JobStatus } from './qapi.ts';
import { isForceCancel, verbReply } from './replies.ts';

/** A QMP event the model emits, without its timestamp. */
export interface EmittedEvent {
  readonly event: JobEventName;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface Outcome {
  readonly group: GroupContext;
  readonly events: readonly EmittedEvent[];
  /** For a command: undefined when it succeeded, else the error. Absent for internal events. */
  readonly reply?: QmpError | undefined;
  readonly isCommand: boolean;
}

export function isVerbEvent(event: ModelEvent): event is VerbEvent {
  return isVerbCommand(event.type);
}

/** Mutable working copy of a group for one step. */
class Draft {
  readonly jobs: JobContext[];
  aborting: boolean;
  readonly events: EmittedEvent[] = [];
  constructor(
    readonly profile: Profile,
    readonly base: GroupContext,
  ) {
    this.jobs = [...base.jobs];
    this.aborting = base.aborting;
  }
  job(i: number): JobContext {
    const j = this.jobs[i];
    if (!j) throw new RangeError(`no job ${i}`);
    return j;
  }
  patch(i: number, p: Partial<JobContext>): void {
    // A copy, then the patch written into it: the same object as `{ ...job, ...p }`, built faster.
    this.jobs[i] = Object.assign({ ...this.job(i) }, p);
  }
  /** A status change: JOB_STATUS_CHANGE (3.0 on), self-loops suppressed as job_state_transition does. */
  move(i: number, status: JobStatus): void {
    const j = this.job(i);
    if (j.status === status) return;
    this.patch(i, { status });
    if (this.profile.features.jobStatusChangeEvent) this.emit('JOB_STATUS_CHANGE', { id: j.id, status });
  }
  emit(event: JobEventName, data: Record<string, unknown>): void {
    this.events.push({ event, data });
  }
  result(reply?: QmpError, isCommand = false): Outcome {
    const group: GroupContext = { jobs: this.jobs, grouped: this.base.grouped, aborting: this.aborting };
    return isCommand ? { group, events: this.events, reply, isCommand } : { group, events: this.events, isCommand };
  }
}

/** The members of job i's JobTxn, by index (a grouped group is one txn; otherwise each job is alone). */
export function txnMembers(g: GroupContext, i: number): number[] {
  return g.grouped ? g.jobs.map((_, k) => k) : [i];
}

export function indexOfJob(g: GroupContext, id: string): number {
  return g.jobs.findIndex((j) => j.id === id);
}

const blockEventBase = (j: JobContext) => ({ type: j.type, device: j.id, len: j.total, offset: j.current, speed: j.speed });

/** job_completed_txn_abort: the first member to fail cancels (force, since 6.2) every other unfinished member. */
function abortTxn(d: Draft, failing: number): void {
  if (!d.base.grouped || d.aborting) return;
  d.aborting = true;
  for (const k of txnMembers(d.base, failing)) {
    if (k === failing) continue;
    const j = d.job(k);
    if (j.status === 'aborting' || j.status === 'concluded' || j.status === 'null') continue;
    d.patch(k, { cancelled: true, force: true, userPaused: false, ioStatus: 'ok' });
  }
}

/** Moves job i to aborting with its error (job_update_rc). */
function toAborting(d: Draft, i: number, error: string): void {
  const j = d.job(i);
  d.patch(i, { error: j.error ?? error });
  d.move(i, 'aborting');
  abortTxn(d, i);
}

/** job_cancel: the cancel request, then, for a job not started or already done, its completion at once. */
function cancel(d: Draft, i: number, force: boolean): void {
  const job = d.job(i);
  d.patch(i, { cancelled: true, force: job.force || force, userPaused: false, ioStatus: 'ok' });
  if ((job.status === 'waiting' || job.status === 'pending') && d.base.grouped) {
    // Already done, in a grouped txn: job_completed_txn_abort takes the members down newest first,
    // this one included (W→X, D→X through internal.txn-abort).
    abortTxn(d, i);
  } else if (job.status === 'created' || job.status === 'waiting' || job.status === 'pending') {
    // Not started, or already done: job_cancel completes it at once (C→X, W→X, D→X).
    toAborting(d, i, JobErrors.cancelledText);
  } else if (!force) {
    // Soft cancel of a ready mirror: it leaves its loop as if completed, without pivoting.
    d.patch(i, { completing: true });
  }
}

function applyVerb(profile: Profile, g: GroupContext, e: VerbEvent): Outcome {
  const d = new Draft(profile, g);
  const i = indexOfJob(g, e.id);
  const job = i >= 0 ? g.jobs[i] : undefined;
  const error = verbReply(profile, job, e);
  if (error || !job) return d.result(error, true);
  const verb = VerbCommands[e.type].verb;
  switch (verb) {
    case 'pause':
      d.patch(i, { userPaused: true });
      break;
    case 'resume':
      d.patch(i, { userPaused: false, ioStatus: 'ok' });
      break;
    case 'set-speed':
      d.patch(i, { speed: e.speed ?? 0 });
      break;
    case 'change':
      if (job.supportsChange) {
        const mode = e.jobType === 'mirror' && e.copyMode === 'write-blocking' ? 'write-blocking' : job.copyMode;
        d.patch(i, { copyMode: mode });
      }
      break;
    case 'complete':
      d.patch(i, { completing: true });
      break;
    case 'finalize':
      for (const k of txnMembers(g, i)) if (d.job(k).status === 'pending') d.patch(k, { finalizing: true });
      break;
    case 'dismiss':
      d.move(i, 'null');
      break;
    case 'cancel':
      cancel(d, i, isForceCancel(job, e));
      break;
  }
  return d.result(undefined, true);
}

/** Whether every member of job i's txn has finished its run (is in a completed status). */
function txnAllCompleted(g: GroupContext, i: number): boolean {
  return txnMembers(g, i).every((k) => COMPLETED_STATUSES.has(g.jobs[k]!.status));
}

function applyInternal(profile: Profile, g: GroupContext, e: InternalEvent): Outcome | undefined {
  const d = new Draft(profile, g);
  if (e.type === 'internal.prepare-fail') {
    // An action of the command failed: the jobs created so far are cancelled before any started, newest
    // first; the actions after it never created theirs (they stay undefined).
    const created = g.jobs.flatMap((j, k) => (j.status === 'created' ? [k] : [])).reverse();
    if (created.length === 0 || g.jobs.some((j) => j.started || j.cancelled)) return undefined;
    if (g.grouped) d.aborting = true;
    for (const k of created) {
      // Grouped: aborting the newest makes job_completed_txn_abort wait (job_finish_sync) for the older
      // members, which never started and so never finish. QEMU 7.2 and 10.0 hang there, those still created.
      const hangs = g.grouped && k !== created[0];
      d.patch(k, { cancelled: true, force: true, error: hangs ? null : JobErrors.cancelledText });
      if (!hangs) d.move(k, 'aborting');
    }
    return d.result();
  }
  const i = indexOfJob(g, e.id);
  if (i < 0) return undefined;
  const j = g.jobs[i]!;
  switch (e.type) {
    case 'internal.create':
      // In action order, while the command is still creating: every older member created, none cancelled.
      if (j.status !== 'undefined' || !g.jobs.slice(0, i).every((o) => o.status === 'created' && !o.cancelled)) return undefined;
      d.move(i, 'created');
      return d.result();
    case 'internal.early-fail':
      // The newest job of a command that has started none fails right after job_create.
      if (j.status !== 'created' || g.jobs.some((o) => o.started || o.cancelled) || g.jobs.slice(i + 1).some((o) => o.status !== 'undefined')) return undefined;
      d.move(i, 'null');
      return d.result();
    case 'internal.start':
      if (j.status !== 'created' || j.cancelled || g.jobs.some((o) => o.status === 'undefined' || (o.status === 'null' && !o.started))) return undefined;
      d.patch(i, { started: true });
      d.move(i, 'running');
      return d.result();
    case 'internal.pause-point':
      if ((j.status !== 'running' && j.status !== 'ready') || pauseCount(j) === 0 || !j.hasPausePoints) return undefined;
      if (j.force || (j.cancelled && !profile.features.cancelSemantics62)) return undefined;
      d.move(i, j.status === 'running' ? 'paused' : 'standby');
      return d.result();
    case 'internal.enter':
      if ((j.status !== 'paused' && j.status !== 'standby') || (pauseCount(j) > 0 && !j.force)) return undefined;
      d.move(i, j.status === 'paused' ? 'running' : 'ready');
      return d.result();
    case 'internal.drain-begin':
      if (!['created', 'running', 'paused', 'ready', 'standby', 'waiting', 'pending'].includes(j.status)) return undefined;
      d.patch(i, { drains: j.drains + 1 });
      return d.result();
    case 'internal.drain-end':
      if (j.drains === 0 || j.status === 'null') return undefined;
      d.patch(i, { drains: j.drains - 1 });
      return d.result();
    case 'internal.progress':
      if (j.status !== 'running' && j.status !== 'ready') return undefined;
      if (!(e.done >= 0) || !(e.remaining >= 0)) return undefined;
      d.patch(i, { current: j.current + e.done, total: j.current + e.done + e.remaining });
      return d.result();
    case 'internal.ready':
      if (j.status !== 'running' || !j.hasReady || j.cancelled || j.failure !== null) return undefined;
      d.patch(i, { everReady: true });
      d.move(i, 'ready');
      if (!j.everReady && j.isBlockJob) d.emit('BLOCK_JOB_READY', blockEventBase(d.job(i)));
      return d.result();
    case 'internal.run-returned': {
      if (j.status !== 'running' && j.status !== 'ready') return undefined;
      const error = e.error ?? j.failure ?? undefined;
      if (error !== undefined) {
        toAborting(d, i, error);
        return d.result();
      }
      if (j.force) {
        toAborting(d, i, JobErrors.cancelledText);
        return d.result();
      }
      // A mirror-like job leaves its loop only when completed (or soft-cancelled) in ready.
      if (j.hasReady && !(j.status === 'ready' && j.completing)) return undefined;
      d.move(i, 'waiting');
      return d.result();
    }
    case 'internal.io-error': {
      if (!j.isBlockJob || (j.status !== 'running' && j.status !== 'ready') || j.force) return undefined;
      d.emit('BLOCK_JOB_ERROR', { device: j.id, operation: 'write', action: e.action });
      const text = e.nospace ? 'No space left on device' : 'Input/output error';
      if (e.action === 'report') d.patch(i, { failure: j.failure ?? text });
      // block_job_iostatus_set_err keeps the first error.
      else if (e.action === 'stop') d.patch(i, { userPaused: true, ioStatus: j.ioStatus !== 'ok' ? j.ioStatus : e.nospace ? 'nospace' : 'failed' });
      return d.result();
    }
    case 'internal.txn-pending': {
      if (j.status !== 'waiting' || d.aborting || !txnAllCompleted(g, i)) return undefined;
      const members = txnMembers(g, i);
      const autoFinalize = members.every((k) => g.jobs[k]!.autoFinalize);
      for (const k of [...members].reverse()) {
        const m = d.job(k);
        if (m.status !== 'waiting') continue;
        d.patch(k, { finalizing: autoFinalize });
        d.move(k, 'pending');
        if (!m.autoFinalize && m.isBlockJob) d.emit('BLOCK_JOB_PENDING', { type: m.type, id: m.id });
      }
      return d.result();
    }
    case 'internal.txn-abort':
      if (!g.aborting || (j.status !== 'waiting' && j.status !== 'pending')) return undefined;
      toAborting(d, i, JobErrors.cancelledText);
      return d.result();
    case 'internal.conclude': {
      const finalizable = j.status === 'pending' && j.finalizing && !g.aborting;
      if (!finalizable && j.status !== 'aborting') return undefined;
      // A transaction is finalized newest member first.
      const newerPending = txnMembers(g, i).some((k) => k > i && !['concluded', 'null', 'undefined'].includes(g.jobs[k]!.status));
      if (newerPending) return undefined;
      if (j.started && j.isBlockJob) {
        if (j.force) d.emit('BLOCK_JOB_CANCELLED', blockEventBase(j));
        else d.emit('BLOCK_JOB_COMPLETED', j.error === null ? blockEventBase(j) : { ...blockEventBase(j), error: j.error });
      }
      d.move(i, 'concluded');
      return d.result();
    }
    case 'internal.dismiss':
      if (j.status !== 'concluded' || (j.autoDismiss === false && j.started)) return undefined;
      d.move(i, 'null');
      return d.result();
    case 'internal.finalize-fail':
      // .prepare runs on every member before any concludes; the first to fail aborts the transaction.
      if (j.status !== 'pending' || !j.finalizing || g.aborting) return undefined;
      if (!txnMembers(g, i).every((k) => g.jobs[k]!.status === 'pending')) return undefined;
      toAborting(d, i, e.error);
      return d.result();
    case 'internal.shutdown':
      if (j.status === 'concluded') {
        d.move(i, 'null');
        return d.result();
      }
      if (!['created', 'running', 'paused', 'ready', 'standby', 'waiting', 'pending'].includes(j.status)) return undefined;
      if (j.cancelled && (j.force || j.status !== 'ready')) return undefined;
      // Before 6.2 quit soft-cancels: a ready mirror completes without pivoting.
      cancel(d, i, profile.features.cancelSemantics62 || isForceCancel(j, { type: 'block-job-cancel', id: j.id }));
      return d.result();
  }
}

/**
 * One step of the model. Returns undefined when `event` is an internal event that cannot happen now;
 * a command always has an outcome (its reply, perhaps an error that changes nothing).
 */
export function step(profile: Profile, group: GroupContext, event: ModelEvent): Outcome | undefined {
  return isVerbEvent(event) ? applyVerb(profile, group, event) : applyInternal(profile, group, event);
}
