/**
 * Bash iotests logs read as subsequences. QEMU's bash harness (tests/qemu-iotests/common.qemu) holds
 * back every event a test names in `$capture_events` (`_timed_wait_for` stores it instead of echoing
 * it) and prints one only when the test waits for it (`_wait_event`); the others are dropped, and
 * some tests filter events out with grep. So between two statuses such a log prints, a job may have
 * passed through statuses it did not print: mirror's `ready`, emitted right before BLOCK_JOB_READY
 * (job_transition_to_ready), is often one, and a job may first show itself in mid-life.
 *
 * In a message the reader marked as the bash harness's (TraceLine.harness, CheckState.heldBack), a
 * status change or a BLOCK_JOB_* event that breaks a rule judged at it is accepted when the status it
 * needs is reachable from the job's last printed one in JobSTT, by steps the log rules allow the job
 * on their own, and a warning names the rule applied as reachability. Everywhere else the checker
 * takes the printed events as all there were.
 */
import { C, D, E, R, STATUS_COUNT, statusName, sttEdge, U, X } from './encoding.ts';
import { JobTrack } from './job.ts';
import { claimsOnStatus } from './logClaims.ts';
import { LogTransitionRules, type BlockEventFacts, type RuleId } from './rules/index.ts';
import type { CheckState } from './state.ts';

/** What a status change of a bash log means once the statuses it did not print are counted. */
export interface HeldStep {
  /** The statuses the job may have shown in between, unprinted. */
  readonly between: readonly number[];
  /** The rules the step broke as printed (none: it is a legal step by itself). */
  readonly rules: readonly RuleId[];
  /** The status the step is judged from: the last printed one, or `created` for a job first seen in mid-life. */
  readonly from: number;
}

/** A step the job may take on its own: a JobSTT edge (self-loops emit nothing) that no log transition rule forbids. */
function stepAllowed(st: CheckState, job: JobTrack, from: number, to: number): boolean {
  if (from === to || !sttEdge(from, to)) return false;
  return brokenBy(st, job, from, to).length === 0;
}

/** The log transition rules `from` → `to` breaks for certain (a finding some unanswered command could excuse is no break). */
function brokenBy(st: CheckState, job: JobTrack, from: number, to: number): RuleId[] {
  const facts = { job, from, to, wire: false, shutdown: st.shutdown, pending: st.pendingOf };
  const out: RuleId[] = [];
  for (const [id, check] of LogTransitionRules) {
    const found = check(facts);
    if (found && (found.causes === undefined || found.causes.length === 0)) out.push(id);
  }
  return out;
}

/** The statuses reachable from `from` in one or more allowed steps (`back`: those that reach it). */
function closure(st: CheckState, job: JobTrack, from: number, back: boolean): Set<number> {
  const seen = new Set<number>();
  const todo = [from];
  while (todo.length > 0) {
    const a = todo.pop()!;
    for (let b = 0; b < STATUS_COUNT; b++) {
      if (seen.has(b) || !(back ? stepAllowed(st, job, b, a) : stepAllowed(st, job, a, b))) continue;
      seen.add(b);
      todo.push(b);
    }
  }
  return seen;
}

/**
 * The JOB_STATUS_CHANGE to `to` of a job whose last printed status is its current one (or which was
 * first seen in mid-life, its status unknown), in a bash log: the statuses it may have passed through
 * and the rules the printed step broke. Undefined when `to` cannot follow even through unprinted
 * statuses: the step is then judged as printed.
 */
export function heldBackStep(st: CheckState, job: JobTrack, to: number): HeldStep | undefined {
  const from = job.statusKnown ? job.status : C;
  let rules: RuleId[];
  if (!job.statusKnown) rules = ['first-status-not-created'];
  else if (from === to || !sttEdge(from, to)) rules = ['illegal-transition'];
  else rules = brokenBy(st, job, from, to);
  const ahead = closure(st, job, from, false);
  if (!ahead.has(to)) return undefined;
  const behind = closure(st, job, to, true);
  const between = [...ahead].filter((s) => s !== to && behind.has(s));
  return { between, rules, from };
}

/**
 * What the statuses a job may have passed through unprinted change: claims a reply made about one of
 * them are settled, and a job that may have run counts as started. Call before the job takes `to`.
 */
