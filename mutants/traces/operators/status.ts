/**
 * Operators on JOB_STATUS_CHANGE: a status skipped, repeated, reversed, or one QEMU never emits.
 * QEMU emits JOB_STATUS_CHANGE in job_state_transition_locked (job.c) whenever a job's status changes
 * and only then (`s1 != s0`), after checking the transition against JobSTT; a job starts at
 * `undefined`, leaves it once for `created` (job_create) and is never again `undefined`. So the
 * statuses one job shows are a walk in JobSTT from `created`. In an iotests log the operators rely on
 * the premise the checker holds for logs: every JOB_STATUS_CHANGE of a job is printed, in order (a
 * log may relaunch the VM, so `created` may follow any status there). A log of the bash harness
 * (TraceLine.harness) is the exception: common.qemu holds back the events a test names in
 * `$capture_events` and drops those it does not wait for, so its statuses are only a subsequence of a
 * walk, and the checker accepts any step JobSTT can reach (conformance/heldBack.ts). There a deleted,
 * repeated or swapped status is a broken copy only when no walk has the result as a subsequence.
 */
import { JobStatus, sttAllows } from '../../../machines/index.ts';
import { clone, inserted, mutant, removed, replaced, swapped, type TraceOperator } from '../mutant.ts';
import type { JobEvent, Session } from '../session.ts';

/** `b` follows `a` in one or more JobSTT steps (self-loops emit no event). */
function reaches(a: string, b: string): boolean {
  const all = JobStatus as readonly string[];
  if (!all.includes(a) || !all.includes(b)) return false;
  const seen = new Set<string>();
  const todo = [a];
  while (todo.length > 0) {
    const x = todo.pop()!;
    for (const y of JobStatus) {
      if (y === x || seen.has(y) || !sttAllows(x as JobStatus, y)) continue;
      if (y === b) return true;
      seen.add(y);
      todo.push(y);
    }
  }
  return false;
}

/** A status event printed by the bash harness, which may have left statuses out before it. */
function heldBack(s: Session, e: JobEvent): boolean {
  return s.entries[e.i]!.line.harness === 'bash';
}

/**
 * In a bash log, whether `b` (printed at index i) may follow `a` with statuses left out between
 * (undefined: the job's first printed status, which may be a later one when a creating command for the
 * job was accepted before it).
 */
function followsHeld(s: Session, a: string | undefined, b: string, job: string, i: number): boolean {
  if (follows(s, a, b)) return true;
  if (a === undefined || a === 'null') return acceptedCreator(s, job, i) && reaches('created', b);
  return reaches(a, b);
}

/** A job-creating command for `job` was answered with success before index i. */
function acceptedCreator(s: Session, job: string, i: number): boolean {
  const c = s.creatorOf(job, i)?.command;
  return c !== undefined && c.reply !== undefined && c.reply < i && 'return' in s.entries[c.reply]!.line.msg;
}

/** Whether the status `b` may directly follow `a` (undefined: the job's first status) for one job id. */
function follows(s: Session, a: string | undefined, b: string): boolean {
  if (b === 'created') return a === undefined || a === 'null' || s.relaunches;
  if (a === undefined || a === 'null') return false;
  return (JobStatus as readonly string[]).includes(a) && (JobStatus as readonly string[]).includes(b) && sttAllows(a as JobStatus, b as JobStatus);
}

function withStatus(s: Session, e: JobEvent, status: string) {
  const msg = clone(s.entries[e.i]!.line.msg);
  (msg['data'] as Record<string, unknown>)['status'] = status;
  return msg;
}

function* eachStatus(s: Session): Generator<{ list: JobEvent[]; k: number; e: JobEvent }> {
  for (const list of s.statuses.values()) for (let k = 0; k < list.length; k++) yield { list, k, e: list[k]! };
}

