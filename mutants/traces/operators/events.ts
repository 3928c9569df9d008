/**
 * Operators on job events: an event for a job that does not exist at that moment, BLOCK_JOB_* events
 * with the wrong type, repeated, or where QEMU never sends them. blockjob.c emits BLOCK_JOB_READY
 * from job_transition_to_ready (called only by mirror.c, for mirror and active commit, once: a job
 * never returns to running), BLOCK_JOB_PENDING from job_transition_to_pending only when auto-finalize
 * is off, BLOCK_JOB_COMPLETED / CANCELLED once from job_completed; each carries the job driver's type.
 */
import { clone, inserted, mutant, pick, removed, replaced, type TraceOperator } from '../mutant.ts';
import type { JobEvent, Session } from '../session.ts';

function renamed(s: Session, e: JobEvent, job: string): Record<string, unknown> {
  const msg = clone(s.entries[e.i]!.line.msg);
  const data = msg['data'] as Record<string, unknown>;
  if (typeof data['device'] === 'string') data['device'] = job;
  if (typeof data['id'] === 'string') data['id'] = job;
  return msg;
}

/**
 * A job of the trace not on the job list at index i: dismissed before it (and not created again), or,
 * unless the event moved there is a 'null', one whose first event comes later and is 'created' (a job
 * older than the session could show an event, but would need a 'null' before its id is created again).
 */
function deadAt(s: Session, e: JobEvent): string | undefined {
  for (const [job, list] of s.events) {
    if (job === e.job) continue;
    if (s.statusBefore(job, e.i) === 'null') return job;
    const first = s.statuses.get(job)?.[0];
    if (e.status !== 'null' && list[0]!.i > e.i && first && first.i === list[0]!.i && first.status === 'created') return job;
  }
  return undefined;
}

function* allEvents(s: Session): Generator<JobEvent> {
  for (let i = 0; i < s.entries.length; i++) {
    const e = s.eventAt.get(i);
    if (e && e.status !== 'created') yield e;
  }
}

export const eventDeadJob: TraceOperator = {
  name: 'event-dead-job',
  styles: ['wire'],
  changes: "moves one job event (not 'created') to another job of the trace that is dismissed or not yet created at that point",
  impossible: "a job emits nothing after its 'null' (job_do_dismiss_locked) and nothing before its 'created'; an id comes back only with a new 'created'",
  *mutate(s) {
    for (const e of allEvents(s)) {
      const other = deadAt(s, e);
      if (other === undefined) continue;
      yield mutant(s, this.name, e.i, `${e.name}${e.status ? ` '${e.status}'` : ''} of '${e.job}' names '${other}', not a job at that point`, () => replaced(s, e.i, renamed(s, e, other)));
    }
  },
};

export const eventUnknownJob: TraceOperator = {
  name: 'event-unknown-job',
  styles: ['wire'],
  changes: "moves one job event (not 'created') to a job id no command of the trace ever created",
  impossible:
    'the job would exist without a job-creating command. Premise: the session sees the daemon from its start with no other QMP client, as the corpus recorder has it (the premise of the checker rule event-for-unknown-job)',
  *mutate(s) {
    for (const e of allEvents(s)) {
      yield mutant(s, this.name, e.i, `${e.name}${e.status ? ` '${e.status}'` : ''} of '${e.job}' names 'ghost0'`, () => replaced(s, e.i, renamed(s, e, 'ghost0')));
    }
  },
};

const BLOCK_TYPES = ['backup', 'mirror', 'stream', 'commit'];

export const blockEventType: TraceOperator = {
  name: 'block-event-type',
  styles: ['wire'],
  changes: "changes the 'type' of a BLOCK_JOB_* event to another job type",
  impossible: 'the events carry job_type(job), the driver type fixed when the job was created',
  *mutate(s) {
    for (const e of s.eventAt.values()) {
      const msg = s.entries[e.i]!.line.msg;
      const type = (msg['data'] as Record<string, unknown>)['type'];
      if (e.status !== undefined || typeof type !== 'string') continue;
      const other = pick(BLOCK_TYPES.filter((t) => t !== type), e.i)!;
      const edited = clone(msg);
      (edited['data'] as Record<string, unknown>)['type'] = other;
      yield mutant(s, this.name, e.i, `${e.name} of '${e.job}': type '${type}' -> '${other}'`, () => replaced(s, e.i, edited));
    }
  },
};

const ONCE = new Set(['BLOCK_JOB_READY', 'BLOCK_JOB_PENDING', 'BLOCK_JOB_COMPLETED', 'BLOCK_JOB_CANCELLED']);

