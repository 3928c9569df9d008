/**
 * BLOCK_JOB_* events (blockjob.c): only block jobs emit them, each at a fixed point of the lifecycle
 * (machines/step.ts emits them at the same points): READY right after `ready` (once), PENDING right
 * after `pending` for auto-finalize=false members, COMPLETED (success, from `pending`; failure, from
 * `aborting`, with `error`) or CANCELLED (force-cancelled, from `aborting`) just before `concluded`,
 * and only for jobs that started. ERROR with action `stop` pauses the job as if the user had.
 */
import { isJobType, JobTypes, type JobEventName } from '../machines/index.ts';
import { UP } from './encoding.ts';
import { Completion, JobTrack } from './job.ts';
import { checkProgress } from './progress.ts';
import { checkSpeed } from './speed.ts';
import type { CheckState } from './state.ts';
import { followChain, updateOwed } from './urgent.ts';
import type { PendingVerb } from './pending.ts';
import { BlockEventRules, type BlockEventFacts } from './rules/index.ts';
import { adoptHeldBack, heldBackEvent, warnHeldEvent } from './heldBack.ts';

type Data = Record<string, unknown>;

function jobFor(st: CheckState, id: string, sawStatusEvents: boolean): JobTrack | undefined {
  const job = st.jobs.get(id);
  if (job) return job;
  // A bash log may not have printed the job's statuses (heldBack.ts).
  const held = sawStatusEvents && st.heldBack ? adoptHeldBack(st, id, true) : undefined;
  if (held) return held;
  if (st.graveyard.has(id) && sawStatusEvents) {
    st.violate('event-after-null', id, "a job event after the job's 'null'", "only 'created' (a new job reusing the id)");
    return undefined;
  }
  if (sawStatusEvents) {
    st.violate('event-for-unknown-job', id, `job '${id}' was never created`, `'created' first`);
    return undefined;
  }
  // Status events are not in this trace (a release before 3.0, or a log that filtered them): the job
  // is the one the last accepted creating command for the id asked for, when one was printed.
  const spec = st.unboundSpecs.get(id);
  st.unboundSpecs.delete(id);
  const adopted = new JobTrack(st.profile, id, spec);
  adopted.statusKnown = false;
  st.jobs.set(id, adopted);
  return adopted;
}

export function onBlockEvent(st: CheckState, name: JobEventName, data: Data, sawStatusEvents: boolean): void {
  const rawId = name === 'BLOCK_JOB_PENDING' ? data['id'] : data['device'];
  if (typeof rawId !== 'string') return;
  const job = jobFor(st, rawId, sawStatusEvents);
  if (st.wire && name !== 'BLOCK_JOB_ERROR') followChain(st, job, name);
  if (!job) return;
  const id = job.id;
  const type = data['type'];
  if (isJobType(type) && !JobTypes[type].isBlockJob) {
    st.violate('block-event-non-block-job', id, `${name} for a ${type} job`, 'no BLOCK_JOB_* event: only backup, commit, mirror and stream jobs emit them');
    return;
  }
  if (job.isBlockJob() === false) {
    st.violate('block-event-non-block-job', id, `${name} for a ${job.type ?? 'non-block'} job`, 'JOB_STATUS_CHANGE only');
    return;
  }
  if (isJobType(type) && !job.learnType(type)) {
    st.violate('type-mismatch', id, `${name} says type '${type}'`, `'${job.type ?? '?'}', the type its creating command makes`);
  }
  if (st.wire) {
    checkProgress(st, job, data['offset']);
    checkSpeed(st, job, data['speed'], name, true);
  }
  if (name !== 'BLOCK_JOB_ERROR' && name !== 'JOB_STATUS_CHANGE') judgeBlockEvent(st, job, name, 'error' in data);
  switch (name) {
    case 'BLOCK_JOB_READY':
      job.readyEvent = true;
      job.learnReady();
      updateOwed(st, job, false);
      return;
    case 'BLOCK_JOB_PENDING':
      job.pendingEvent = true;
      updateOwed(st, job, false);
      return;
    case 'BLOCK_JOB_COMPLETED':
      job.completion = Completion.Completed;
      concludedUnseen(st, job);
      return;
    case 'BLOCK_JOB_CANCELLED':
      job.completion = Completion.Cancelled;
      concludedUnseen(st, job);
      return;
    case 'BLOCK_JOB_ERROR':
      // block_job_error_action: action stop pauses the job and marks the pause as the user's.
      if (data['action'] === 'stop') st.changeFlags(job, UP, 0);
      return;
    default:
      return;
  }
}

/**
 * A completion event of a job whose statuses the trace does not show: the job concludes right after it
 * and, auto-dismissed (the default, job.c job_conclude_locked), is gone with its id free, so a later
 * event for the id is another job's. Only a job known to wait for job-dismiss keeps the id.
 */
function concludedUnseen(st: CheckState, job: JobTrack): void {
  if (!job.statusKnown && job.autoDismiss !== false) st.bury(job);
}

/** Dispatches a block job's event to every rule judged there; rules that need the wire order are skipped in logs. */
function judgeBlockEvent(st: CheckState, job: JobTrack, event: BlockEventFacts<PendingVerb>['event'], hasError: boolean): void {
  const facts: BlockEventFacts<PendingVerb> = { job, event, hasError, wire: st.wire, shutdown: st.shutdown, pending: st.pendingOf };
  for (const [id, check, rule] of BlockEventRules) {
    if (!st.wire && rule.needs.includes('wire-order')) continue;
    const found = check(facts);
    if (!found) continue;
    const at = st.heldBack ? heldBackEvent(st, facts, check) : undefined;
    if (at !== undefined) warnHeldEvent(st, job, event, id, at);
    else st.require(found.causes ?? [], id, job.id, found.message, found.allowed);
  }
}
