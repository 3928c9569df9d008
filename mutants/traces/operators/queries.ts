/**
 * Operators on query-jobs / query-block-jobs answers. QEMU answers a query at one instant of its
 * window from the job list (qmp_query_jobs in job-qmp.c, qmp_query_block_jobs in blockdev.c): every
 * job not internal, with its current status; job_do_dismiss_locked takes a job off the list before
 * its `null`, and a job enters the list in job_create, with its `created` event. Progress
 * (`current-progress`, `offset`) only grows: progress_work_done adds to it, nothing lowers it.
 */
import { JobStatus } from '../../../machines/index.ts';
import { clone, mutant, pick, replaced, type TraceOperator } from '../mutant.ts';
import { isRecord, type Session } from '../session.ts';

interface Answer {
  i: number;
  /** The command's line, for wire traces. */
  send: number | undefined;
  block: boolean;
  list: Record<string, unknown>[];
}

function idKey(entry: Record<string, unknown>): 'device' | 'id' {
  return typeof entry['device'] === 'string' ? 'device' : 'id';
}

function jobOfEntry(entry: Record<string, unknown>): string | undefined {
  const v = entry[idKey(entry)];
  return typeof v === 'string' ? v : undefined;
}

/** Query answers: in a wire trace the replies to query-jobs / query-block-jobs; in a log any list of job objects. */
function* answers(s: Session): Generator<Answer> {
  for (let i = 0; i < s.entries.length; i++) {
    const line = s.entries[i]!.line;
    const ret = line.dir === 'recv' ? line.msg['return'] : undefined;
    if (!Array.isArray(ret)) continue;
    const c = s.answering.get(i);
    if (s.wire && (!c || (c.name !== 'query-jobs' && c.name !== 'query-block-jobs'))) continue;
    if (!ret.every((e) => isRecord(e) && typeof e['status'] === 'string')) continue;
    yield { i, send: c?.i, block: c ? c.name === 'query-block-jobs' : ret.some((e) => isRecord(e) && 'device' in e), list: ret as Record<string, unknown>[] };
  }
}

function withEntries(s: Session, a: Answer, edit: (list: Record<string, unknown>[]) => void): Record<string, unknown> {
  const msg = clone(s.entries[a.i]!.line.msg);
  edit(msg['return'] as Record<string, unknown>[]);
  return msg;
}

/** The statuses the job may have had while the query ran: at its send, and each it showed until the reply. */
function windowStatuses(s: Session, job: string, a: Answer): Set<string> {
  const out = new Set<string>();
  const first = s.statusBefore(job, a.send!);
  if (first !== undefined) out.add(first);
  for (const e of s.statusesBetween(job, a.send!, a.i)) out.add(e.status!);
  return out;
}

export const queryStatusNull: TraceOperator = {
  name: 'query-status-null',
  styles: ['wire', 'log'],
  changes: "lists one job of a query answer with status 'null'",
  impossible: 'job_do_dismiss_locked removes the job from the job list before it becomes null, so no query lists a null job',
  *mutate(s) {
    for (const a of answers(s)) {
      for (let k = 0; k < a.list.length; k++) {
        const job = jobOfEntry(a.list[k]!) ?? '?';
        yield mutant(s, this.name, a.i, `query answer lists '${job}' as 'null' instead of '${String(a.list[k]!['status'])}'`, () =>
          replaced(s, a.i, withEntries(s, a, (l) => void (l[k]!['status'] = 'null'))),
        );
      }
    }
  },
};

export const queryStatusInvalid: TraceOperator = {
  name: 'query-status-invalid',
  styles: ['wire', 'log'],
  changes: "lists one job of a query answer with status 'undefined' or 'finished' (not a JobStatus), in turn",
  impossible: "a listed job is past job_create, which leaves 'undefined' for good, and the status is a QAPI JobStatus value",
  *mutate(s) {
    for (const a of answers(s)) {
      for (let k = 0; k < a.list.length; k++) {
        const job = jobOfEntry(a.list[k]!) ?? '?';
        const bad = (a.i + k) % 2 === 0 ? 'undefined' : 'finished';
        yield mutant(s, this.name, a.i, `query answer lists '${job}' as '${bad}' instead of '${String(a.list[k]!['status'])}'`, () =>
          replaced(s, a.i, withEntries(s, a, (l) => void (l[k]!['status'] = bad))),
        );
      }
    }
  },
};

