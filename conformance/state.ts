/**
 * The checker's working state for one trace: live jobs, unanswered commands and their windows, and
 * the report. Memory is bounded by live jobs and unanswered commands: dismissed jobs are kept only
 * in a small recent list, violations up to a cap.
 */
import type { JobVerb, Profile } from '../machines/index.ts';
import type { QmpMessage } from '../traces/format.ts';
import type { TraceStyle } from '../traces/reader.ts';
import type { CoverageCollector } from './coverage.ts';
import type { CreationSpec } from './creation.ts';
import { addUnique, N, packKey, U } from './encoding.ts';
import type { JobTrack } from './job.ts';
import type { FlagOp, Pending, PendingCreator, PendingQuery, PendingVerb } from './pending.ts';
import type { CheckWarning, Judged, Violation, ViolationDraft } from './result.ts';
import type { Cause, RuleId, WarningId } from './rules/index.ts';

/** Dismissed jobs remembered for messages and late replies. */
const GRAVEYARD_SIZE = 1024;
const MAX_WARNINGS = 1000;

/**
 * Pairs QEMU emits back to back under the job mutex (7.2 on; earlier releases ran them in one main-loop
 * step): `ready` then BLOCK_JOB_READY (job_transition_to_ready), `pending` then BLOCK_JOB_PENDING
 * (job_move_to_pending), BLOCK_JOB_COMPLETED/CANCELLED then `concluded`, and `concluded` then `null`
 * for an auto-dismissed or never-started job (job_finalize_single, job_conclude), `waiting` then
 * `pending` for a job alone in its transaction (job_completed_txn_success). No other job event can
 * come between. BLOCK_JOB_ERROR is left out: it may be sent outside the mutex.
 */
export interface Chain {
  readonly job: JobTrack;
  /** The event name, or the status for JOB_STATUS_CHANGE. */
  readonly next: string;
}

/** A log reply's claim about a job's status (logClaims.ts). */
export interface LogClaim {
  /** The statuses that satisfy it. */
  readonly statuses: readonly number[];
  readonly violation: ViolationDraft;
  /** Made while the id named no live job: it is about the job's next generation. */
  next: boolean;
}

/** What was read and judged, counted as the trace goes. */
export type Counts = { -readonly [K in keyof Omit<Judged, 'messages'>]: number };

export class CheckState {
  readonly jobs = new Map<string, JobTrack>();
  /** Recently dismissed jobs by id (bounded). */
  readonly graveyard = new Map<string, JobTrack>();
  /** Unanswered commands in send order. */
  readonly pending: Pending[] = [];
  /**
   * Unanswered verb commands by job id. A list emptied by replies stays while a live job has the id (a
   * Map delete and set per command costs more than the entry), so entries are bounded by live jobs.
   */
  readonly verbsByJob = new Map<string, PendingVerb[]>();
  readonly queries: PendingQuery[] = [];
  readonly creators: PendingCreator[] = [];
  /** Jobs that owe a step QEMU takes in the same main-loop iteration (urgent.ts). */
  readonly owed = new Set<JobTrack>();
  /** The back-to-back pair in progress (urgent.ts); only in wire traces. */
  chain: Chain | undefined = undefined;
  /** Open claims of log replies, by job id (logClaims.ts). */
  readonly claims = new Map<string, LogClaim[]>();
  /**
   * What the last accepted creating command asked for, by job id, while no status event bound a job
   * to it (a log without them): a job later seen only through BLOCK_JOB_* events is that one.
   */
  readonly unboundSpecs = new Map<string, CreationSpec>();
  readonly judged: Counts = { commands: 0, verbReplies: 0, creatorReplies: 0, refusals: 0, queries: 0, statusEvents: 0, blockEvents: 0, logClaims: 0 };
  /** Job events the release lacks, already reported. */
  readonly reportedEvents = new Set<string>();
  /** `quit` was sent or SHUTDOWN seen: QEMU cancels and dismisses every job on its own. */
  shutdown = false;
  /**
   * The session is known to start with a fresh QEMU (no job yet): no job may be adopted from a query
   * answer. Otherwise the connection may attach to a QEMU that already has jobs (queries.ts).
   */
  fresh = false;
  /** A dismissed job was dropped from the graveyard: an unseen id may be one seen long ago. */
  forgotten = false;
  /** Jobs adopted from a query answer: their creating command is unknown. */
  adopted = 0;
  readonly violations: Violation[] = [];
  moreViolations = 0;
  readonly warnings: CheckWarning[] = [];
  /** The line and message being checked. */
  line = 0;
  msg: QmpMessage = {};
  /**
   * The message being checked is from a bash iotests log (TraceLine.harness): its job events are a
   * subsequence of those QEMU sent (heldBack.ts).
   */
  heldBack = false;
  /** Wire order and commands are known: the rules that need them apply. */
  readonly wire: boolean;
  /** The release emits JOB_STATUS_CHANGE, so statuses are known from events. */
  readonly statusEvents: boolean;

