/**
 * Replies in iotests logs. A log prints each reply when its command returns and each event when the
 * test collects it, so an event printed before a reply happened before that reply's command ran,
 * while one printed after may have happened before or after. What a reply says about a job (the
 * status a refusal names, the statuses that accept a verb that was accepted, the status a query
 * lists) is therefore a claim: the job's status printed last, or one it shows later in the same
 * generation, must satisfy it. A job never shows `created` to a command: it leaves `created` inside
 * its creating command. A claim made while the id names no live job is about its next generation.
 */
import { C, isAlive, N, statusName, sttEdge } from './encoding.ts';
import type { RuleId } from './rules/index.ts';
import type { CheckState, LogClaim } from './state.ts';

const MAX_OPEN_CLAIMS = 256;

/** Records a claim that job `id` is, now or later in its generation, in one of `statuses`. */
export function claim(st: CheckState, id: string, statuses: readonly number[], rule: RuleId, message: string, allowed: string): void {
  st.judged.logClaims++;
  const wanted = statuses.filter((s) => s !== C && isAlive(s));
  const violation = st.violation(rule, id, message, allowed);
  if (wanted.length === 0) {
    st.record(violation);
    return;
  }
  const job = st.jobs.get(id);
  const alive = job !== undefined && job.statusKnown && isAlive(job.status);
  if (alive && wanted.includes(job.status)) return;
  const list = st.claims.get(id);
  const c: LogClaim = { statuses: wanted, violation, next: !alive };
  if (!list) st.claims.set(id, [c]);
  else {
    // Memory stays bounded: past this many open claims on one job, the oldest is dropped unjudged.
    if (list.length >= MAX_OPEN_CLAIMS) list.shift();
    list.push(c);
  }
}

/** A status event of job `id` in a log: settles the claims it satisfies or ends. */
export function claimsOnStatus(st: CheckState, id: string, s: number): void {
  const list = st.claims.get(id);
  if (!list) return;
  const keep: LogClaim[] = [];
  for (const c of list) {
    if (c.next) {
      if (s === C) c.next = false;
      keep.push(c);
    } else if (c.statuses.includes(s)) {
      continue;
    } else if (s === N) {
      st.record(c.violation);
    } else {
      keep.push(c);
    }
  }
  if (keep.length > 0) st.claims.set(id, keep);
  else st.claims.delete(id);
}

/** The end of the log: a claim still open holds only if the job can still reach a status it names. */
export function claimsAtEnd(st: CheckState): void {
  for (const [id, list] of st.claims) {
    const job = st.jobs.get(id);
    for (const c of list) {
      if (c.next || !job || !job.statusKnown) continue;
      if (!c.statuses.some((s) => reachable(job.status, s))) st.record(c.violation);
    }
  }
  st.claims.clear();
}

function reachable(from: number, to: number): boolean {
  const seen = new Set([from]);
  const todo = [from];
  while (todo.length > 0) {
    const s = todo.pop()!;
    if (s === to) return true;
    for (let t = 0; t <= N; t++) {
      if (!seen.has(t) && sttEdge(s, t)) {
        seen.add(t);
        todo.push(t);
      }
    }
  }
  return false;
}

export function statusList(statuses: readonly number[]): string {
  return statuses.map((s) => `'${statusName(s)}'`).join(', ');
}
