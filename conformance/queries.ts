/**
 * query-jobs / query-block-jobs answers. QEMU answers from its job list at one instant between the
 * send and the reply, so a listed status must be one the job showed in that window, a job alive
 * throughout must be listed, and a job absent throughout must not be. query-jobs never lists
 * `undefined` or `null` jobs (job_create inserts after `undefined`; dismissal unlinks with `null`).
 */
import { atLeast, isJobType, JobStatus, JobTypes, type Profile } from '../machines/index.ts';
import { C, isAlive, N, R, S, statusIndex, statusName, U, Y } from './encoding.ts';
import { JobTrack } from './job.ts';
import type { PendingQuery } from './pending.ts';
import { logQueryEntry } from './logReplies.ts';
import { checkProgress } from './progress.ts';
import { QueryEntryRules } from './rules/index.ts';
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
  st.judged.queries++;
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
  if (listed.has(id)) st.violate('query-duplicate-job', id, `${q.name} lists job '${id}' twice`, 'each job once');
  listed.add(id);
  if (!st.wire && st.statusEvents) logQueryEntry(st, q.name, id, status);
  let job = st.lookup(id);
  if (!job && st.wire && st.statusEvents && !st.fresh && !st.forgotten && s > U && s !== N) job = adopt(st, id, s);
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
  if (st.jobs.get(id) === job && isAlive(job.status)) checkProgress(st, job, q.block ? entry['offset'] : entry['current-progress']);
  judgeEntry(st, q, entry, job, s);
}

/**
 * A job the session never saw created, first shown by this answer: the connection attached to a QEMU
 * that already ran it (a restarted management daemon, a second client). It is taken in the listed
 * status, its creating options unknown (the rules that need them are not applied to it). A session
 * known to start with a fresh QEMU never adopts (CheckState.fresh).
 */
function adopt(st: CheckState, id: string, s: number): JobTrack {
  const job = new JobTrack(st.profile, id, undefined);
  job.adopted = true;
  job.status = s;
  job.started = s !== C;
  if (s === Y || s === S) job.learnReady();
  st.adopted++;
  st.jobs.set(id, job);
  return job;
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

/** Dispatches one listed job to every rule judged there; a run() that failed shows its error while running or ready. */
function judgeEntry(st: CheckState, q: PendingQuery, entry: Entry, job: JobTrack, s: number): void {
  if (q.block && st.wire) checkSpeed(st, job, entry['speed'], 'query-block-jobs', false);
  if (entry['error'] !== undefined && (s === R || s === Y)) job.failing = true;
  const observed = readyObservedFrom(st.profile);
  const readyObserved = observed === 'all' || (observed === 'but-standby' && s !== S);
  const facts = { job, status: s, entry, command: q.name, block: q.block, wire: st.wire, readyObserved };
  for (let i = 0; i < QueryEntryRules.length; i++) {
    const [id, check] = QueryEntryRules[i]!;
    for (const found of check(facts)) st.violate(id, job.id, found.message, found.allowed);
  }
}

/**
 * `ready` is true in ready and standby only: recorded sessions of 5.2 (standby aside), 7.2 and 10.0
 * show it. Per release, computed once.
 */
const READY_OBSERVED = new WeakMap<Profile, 'all' | 'but-standby' | 'none'>();
function readyObservedFrom(profile: Profile): 'all' | 'but-standby' | 'none' {
  let r = READY_OBSERVED.get(profile);
  if (r === undefined) {
    r = atLeast(profile.version, '7.2') ? 'all' : atLeast(profile.version, '5.2') ? 'but-standby' : 'none';
    READY_OBSERVED.set(profile, r);
  }
  return r;
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