export const blockEventRepeat: TraceOperator = {
  name: 'block-event-repeat',
  styles: ['wire'],
  changes: 'emits BLOCK_JOB_READY, BLOCK_JOB_PENDING, BLOCK_JOB_COMPLETED or BLOCK_JOB_CANCELLED twice in a row',
  impossible: 'each is emitted once per job: on its one running -> ready, its one entry to pending, its one completion',
  *mutate(s) {
    for (const e of s.eventAt.values()) {
      if (!ONCE.has(e.name)) continue;
      yield mutant(s, this.name, e.i, `${e.name} of '${e.job}' emitted twice`, () => inserted(s, e.i, [{ dir: 'recv', msg: clone(s.entries[e.i]!.line.msg) }]));
    }
  },
};

export const blockEventDrop: TraceOperator = {
  name: 'block-event-drop',
  styles: ['wire'],
  changes: 'deletes a BLOCK_JOB_READY, BLOCK_JOB_PENDING, BLOCK_JOB_COMPLETED or BLOCK_JOB_CANCELLED that a later status of the same job follows (not a prefix)',
  impossible: "each is sent under the job mutex with its transition (ready, pending) or just before 'concluded' (job_finalize_single_locked), before the job's next status",
  *mutate(s) {
    for (const e of s.eventAt.values()) {
      if (!ONCE.has(e.name) || !(s.statuses.get(e.job) ?? []).some((x) => x.i > e.i)) continue;
      yield mutant(s, this.name, e.i, `${e.name} of '${e.job}' deleted`, () => removed(s, e.i));
    }
  },
};

/** Job types whose driver never calls job_transition_to_ready. */
const NEVER_READY = new Set(['backup', 'stream', 'create', 'amend', 'snapshot-save', 'snapshot-load', 'snapshot-delete']);

export const readyNeverConverging: TraceOperator = {
  name: 'ready-never-converging',
  styles: ['wire'],
  changes: "inserts 'ready' (and BLOCK_JOB_READY for a block job) between 'running' and 'waiting' of a backup, stream, create or amend job",
  impossible: 'only mirror.c calls job_transition_to_ready; JobSTT alone would allow running -> ready -> waiting',
  *mutate(s) {
    for (const [job, list] of s.statuses) {
      for (let k = 0; k + 1 < list.length; k++) {
        const e = list[k]!;
        if (e.status !== 'running' || list[k + 1]!.status !== 'waiting') continue;
        const creator = s.creatorOf(job, e.i);
        if (!creator || !NEVER_READY.has(creator.type)) continue;
        const msg = s.entries[e.i]!.line.msg;
        const added: { dir: 'recv'; msg: Record<string, unknown> }[] = [{ dir: 'recv', msg: { timestamp: msg['timestamp'], event: 'JOB_STATUS_CHANGE', data: { status: 'ready', id: job } } }];
        if (creator.type === 'backup' || creator.type === 'stream') {
          added.push({ dir: 'recv', msg: { timestamp: msg['timestamp'], event: 'BLOCK_JOB_READY', data: { device: job, len: 0, offset: 0, speed: 0, type: creator.type } } });
        }
        yield mutant(s, this.name, e.i, `${creator.type} job '${job}' becomes 'ready' after 'running'`, () => inserted(s, e.i, added));
      }
    }
  },
};

export const pendingEventAutoFinalize: TraceOperator = {
  name: 'pending-event-auto-finalize',
  styles: ['wire'],
  changes: "inserts BLOCK_JOB_PENDING after the 'pending' of a block job created with auto-finalize on",
  impossible: 'job_transition_to_pending_locked sends the pending event only when auto_finalize is off',
  *mutate(s) {
    for (const [job, list] of s.statuses) {
      for (const e of list) {
        if (e.status !== 'pending') continue;
        const creator = s.creatorOf(job, e.i);
        if (!creator || !creator.autoFinalize || !BLOCK_TYPES.includes(creator.type)) continue;
        const msg = s.entries[e.i]!.line.msg;
        const pending = { timestamp: msg['timestamp'], event: 'BLOCK_JOB_PENDING', data: { type: creator.type, id: job } };
        yield mutant(s, this.name, e.i, `BLOCK_JOB_PENDING for '${job}' (auto-finalize on)`, () => inserted(s, e.i, [{ dir: 'recv', msg: pending }]));
      }
    }
  },
};