export function passThrough(st: CheckState, job: JobTrack, held: HeldStep): void {
  for (const s of held.between) claimsOnStatus(st, job.id, s);
  if (held.between.includes(R)) job.started = true;
  if (held.between.includes(D)) job.pendingEvent = false;
}

/** After the job took 'concluded': the status it concluded from is known only if one path leads there. */
export function concludedThrough(job: JobTrack, held: HeldStep): void {
  const before = held.between.filter((s) => (s === D || s === X) && sttEdge(s, E));
  if (sttEdge(held.from, E) && !before.includes(held.from)) before.push(held.from);
  job.concludedFrom = before.length === 1 ? before[0]! : -1;
}

/** The warning for a status change accepted through unprinted statuses. */
export function warnHeldStep(st: CheckState, job: JobTrack, to: number, held: HeldStep): void {
  const what = job.statusKnown
    ? `'${statusName(held.from)}' → '${statusName(to)}'`
    : `first status '${statusName(to)}' of a job first seen in mid-life (its creating command accepted, or a BLOCK_JOB_* event)`;
  const through = held.between.length > 0 ? ` (through ${held.between.map((s) => `'${statusName(s)}'`).join(' / ')})` : '';
  st.warn(
    'held-back-events',
    `job '${job.id}': ${what} accepted in a bash iotests log, which prints only the events its test waits for: '${statusName(to)}' is reachable from '${statusName(held.from)}' in JobSTT${through}; applied as reachability: ${held.rules.join(', ')}`,
  );
}

/**
 * A job event of a bash log for an id that names no live job, while the log shows status events: the
 * job whose creating command was printed and accepted (its `created` not printed), or, for a
 * BLOCK_JOB_* event, a job never seen before. Known from here with an unknown status; it has started
 * (a creating command succeeds only once its jobs started; a BLOCK_JOB_* event comes from a started
 * job). Undefined when the id belonged to a job that ended and no accepted creating command followed.
 */
export function adoptHeldBack(st: CheckState, id: string, blockEvent: boolean): JobTrack | undefined {
  const spec = st.unboundSpecs.get(id);
  if (spec === undefined && (!blockEvent || st.graveyard.has(id))) return undefined;
  st.unboundSpecs.delete(id);
  st.graveyard.delete(id);
  const job = new JobTrack(st.profile, id, spec);
  job.statusKnown = false;
  job.status = U;
  job.started = true;
  st.jobs.set(id, job);
  if (blockEvent) {
    const why = spec ? 'its creating command was accepted but the log printed none of its statuses' : 'the log printed no status or command of it before';
    st.warn('held-back-events', `job '${id}' first seen from a BLOCK_JOB_* event in a bash iotests log: ${why}; known from here with an unknown status; applied as reachability: event-for-unknown-job`);
  }
  return job;
}

/**
 * A BLOCK_JOB_* event of a bash log that broke `rule` at the job's printed status: accepted when some
 * status reachable from it (through unprinted statuses) satisfies the rule; returns that status.
 */
export function heldBackEvent(st: CheckState, facts: BlockEventFacts<unknown>, check: (f: BlockEventFacts<unknown>) => unknown): number | undefined {
  const job = facts.job;
  if (!job.statusKnown) return undefined;
  const saved = { status: job.status, started: job.started, pendingEvent: job.pendingEvent };
  const ahead = closure(st, job, saved.status, false);
  try {
    for (const s of ahead) {
      job.status = s;
      job.started = saved.started || ahead.has(R) || saved.status === R;
      job.pendingEvent = false;
      if (!check(facts)) return s;
    }
    return undefined;
  } finally {
    job.status = saved.status;
    job.started = saved.started;
    job.pendingEvent = saved.pendingEvent;
  }
}

/** The warning for a BLOCK_JOB_* event accepted at a status the job may have reached unprinted. */
export function warnHeldEvent(st: CheckState, job: JobTrack, event: string, rule: RuleId, at: number): void {
  st.warn(
    'held-back-events',
    `job '${job.id}': ${event} while '${statusName(job.status)}' accepted in a bash iotests log, which prints only the events its test waits for: '${statusName(at)}' is reachable from '${statusName(job.status)}' in JobSTT; applied as reachability: ${rule}`,
  );
}