  constructor(
    readonly profile: Profile,
    readonly file: string,
    readonly strict: boolean,
    readonly style: TraceStyle,
    readonly maxViolations: number,
    readonly coverage: CoverageCollector | undefined,
  ) {
    this.wire = style === 'wire';
    this.statusEvents = profile.features.jobStatusChangeEvent;
  }

  violate(rule: RuleId, job: string | undefined, message: string, allowed: string): void {
    this.record(this.violation(rule, job, message, allowed));
  }

  /** A violation at the current line, not yet recorded. */
  violation(rule: RuleId, job: string | undefined, message: string, allowed: string): ViolationDraft {
    const { file, line, msg: raw } = this;
    return job !== undefined ? { file, line, job, rule, message, raw, allowed } : { file, line, rule, message, raw, allowed };
  }

  record(d: ViolationDraft): void {
    if (this.violations.length >= this.maxViolations) {
      this.moreViolations++;
      return;
    }
    this.violations.push({ file: d.file, line: d.line, ...(d.job !== undefined ? { job: d.job } : {}), rule: d.rule, message: d.message, msg: shortMessage(d.raw), allowed: d.allowed });
  }

  /**
   * Reports a violation unless `cause` allows the step: at once when there is no cause, when every
   * unanswered command that could be the cause has been refused otherwise (a refused command causes
   * no transition).
   */
  require(cause: Cause<PendingVerb>, rule: RuleId, job: string | undefined, message: string, allowed: string): void {
    if (cause === true) return;
    if (cause.length === 0) {
      this.violate(rule, job, message, allowed);
      return;
    }
    if (cause.length === 1) {
      // The only possible cause: if accepted, it ran before this step, in a state its window holds now.
      const p = cause[0]!;
      const n = p.window ? p.window.keys.length : this.keysOf(p.event.id).length;
      p.cut = Math.min(p.cut ?? n, n);
    }
    const causes = cause.length === 1 ? cause : [...new Set(cause)];
    const d = { violation: this.violation(rule, job, message, allowed), waiting: causes.length, excused: false };
    for (const p of causes) (p.deferred ??= []).push(d);
  }

  /** A verb command was answered: an acceptance excuses what it could have caused; a refusal excuses nothing. */
  settle(p: PendingVerb, accepted: boolean): void {
    const list = p.deferred;
    if (!list) return;
    p.deferred = undefined;
    for (const d of list) {
      if (d.excused) continue;
      if (accepted) {
        d.excused = true;
        continue;
      }
      if (--d.waiting === 0) this.record(d.violation);
    }
  }

  warn(rule: WarningId, message: string, line = this.line): void {
    if (this.warnings.length < MAX_WARNINGS) this.warnings.push({ file: this.file, line, rule, message });
  }

  /** The job with this id, live or recently dismissed. */
  lookup(id: string): JobTrack | undefined {
    return this.jobs.get(id) ?? this.graveyard.get(id);
  }

  bury(job: JobTrack): void {
    this.owed.delete(job);
    if (this.jobs.get(job.id) === job) this.jobs.delete(job.id);
    if (this.verbsByJob.get(job.id)?.length === 0) this.verbsByJob.delete(job.id);
    this.graveyard.delete(job.id);
    this.graveyard.set(job.id, job);
    if (this.graveyard.size > GRAVEYARD_SIZE) {
      const oldest = this.graveyard.keys().next().value;
      if (oldest !== undefined) this.graveyard.delete(oldest);
      this.forgotten = true;
    }
  }

