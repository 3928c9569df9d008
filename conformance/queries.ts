/**
 * query-jobs / query-block-jobs answers. QEMU answers from its job list at one instant between the
 * send and the reply, so a listed status must be one the job showed in that window, a job alive
 * throughout must be listed, and a job absent throughout must not be. query-jobs never lists
 * `undefined` or `null` jobs (job_create inserts after `undefined`; dismissal unlinks with `null`).
 */
import { atLeast, isJobType, JobStatus, JobTypes } from '../machines/index.ts';
import { E, isAlive, N, R, S, statusIndex, statusName, U, X, Y } from './encoding.ts';
import { JobTrack } from './job.ts';
import type { PendingQuery } from './pending.ts';
import { checkProgress } from './progress.ts';
import { checkSpeed } from './speed.ts';
import type { CheckState } from './state.ts';

type Entry = Record<string, unknown>;

/** The statuses job `id` showed while the query ran (its status at the send first). */
function statusesIn(st: CheckState, q: PendingQuery, id: string): number[] {
  const seen = q.seen?.get(id);
  if (seen) return seen;
  const job = st.jobs.get(id);
  return [job ? job.status : st.graveyard.has(id) ? N : U];
}

function names(statuses: readonly number[]): string {
  return statuses.map((s) => (isAlive(s) ? `'${statusName(s)}'` : 'absent')).join(' or ');
}

export function onQueryReply(st: CheckState, q: PendingQuery, value: unknown): void {
  if (!Array.isArray(value)) return;
  const listed = new Set<string>();
  for (const e of value) {
    if (typeof e === 'object' && e !== null && !Array.isArray(e)) checkEntry(st, q, e as Entry, listed);
  }
  if (st.wire && st.statusEvents) checkMissing(st, q, listed);
}

function checkEntry(st: CheckState, q: PendingQuery, entry: Entry, listed: Set<string>): void {
  const rawId = q.block ? entry['device'] : entry['id'];
  const id = typeof rawId === 'string' ? rawId : undefined;
  const status = entry['status'];
  const s = statusIndex(status);
  if (status === 'undefined') st.violate('undefined-status', id, `${q.name} lists a job in 'undefined'`, 'never listed: job_create inserts the job after undefined');
  else if (status === 'null') st.violate('null-in-query', id, `${q.name} lists a job in 'null'`, 'never listed: dismissal unlinks the job');
  else if (status !== undefined && s < 0) st.violate('unknown-status', id, `status ${JSON.stringify(status)} is not a JobStatus`, JobStatus.join(', '));
  if (id === undefined) return;
  listed.add(id);
  let job = st.lookup(id);
  const judge = st.wire && st.statusEvents && (!job || job.statusKnown);
  if (judge) {
    const during = statusesIn(st, q, id);
    if (!during.some(isAlive)) {
      st.violate('query-unknown-job', id, `${q.name} lists job '${id}', which did not exist while it ran`, `not listed (${names(during)})`);
      return;
    }
    if (s > U && s !== N && !during.includes(s)) {
      st.violate('query-status-mismatch', id, `${q.name} says '${statusName(s)}'`, names(during.filter(isAlive)));
    }
  }
  if (!job) {
    if (judge) return;
    job = new JobTrack(st.profile, id, undefined);
    job.statusKnown = false;
    st.jobs.set(id, job);
  }
  checkType(st, q, entry, job);
  if (q.block && st.wire) checkBlockFields(st, entry, job, s);
  if (st.jobs.get(id) === job && isAlive(job.status)) checkProgress(st, job, q.block ? entry['offset'] : entry['current-progress']);
  checkError(st, q, entry, job, s);
}

function checkType(st: CheckState, q: PendingQuery, entry: Entry, job: JobTrack): void {
  const type = entry['type'];
  if (!isJobType(type)) return;
  if (q.block && !JobTypes[type].isBlockJob) {
    st.violate('type-mismatch', job.id, `query-block-jobs lists a ${type} job`, 'block jobs only (backup, commit, mirror, stream)');
  } else if (!job.learnType(type)) {
    st.violate('type-mismatch', job.id, `${q.name} says type '${type}'`, `'${job.type ?? '?'}', the type its creating command makes`);
  } else if (q.block && job.isBlockJob() === false) {
    st.violate('type-mismatch', job.id, `query-block-jobs lists a ${job.type ?? 'non-block'} job`, 'block jobs only');
  }
}

/** `ready` reads job_is_ready (ready or standby) from 6.1; verified on 7.2 and 10.0, so checked from 7.2. */
function checkBlockFields(st: CheckState, entry: Entry, job: JobTrack, s: number): void {
  for (const [field, known] of [
    ['auto-finalize', job.autoFinalize],
    ['auto-dismiss', job.autoDismiss],
  ] as const) {
    const v = entry[field];
    if (typeof v === 'boolean' && known !== undefined && v !== known) {
      st.violate('query-field-mismatch', job.id, `query-block-jobs says ${field}: ${v}`, `${field}: ${known}, as the creating command set it`);
    }
  }
  checkSpeed(st, job, entry['speed'], 'query-block-jobs', false);
  const ready = entry['ready'];
  if (typeof ready === 'boolean' && s > U && atLeast(st.profile.version, '7.2')) {
    const expected = s === Y || s === S;
    if (ready !== expected) st.violate('query-field-mismatch', job.id, `query-block-jobs says ready: ${ready} in '${statusName(s)}'`, `ready: ${expected}`);
  }
}

function checkError(st: CheckState, q: PendingQuery, entry: Entry, job: JobTrack, s: number): void {
  const hasError = entry['error'] !== undefined;
  if (hasError && s > U && s !== X && s !== E && s !== N) {
    // run() failed and recorded its error (job->err, job->ret) in the coroutine; job_exit moves the
    // job to aborting in a later bottom half, so a command in between lists it running or ready.
    if (s === R || s === Y) {
      job.failing = true;
      return;
    }
    st.violate('error-on-success', job.id, `${q.name} shows error ${JSON.stringify(entry['error'])} on a job in '${statusName(s)}'`, "no error before 'aborting'");
    return;
  }
  if (s !== E || job.concludedFrom < 0) return;
  if (job.concludedFrom === X && !hasError) {
    st.violate('error-missing', job.id, `${q.name} shows a failed or cancelled job concluded without error`, 'an error (e.g. "Operation canceled")');
  } else if (job.concludedFrom !== X && hasError) {
    st.violate('error-on-success', job.id, `${q.name} shows error ${JSON.stringify(entry['error'])} on a job that concluded from 'pending'`, 'no error: the job succeeded');
  }
}

function checkMissing(st: CheckState, q: PendingQuery, listed: ReadonlySet<string>): void {
  for (const [id, job] of st.jobs) {
    if (listed.has(id) || !job.statusKnown) continue;
    if (q.block && job.isBlockJob() !== true) continue;
    const during = statusesIn(st, q, id);
    if (during.every(isAlive)) {
      st.violate('query-missing-job', id, `${q.name} omits job '${id}'`, `listed, as ${names(during)}`);
    }
  }
}