/** Statuses in which a job cannot have job->err: its run has not returned, or it returned success. */
const NO_ERROR = new Set(['created', 'paused', 'standby', 'waiting', 'pending']);

export const queryErrorUnfinished: TraceOperator = {
  name: 'query-error-unfinished',
  styles: ['wire', 'log'],
  changes: "adds an 'error' to a query-jobs entry listed as created, paused, standby, waiting or pending",
  impossible: "job->err is set when run() returns a failure (status running or ready, then aborting at once) or by job_update_rc_locked with the move to aborting; a paused or standby job's run has not returned, and a waiting or pending one's succeeded",
  *mutate(s) {
    for (const a of answers(s)) {
      if (a.block) continue;
      for (let k = 0; k < a.list.length; k++) {
        const entry = a.list[k]!;
        if ('error' in entry || !NO_ERROR.has(String(entry['status']))) continue;
        const job = jobOfEntry(entry) ?? '?';
        yield mutant(s, this.name, a.i, `query-jobs lists '${job}' (${String(entry['status'])}) with an error`, () =>
          replaced(s, a.i, withEntries(s, a, (l) => void (l[k]!['error'] = 'Input/output error'))),
        );
      }
    }
  },
};

export const queryDuplicateEntry: TraceOperator = {
  name: 'query-duplicate-entry',
  styles: ['wire', 'log'],
  changes: 'lists one job of a query answer twice',
  impossible: 'the answer walks the job list once, and the list holds a job id at most once (job_create refuses an id in use)',
  *mutate(s) {
    for (const a of answers(s)) {
      for (let k = 0; k < a.list.length; k++) {
        const job = jobOfEntry(a.list[k]!) ?? '?';
        yield mutant(s, this.name, a.i, `query answer lists '${job}' twice`, () => replaced(s, a.i, withEntries(s, a, (l) => void l.splice(k + 1, 0, clone(l[k]!)))));
      }
    }
  },
};

const TYPES = ['backup', 'mirror', 'stream', 'commit', 'create'];

export const queryType: TraceOperator = {
  name: 'query-type',
  styles: ['wire'],
  changes: "changes the 'type' a query answer lists for a job to another job type",
  impossible: 'the answer reads job_type(job), the driver type fixed when the job was created',
  *mutate(s) {
    for (const a of answers(s)) {
      for (let k = 0; k < a.list.length; k++) {
        const type = a.list[k]!['type'];
        if (typeof type !== 'string') continue;
        const other = pick(TYPES.filter((t) => t !== type), a.i + k)!;
        const job = jobOfEntry(a.list[k]!) ?? '?';
        yield mutant(s, this.name, a.i, `query answer lists '${job}' as type '${other}' instead of '${type}'`, () => replaced(s, a.i, withEntries(s, a, (l) => void (l[k]!['type'] = other))));
      }
    }
  },
};

export const queryStatusOther: TraceOperator = {
  name: 'query-status-other',
  styles: ['wire'],
  changes: 'changes the status a query answer lists for a job to one the job did not show from the query sent to its answer',
  impossible: 'the answer reads the status at one instant of that interval, and every status change is an event in it',
  *mutate(s) {
    for (const a of answers(s)) {
      for (let k = 0; k < a.list.length; k++) {
        const job = jobOfEntry(a.list[k]!);
        if (job === undefined || !s.statuses.has(job)) continue;
        const seen = windowStatuses(s, job, a);
        const other = pick(JobStatus.filter((x) => x !== 'undefined' && x !== 'null' && !seen.has(x)), a.i + k);
        if (other === undefined) continue;
        yield mutant(s, this.name, a.i, `query answer lists '${job}' as '${other}' instead of '${String(a.list[k]!['status'])}'`, () =>
          replaced(s, a.i, withEntries(s, a, (l) => void (l[k]!['status'] = other))),
        );
      }
    }
  },
};