export const statusSkip: TraceOperator = {
  name: 'status-skip',
  styles: ['wire', 'log'],
  changes: "deletes one JOB_STATUS_CHANGE whose neighbours (the job's statuses before and after it) are not a JobSTT edge",
  impossible: 'every status change is emitted, so the statuses left would contain a step JobSTT forbids (or a first status other than created)',
  *mutate(s) {
    for (const { list, k, e } of eachStatus(s)) {
      const next = list[k + 1];
      if (!next) continue; // dropping a job's last status leaves a prefix
      const prev = list[k - 1]?.status;
      if (follows(s, prev, next.status!)) continue;
      // A bash log may not print every status: a deletion that leaves a walk's subsequence is no break.
      if (heldBack(s, next) && followsHeld(s, prev, next.status!, e.job, next.i)) continue;
      yield mutant(s, this.name, e.i, `job '${e.job}': status '${e.status}' deleted (${prev ?? 'start'} -> ${next.status})`, () => removed(s, e.i));
    }
  },
};

export const statusRepeat: TraceOperator = {
  name: 'status-repeat',
  styles: ['wire', 'log'],
  changes: 'emits one JOB_STATUS_CHANGE twice in a row',
  impossible: "job_state_transition_locked emits the event only when the status changes: a job never shows the same status twice in a row",
  *mutate(s) {
    for (const { e } of eachStatus(s)) {
      if (follows(s, e.status, e.status!)) continue;
      // In a bash log the statuses of a cycle (running, paused, ready, standby) may come back unprinted between.
      if (heldBack(s, e) && reaches(e.status!, e.status!)) continue;
      yield mutant(s, this.name, e.i, `job '${e.job}': status '${e.status}' emitted twice`, () => inserted(s, e.i, [{ dir: 'recv', msg: clone(s.entries[e.i]!.line.msg) }]));
    }
  },
};

export const statusReverse: TraceOperator = {
  name: 'status-reverse',
  styles: ['wire', 'log'],
  changes: "swaps a JOB_STATUS_CHANGE with the job's next one, when the swapped order is not a JobSTT walk",
  impossible: 'the statuses one job shows are a walk in JobSTT; the swapped order has a step JobSTT forbids',
  *mutate(s) {
    for (const { list, k, e } of eachStatus(s)) {
      const b = list[k + 1];
      if (!b) continue;
      const prev = list[k - 1]?.status;
      const next = list[k + 2]?.status;
      if (follows(s, prev, b.status!) && follows(s, b.status, e.status!) && (next === undefined || follows(s, e.status, next))) continue;
      const after = list[k + 2];
      if (heldBack(s, e) && followsHeld(s, prev, b.status!, e.job, e.i) && followsHeld(s, b.status, e.status!, e.job, b.i) && (after === undefined || followsHeld(s, e.status, after.status!, e.job, after.i))) continue;
      yield mutant(s, this.name, e.i, `job '${e.job}': statuses '${e.status}' and '${b.status}' (line ${s.entries[b.i]!.n}) swapped`, () => swapped(s, e.i, b.i));
    }
  },
};

export const statusUnknown: TraceOperator = {
  name: 'status-unknown',
  styles: ['wire', 'log'],
  changes: "replaces a JOB_STATUS_CHANGE's status by 'finished', which is not a JobStatus",
  impossible: 'the status member is a QAPI JobStatus enum value',
  *mutate(s) {
    for (const { e } of eachStatus(s)) {
      yield mutant(s, this.name, e.i, `job '${e.job}': status '${e.status}' -> 'finished'`, () => replaced(s, e.i, withStatus(s, e, 'finished')));
    }
  },
};

export const statusUndefined: TraceOperator = {
  name: 'status-undefined',
  styles: ['wire', 'log'],
  changes: "replaces a JOB_STATUS_CHANGE's status by 'undefined'",
  impossible: "no JobSTT edge leads to 'undefined': a job is undefined only inside job_create, before its first event",
  *mutate(s) {
    for (const { e } of eachStatus(s)) {
      yield mutant(s, this.name, e.i, `job '${e.job}': status '${e.status}' -> 'undefined'`, () => replaced(s, e.i, withStatus(s, e, 'undefined')));
    }
  },
};

export const statusOperators: readonly TraceOperator[] = [statusSkip, statusRepeat, statusReverse, statusUnknown, statusUndefined];
