/**
 * The checker's working state for one trace: live jobs, unanswered commands and their windows, and
 * the report. Memory is bounded by live jobs and unanswered commands: dismissed jobs are kept only
 * in a small recent list, violations up to a cap.
 */
import { VerbCommands, type JobVerb, type Profile } from '../machines/index.ts';
import type { QmpMessage } from '../traces/format.ts';
import type { TraceStyle } from '../traces/reader.ts';
import type { CoverageCollector } from './coverage.ts';
import { addUnique, N, packKey, U } from './encoding.ts';
import type { JobTrack } from './job.ts';
import type { Chain } from './urgent.ts';
import type { FlagOp, Pending, PendingCreator, PendingQuery, PendingVerb } from './pending.ts';
import type { CheckWarning, Violation } from './result.ts';
import type { RuleId, WarningId } from './rules.ts';

/** Dismissed jobs remembered for messages and late replies. */
const GRAVEYARD_SIZE = 1024;
const MAX_WARNINGS = 1000;

export class CheckState {
  readonly jobs = new Map<string, JobTrack>();
  /** Recently dismissed jobs by id (bounded). */
  readonly graveyard = new Map<string, JobTrack>();
  /** Unanswered commands in send order. */
  readonly pending: Pending[] = [];
  readonly verbsByJob = new Map<string, PendingVerb[]>();
  readonly queries: PendingQuery[] = [];
  readonly creators: PendingCreator[] = [];
  /** Jobs that owe a step QEMU takes in the same main-loop iteration (urgent.ts). */
  readonly owed = new Set<JobTrack>();
  /** The back-to-back pair in progress (urgent.ts); only in wire traces. */
  chain: Chain | undefined = undefined;
  /** `quit` was sent or SHUTDOWN seen: QEMU cancels and dismisses every job on its own. */
  shutdown = false;
  readonly violations: Violation[] = [];
  moreViolations = 0;
  readonly warnings: CheckWarning[] = [];
  /** The line and message being checked. */
  line = 0;
  msg: QmpMessage = {};
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
    if (this.violations.length >= this.maxViolations) {
      this.moreViolations++;
      return;
    }
    this.violations.push({ file: this.file, line: this.line, ...(job !== undefined ? { job } : {}), rule, message, msg: shortMessage(this.msg), allowed });
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
    this.graveyard.delete(job.id);
    this.graveyard.set(job.id, job);
    if (this.graveyard.size > GRAVEYARD_SIZE) {
      const oldest = this.graveyard.keys().next().value;
      if (oldest !== undefined) this.graveyard.delete(oldest);
    }
  }

  /** The (status, flags) keys of the job an id names now: absent jobs are `undefined` or `null`. */
  keysOf(id: string): number[] {
    const job = this.jobs.get(id);
    if (job) return job.beliefs.map((b) => packKey(job.status, b));
    return [packKey(this.graveyard.has(id) ? N : U, 0)];
  }

  /** Whether a change of job `id` must be recorded in some open window. */
  watched(id: string): boolean {
    return this.queries.length > 0 || this.verbsByJob.has(id);
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

  /** Whether an unanswered command applies one of `verbs` to job `id`. */
  pendingVerb(id: string, verbs: readonly JobVerb[]): boolean {
    const list = this.verbsByJob.get(id);
    if (!list) return false;
    for (const p of list) if (verbs.includes(verbOfCommand(p))) return true;
    return false;
  }
}

function verbOfCommand(p: PendingVerb): JobVerb {
  return VerbCommands[p.event.type].verb;
}

/** A QMP message as one short line for reports. */
export function shortMessage(msg: QmpMessage, max = 240): string {
  const s = JSON.stringify(msg);
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