export const queryDropJob: TraceOperator = {
  name: 'query-drop-job',
  styles: ['wire'],
  changes: 'leaves out of a query answer a job that existed and showed no event from the query sent to its answer',
  impossible: 'the job was on the job list throughout, and both queries list every job that is not internal (query-block-jobs every block job)',
  *mutate(s) {
    for (const a of answers(s)) {
      for (let k = 0; k < a.list.length; k++) {
        const job = jobOfEntry(a.list[k]!);
        if (job === undefined || !s.quietFor(job, a.send!, a.i)) continue;
        const before = s.statusBefore(job, a.send!);
        if (before === undefined || before === 'null') continue;
        yield mutant(s, this.name, a.i, `query answer leaves out '${job}' (${before})`, () => replaced(s, a.i, withEntries(s, a, (l) => void l.splice(k, 1))));
      }
    }
  },
};

/** A job of the trace not on the job list while the query ran: dismissed before it, or first created after its answer. */
function ghostFor(s: Session, a: Answer): string | undefined {
  for (const [job, list] of s.statuses) {
    if (!s.quietFor(job, a.send!, a.i)) continue;
    if (s.statusBefore(job, a.send!) === 'null') return job;
    const firstEvent = s.events.get(job)?.[0];
    if (list[0]!.i > a.i && list[0]!.status === 'created' && firstEvent && firstEvent.i > a.i) return job;
  }
  return undefined;
}

const TEMPLATE_JOB = { type: 'backup', status: 'running', 'current-progress': 0, 'total-progress': 0 };
const TEMPLATE_BLOCK_JOB = { type: 'backup', len: 0, offset: 0, busy: true, paused: false, speed: 0, 'io-status': 'ok', ready: false, status: 'running', 'auto-finalize': true, 'auto-dismiss': true };

export const queryGhostJob: TraceOperator = {
  name: 'query-ghost-job',
  styles: ['wire'],
  changes: 'adds to a query answer a job of the trace that was not on the job list then: dismissed (null) before the query, or created only after its answer',
  impossible: "a job enters the job list in job_create (its 'created' event) and leaves it in job_do_dismiss_locked (before its 'null'); neither happened while the query ran",
  *mutate(s) {
    for (const a of answers(s)) {
      const ghost = ghostFor(s, a);
      if (ghost === undefined) continue;
      yield mutant(s, this.name, a.i, `query answer also lists '${ghost}', not a job at that time`, () =>
        replaced(
          s,
          a.i,
          withEntries(s, a, (l) => {
            const entry: Record<string, unknown> = clone(l[0] ?? (a.block ? TEMPLATE_BLOCK_JOB : TEMPLATE_JOB));
            entry[l[0] ? idKey(l[0]) : a.block ? 'device' : 'id'] = ghost;
            if (a.block && 'id' in entry) entry['id'] = ghost;
            l.push(entry);
          }),
        ),
      );
    }
  },
};

export const queryProgressBack: TraceOperator = {
  name: 'query-progress-back',
  styles: ['wire'],
  changes: "lowers a job's current-progress (query-jobs) or offset (query-block-jobs) below what an earlier answer showed for the same job ('created' not seen in between)",
  impossible: 'both read job->progress.current, which progress_work_done only increases',
  *mutate(s) {
    const best = new Map<string, { value: number; i: number }>();
    for (const a of answers(s)) {
      const seen: [string, number][] = [];
      for (let k = 0; k < a.list.length; k++) {
        const entry = a.list[k]!;
        const job = jobOfEntry(entry);
        const field = a.block ? 'offset' : 'current-progress';
        const value = entry[field];
        if (job === undefined || typeof value !== 'number') continue;
        const prev = best.get(job);
        const sameJob = prev !== undefined && !s.statusesBetween(job, prev.i, a.i).some((e) => e.status === 'created');
        if (sameJob && prev.value > 0) {
          const lower = prev.value - 1;
          yield mutant(s, this.name, a.i, `'${job}' ${field} ${value} -> ${lower}, below ${prev.value} at line ${s.entries[prev.i]!.n}`, () =>
            replaced(s, a.i, withEntries(s, a, (l) => void (l[k]![field] = lower))),
          );
        }
        seen.push([job, sameJob ? Math.max(prev.value, value) : value]);
      }
      for (const [job, value] of seen) best.set(job, { value, i: a.i });
    }
  },
};

export const queryOperators: readonly TraceOperator[] = [queryStatusNull, queryStatusInvalid, queryErrorUnfinished, queryDuplicateEntry, queryType, queryStatusOther, queryDropJob, queryGhostJob, queryProgressBack];