  /** The (status, flags) keys of the job an id names now: absent jobs are `undefined` or `null`. */
  keysOf(id: string): number[] {
    const job = this.jobs.get(id);
    if (job) {
      const beliefs = job.beliefs;
      if (beliefs.length === 1) return [packKey(job.status, beliefs[0]!)];
      return beliefs.map((b) => packKey(job.status, b));
    }
    return [packKey(this.graveyard.has(id) ? N : U, 0)];
  }

  /** Whether a change of job `id` must be recorded in some open window. */
  watched(id: string): boolean {
    if (this.queries.length > 0) return true;
    const verbs = this.verbsByJob.get(id);
    return verbs !== undefined && verbs.length > 0;
  }

  /** An answered verb command leaves its job's list. */
  dropVerb(p: PendingVerb): void {
    const id = p.event.id;
    const list = this.verbsByJob.get(id);
    if (!list) return;
    const i = list.indexOf(p);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0 && !this.jobs.has(id)) this.verbsByJob.delete(id);
  }

  /** Records the job's state before a change in the windows still open (call only when watched). */
  before(id: string): void {
    const verbs = this.verbsByJob.get(id);
    if (verbs) {
      for (const p of verbs) {
        if (p.window !== null) continue;
        const keys = this.keysOf(id);
        p.window = { keys, at: keys.map(() => 0), ops: [] };
      }
    }
    if (this.queries.length > 0) {
      const job = this.jobs.get(id);
      const status = job ? job.status : this.graveyard.has(id) ? N : U;
      for (const q of this.queries) {
        q.seen ??= new Map();
        if (!q.seen.has(id)) q.seen.set(id, [status]);
      }
    }
  }

  /** Records the job's state after a change in the windows still open (call only when watched). */
  after(id: string): void {
    const job = this.jobs.get(id);
    const verbs = this.verbsByJob.get(id);
    if (verbs) {
      const keys = this.keysOf(id);
      for (const p of verbs) {
        if (job) p.track = job;
        const w = p.window ?? (p.window = { keys: [], at: [], ops: [] });
        const at = w.ops.length;
        for (const k of keys) {
          let seen = false;
          for (let i = 0; i < w.keys.length; i++) if (w.keys[i] === k && w.at[i] === at) seen = true;
          if (!seen) {
            w.keys.push(k);
            w.at.push(at);
          }
        }
      }
    }
    if (this.queries.length > 0) {
      const status = job ? job.status : N;
      for (const q of this.queries) {
        const seen = q.seen?.get(id);
        if (seen) addUnique(seen, status);
      }
    }
  }

  /** Flags an event changed at this point of the stream (BLOCK_JOB_ERROR stop, a transaction abort). */
  changeFlags(job: JobTrack, set: number, clear: number): void {
    const w = this.watched(job.id);
    if (w) this.before(job.id);
    job.patch(set, clear);
    if (w) this.recordOp(job.id, { set, clear, variant: false });
    if (w) this.after(job.id);
  }

  /** Records a flag change in the windows of the verbs still unanswered on job `id`. */
  private recordOp(id: string, op: FlagOp): void {
    const verbs = this.verbsByJob.get(id);
    if (verbs) for (const p of verbs) p.window?.ops.push(op);
  }

  /** The job may also have `bit` from this point of the stream (a flag set that stays open). */
  addVariant(job: JobTrack, bit: number): void {
    const w = this.watched(job.id);
    if (w) this.before(job.id);
    const next = [...job.beliefs];
    for (const b of job.beliefs) addUnique(next, b | bit);
    job.beliefs = next;
    if (w) this.recordOp(job.id, { set: bit, clear: 0, variant: true });
    if (w) this.after(job.id);
  }

  /** pendingVerbs, bound (what the rules' facts call). */
  readonly pendingOf = (id: string, verbs: readonly JobVerb[]): readonly PendingVerb[] => this.pendingVerbs(id, verbs);

  /** The unanswered commands that apply one of `verbs` to job `id`. */
  pendingVerbs(id: string, verbs: readonly JobVerb[]): readonly PendingVerb[] {
    const list = this.verbsByJob.get(id);
    if (!list || list.length === 0) return NONE;
    return list.filter((p) => verbs.includes(p.verb));
  }
}

const NONE: readonly PendingVerb[] = [];

/** A QMP message as one short line for reports. */
export function shortMessage(msg: QmpMessage, max = 240): string {
  const s = JSON.stringify(msg);
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
