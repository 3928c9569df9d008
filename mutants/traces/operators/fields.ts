/**
 * Operators on the members of query answers besides the status: `error`, `speed`, `ready`,
 * `auto-finalize` / `auto-dismiss` (job-qmp.c qmp_query_jobs, blockjob.c block_job_query_locked).
 * job->err is set by job_update_rc_locked when the job fails or is cancelled, together with its move
 * to `aborting`, and is never cleared; `speed` is what the creating command or an accepted
 * block-job-set-speed set; `auto-finalize` / `auto-dismiss` are fixed by job_create; `ready` is
 * job_is_ready_locked, true in `ready` and `standby` only.
 */
import { atLeast, parseRelease } from '../../../machines/index.ts';
import { clone, mutant, replaced, type TraceOperator } from '../mutant.ts';
import { isRecord, type Session } from '../session.ts';

interface Listed {
  i: number;
  send: number;
  k: number;
  job: string;
  block: boolean;
  entry: Record<string, unknown>;
}

/** Entries of query-jobs / query-block-jobs answers in a wire trace. */
function* listed(s: Session): Generator<Listed> {
  for (const c of s.commands) {
    if ((c.name !== 'query-jobs' && c.name !== 'query-block-jobs') || c.reply === undefined) continue;
    const ret = s.entries[c.reply]!.line.msg['return'];
    if (!Array.isArray(ret)) continue;
    const block = c.name === 'query-block-jobs';
    for (let k = 0; k < ret.length; k++) {
      const entry: unknown = ret[k];
      if (!isRecord(entry)) continue;
      const job = entry[block ? 'device' : 'id'];
      if (typeof job === 'string') yield { i: c.reply, send: c.i, k, job, block, entry };
    }
  }
}

function edited(s: Session, l: Listed, edit: (entry: Record<string, unknown>) => void) {
  const msg = clone(s.entries[l.i]!.line.msg);
  edit((msg['return'] as Record<string, unknown>[])[l.k]!);
  return replaced(s, l.i, msg);
}

/** The statuses the job shows after index i until its next 'created' or the end. */
function laterStatuses(s: Session, job: string, i: number): string[] {
  const out: string[] = [];
  for (const e of s.statuses.get(job) ?? []) {
    if (e.i <= i) continue;
    if (e.status === 'created') break;
    out.push(e.status!);
  }
  return out;
}

export const queryErrorOnSuccess: TraceOperator = {
  name: 'query-error-on-success',
  styles: ['wire'],
  changes: "adds an 'error' to a query-jobs entry of a job that later shows 'pending' (it succeeds)",
  impossible: 'job->err is set only with the move to aborting and never cleared; a job that reaches pending afterwards has none',
  *mutate(s) {
    for (const l of listed(s)) {
      if (l.block || 'error' in l.entry) continue;
      const later = laterStatuses(s, l.job, l.i);
      const p = later.indexOf('pending');
      if (p < 0 || later.slice(0, p).includes('aborting')) continue;
      yield mutant(s, this.name, l.i, `query-jobs lists '${l.job}' with an error, and it later succeeds`, () => edited(s, l, (e) => void (e['error'] = 'Input/output error')));
    }
  },
};

export const queryErrorMissing: TraceOperator = {
  name: 'query-error-missing',
  styles: ['wire'],
  changes: "removes the 'error' from a query-jobs entry of a job that went through 'aborting'",
  impossible: 'job_update_rc_locked sets job->err before the move to aborting, and nothing clears it',
  *mutate(s) {
    for (const l of listed(s)) {
      if (l.block || !('error' in l.entry)) continue;
      const list = (s.statuses.get(l.job) ?? []).filter((e) => e.i < l.i);
      let created = -1;
      list.forEach((e, k) => (e.status === 'created' ? (created = k) : undefined));
      if (!list.slice(created + 1).some((e) => e.status === 'aborting')) continue;
      yield mutant(s, this.name, l.i, `query-jobs lists '${l.job}' (${String(l.entry['status'])}) without its error`, () => edited(s, l, (e) => void delete e['error']));
    }
  },
};

export const querySpeed: TraceOperator = {
  name: 'query-speed',
  styles: ['wire'],
  changes: "changes query-block-jobs 'speed' of a job no block-job-set-speed was sent for (before the answer)",
  impossible: "speed is the creating command's until a block-job-set-speed changes it",
  *mutate(s) {
    for (const l of listed(s)) {
      if (!l.block || typeof l.entry['speed'] !== 'number') continue;
      const setSpeed = s.commands.some((c) => c.i < l.i && c.name === 'block-job-set-speed' && c.args['device'] === l.job);
      if (setSpeed) continue;
      const speed = l.entry['speed'] + 4096;
      yield mutant(s, this.name, l.i, `query-block-jobs lists '${l.job}' with speed ${speed} instead of ${l.entry['speed']}`, () => edited(s, l, (e) => void (e['speed'] = speed)));
    }
  },
};

export const queryReadyFlag: TraceOperator = {
  name: 'query-ready-flag',
  styles: ['wire'],
  changes: "flips query-block-jobs 'ready' of a job in running or paused (from 6.1 also ready or standby) that showed no event while the query ran",
  impossible: 'ready is job_is_ready_locked from 6.1: true in ready and standby, false in running and paused; before, a flag set on the move to ready, which a running or paused job has not made yet (JobSTT has no way back to running)',
  *mutate(s) {
    for (const l of listed(s)) {
      if (!l.block || typeof l.entry['ready'] !== 'boolean' || !s.quietFor(l.job, l.send, l.i)) continue;
      const status = s.statusBefore(l.job, l.send);
      // Before 6.1 `ready` was a flag set on the one move to ready and never cleared: only running and paused (never ready yet) are certain there.
      const version = parseRelease(s.release);
      const certain = version && atLeast(version, '6.1') ? ['running', 'paused', 'ready', 'standby'] : ['running', 'paused'];
      if (status === undefined || !certain.includes(status)) continue;
      const ready = !l.entry['ready'];
      yield mutant(s, this.name, l.i, `query-block-jobs lists '${l.job}' (${status}) with ready ${ready}`, () => edited(s, l, (e) => void (e['ready'] = ready)));
    }
  },
};

export const queryAutoFlags: TraceOperator = {
  name: 'query-auto-flags',
  styles: ['wire'],
  changes: "flips query-block-jobs 'auto-finalize' or 'auto-dismiss' against the job's creating command",
  impossible: 'both are set by job_create from the creating command and never change',
  *mutate(s) {
    for (const l of listed(s)) {
      const creator = s.creatorOf(l.job, l.send);
      if (!l.block || !creator) continue;
      for (const flag of ['auto-finalize', 'auto-dismiss'] as const) {
        const v = l.entry[flag];
        if (typeof v !== 'boolean') continue;
        yield mutant(s, this.name, l.i, `query-block-jobs lists '${l.job}' with ${flag} ${!v}`, () => edited(s, l, (e) => void (e[flag] = !v)));
      }
    }
  },
};

export const fieldOperators: readonly TraceOperator[] = [queryErrorOnSuccess, queryErrorMissing, querySpeed, queryReadyFlag, queryAutoFlags];