export const completionKindSwap: TraceOperator = {
  name: 'completion-kind-swap',
  styles: ['wire'],
  changes: 'turns BLOCK_JOB_COMPLETED into BLOCK_JOB_CANCELLED or the reverse, for a job not created by a transaction (COMPLETED -> CANCELLED only when no cancel command named the job and no quit or SHUTDOWN came before: shutdown cancels every job)',
  impossible: 'job_finalize_single_locked sends CANCELLED exactly when job_is_cancelled_locked; the flag is set by a cancel command (or a transaction abort) before, and never cleared',
  *mutate(s) {
    for (const e of s.eventAt.values()) {
      if (e.name !== 'BLOCK_JOB_COMPLETED' && e.name !== 'BLOCK_JOB_CANCELLED') continue;
      const creator = s.creatorOf(e.job, e.i);
      if (!creator || creator.command.name === 'transaction') continue;
      const toCancelled = e.name === 'BLOCK_JOB_COMPLETED';
      if (toCancelled && s.commands.some((c) => c.i < e.i && (((c.name === 'job-cancel' || c.name === 'block-job-cancel') && s.verbJob(c) === e.job) || c.name === 'quit'))) continue;
      if (toCancelled && s.entries.some((x, k) => k < e.i && x.line.msg['event'] === 'SHUTDOWN')) continue;
      const msg = clone(s.entries[e.i]!.line.msg);
      msg['event'] = toCancelled ? 'BLOCK_JOB_CANCELLED' : 'BLOCK_JOB_COMPLETED';
      if (toCancelled) delete (msg['data'] as Record<string, unknown>)['error'];
      yield mutant(s, this.name, e.i, `${e.name} of '${e.job}' sent as ${String(msg['event'])}`, () => replaced(s, e.i, msg));
    }
  },
};

export const completedErrorFlip: TraceOperator = {
  name: 'completed-error-flip',
  styles: ['wire'],
  changes: "adds an 'error' to a BLOCK_JOB_COMPLETED sent while the job was pending, or removes it from one sent while the job was aborting",
  impossible: 'job_finalize_single_locked sends BLOCK_JOB_COMPLETED in pending on success (job->ret 0: no error) and in aborting on failure (job->ret < 0: the error is always set)',
  *mutate(s) {
    for (const e of s.eventAt.values()) {
      if (e.name !== 'BLOCK_JOB_COMPLETED') continue;
      const status = s.statusBefore(e.job, e.i);
      const msg = clone(s.entries[e.i]!.line.msg);
      const data = msg['data'] as Record<string, unknown>;
      if (status === 'pending' && !('error' in data)) data['error'] = 'Input/output error';
      else if (status === 'aborting' && 'error' in data) delete data['error'];
      else continue;
      yield mutant(s, this.name, e.i, `BLOCK_JOB_COMPLETED of '${e.job}' in ${status} ${status === 'pending' ? 'with' : 'without'} an error`, () => replaced(s, e.i, msg));
    }
  },
};

export const eventProgressBack: TraceOperator = {
  name: 'event-progress-back',
  styles: ['wire'],
  changes: "lowers the 'offset' of a BLOCK_JOB_* event below the job's progress in an earlier query answer or event ('created' not seen in between)",
  impossible: 'offset is job->progress.current, which progress_work_done only increases',
  *mutate(s) {
    const best = new Map<string, { value: number; i: number }>();
    for (let i = 0; i < s.entries.length; i++) {
      const msg = s.entries[i]!.line.msg;
      const observed: [string, number][] = [];
      const ret = msg['return'];
      const query = s.answering.get(i)?.name;
      if (Array.isArray(ret) && (query === 'query-jobs' || query === 'query-block-jobs')) {
        for (const x of ret) {
          if (typeof x !== 'object' || x === null) continue;
          const entry = x as Record<string, unknown>;
          const job = entry['device'] ?? entry['id'];
          const value = entry['offset'] ?? entry['current-progress'];
          if (typeof job === 'string' && typeof value === 'number') observed.push([job, value]);
        }
      }
      const e = s.eventAt.get(i);
      if (e && e.status === 'created') best.delete(e.job);
      const data = msg['data'] as Record<string, unknown> | undefined;
      if (e && e.status === undefined && typeof data?.['offset'] === 'number') {
        const prev = best.get(e.job);
        if (prev && prev.value > 0) {
          const lower = prev.value - 1;
          const edited = clone(msg);
          (edited['data'] as Record<string, unknown>)['offset'] = lower;
          yield mutant(s, this.name, i, `${e.name} of '${e.job}' offset ${String(data['offset'])} -> ${lower}, below ${prev.value} at line ${s.entries[prev.i]!.n}`, () => replaced(s, i, edited));
        }
        observed.push([e.job, data['offset']]);
      }
      for (const [job, value] of observed) if (value >= (best.get(job)?.value ?? -1)) best.set(job, { value, i });
    }
  },
};

export const eventOperators: readonly TraceOperator[] = [eventDeadJob, eventUnknownJob, blockEventType, blockEventRepeat, blockEventDrop, readyNeverConverging, pendingEventAutoFinalize, completionKindSwap, completedErrorFlip, eventProgressBack];
