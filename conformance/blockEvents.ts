/**
 * BLOCK_JOB_* events (blockjob.c): only block jobs emit them, each at a fixed point of the lifecycle
 * (machines/step.ts emits them at the same points): READY right after `ready` (once), PENDING right
 * after `pending` for auto-finalize=false members, COMPLETED (success, from `pending`; failure, from
 * `aborting`, with `error`) or CANCELLED (force-cancelled, from `aborting`) just before `concluded`,
 * and only for jobs that started. ERROR with action `stop` pauses the job as if the user had.
 */
import { isJobType, JobTypes, type JobEventName } from '../machines/index.ts';
import { D, FC, statusName, UP, X, Y } from './encoding.ts';
import { Completion, JobTrack } from './job.ts';
import { checkProgress } from './progress.ts';
import { checkSpeed } from './speed.ts';
import type { CheckState } from './state.ts';
import { followChain, updateOwed } from './urgent.ts';

type Data = Record<string, unknown>;

function jobFor(st: CheckState, id: string, sawStatusEvents: boolean): JobTrack | undefined {
  const job = st.jobs.get(id);
  if (job) return job;
  if (st.graveyard.has(id)) {
    st.violate('event-after-null', id, "a job event after the job's 'null'", "only 'created' (a new job reusing the id)");
    return undefined;
  }
  if (sawStatusEvents) {
    st.violate('event-for-unknown-job', id, `job '${id}' was never created`, `'created' first`);
    return undefined;
  }
  // Status events are not in this trace (a release before 3.0, or a log that filtered them).
  const adopted = new JobTrack(st.profile, id, undefined);
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
  const known = job.statusKnown;
  switch (name) {
    case 'BLOCK_JOB_READY':
      if ((known && job.status !== Y) || job.readyEvent) {
        const why = job.readyEvent ? 'a second BLOCK_JOB_READY (it is not re-emitted on resume)' : `BLOCK_JOB_READY while '${statusName(job.status)}'`;
        st.violate('block-job-ready-unexpected', id, why, "once, right after 'ready'");
      }
      job.readyEvent = true;
      job.learnReady();
      updateOwed(st, job, false);
      return;
    case 'BLOCK_JOB_PENDING':
      if (job.autoFinalize === true) {
        st.violate('block-job-pending-auto-finalize', id, 'BLOCK_JOB_PENDING for a job with auto-finalize on', 'no BLOCK_JOB_PENDING: it is emitted only for auto-finalize=false');
      } else if (known && (job.status !== D || job.pendingEvent)) {
        const why = job.status === D ? 'a second BLOCK_JOB_PENDING' : `BLOCK_JOB_PENDING while '${statusName(job.status)}'`;
        st.violate('block-event-out-of-place', id, why, "once, right after 'pending'");
      }
      job.pendingEvent = true;
      updateOwed(st, job, false);
      return;
    case 'BLOCK_JOB_COMPLETED':
    case 'BLOCK_JOB_CANCELLED':
      onCompletion(st, job, name, 'error' in data);
      return;
    case 'BLOCK_JOB_ERROR':
      // block_job_error_action: action stop pauses the job and marks the pause as the user's.
      if (data['action'] === 'stop') st.changeFlags(job, UP, 0);
      return;
    default:
      return;
  }
}

function onCompletion(st: CheckState, job: JobTrack, name: 'BLOCK_JOB_COMPLETED' | 'BLOCK_JOB_CANCELLED', hasError: boolean): void {
  const id = job.id;
  const cancelled = name === 'BLOCK_JOB_CANCELLED';
  if (job.completion !== Completion.None) {
    const before = job.completion === Completion.Cancelled ? 'BLOCK_JOB_CANCELLED' : 'BLOCK_JOB_COMPLETED';
    st.violate('completed-and-cancelled', id, `${name} after ${before}`, 'one completion event per job');
  } else if (job.statusKnown) {
    const where = cancelled ? X : hasError ? X : D;
    if (!job.started) {
      st.violate('block-event-out-of-place', id, `${name} for a job that never started`, "no completion event: 'aborting', 'concluded', 'null' only");
    } else if (job.status !== where) {
      const what = cancelled ? name : hasError ? 'BLOCK_JOB_COMPLETED with error' : 'BLOCK_JOB_COMPLETED without error';
      st.violate('block-event-out-of-place', id, `${what} while '${statusName(job.status)}'`, `in '${statusName(where)}', just before 'concluded'`);
    }
  }
  if (st.wire && job.completion === Completion.None) {
    const mayForce = st.shutdown || job.someHave(FC) || st.pendingVerb(id, ['cancel']);
    if (cancelled && !mayForce) {
      st.violate('completion-event-kind', id, 'BLOCK_JOB_CANCELLED for a job nothing force-cancelled', 'BLOCK_JOB_COMPLETED (with error when it failed)');
    } else if (!cancelled && job.allHave(FC) && !st.shutdown) {
      st.violate('completion-event-kind', id, 'BLOCK_JOB_COMPLETED for a force-cancelled job', 'BLOCK_JOB_CANCELLED');
    }
  }
  job.completion = cancelled ? Completion.Cancelled : Completion.Completed;
}
