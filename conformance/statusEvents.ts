/**
 * JOB_STATUS_CHANGE. A status change with no command behind it is fine when JobSTT has the edge and
 * the model's internal steps (machines/step.ts applyInternal) could take it; the model's guards that
 * depend on invisible state (drains, progress, when run() returns) are left open, so the checker is
 * more permissive than one model step: any STT edge is accepted except where these rules forbid it.
 */
import { JobStatus } from '../machines/index.ts';
import { bindCreated } from './creators.ts';
import { C, CX, D, E, FC, isAlive, N, R, statusIndex, statusName, sttEdge, sttNext, U, UP, X, Y } from './encoding.ts';
import { JobTrack } from './job.ts';
import type { PendingVerb } from './pending.ts';
import { LogTransitionRulesByEdge, TransitionRulesByEdge, type TransitionFacts } from './rules/index.ts';
import type { CheckState } from './state.ts';
import { claimsOnStatus } from './logClaims.ts';
import { adoptHeldBack, concludedThrough, heldBackStep, passThrough, warnHeldStep } from './heldBack.ts';
import { followChain, updateOwed } from './urgent.ts';

export function onStatusChange(st: CheckState, id: unknown, status: unknown): void {
  if (typeof id !== 'string') return;
  const s = statusIndex(status);
  if (s < 0) {
    st.violate('unknown-status', id, `status ${JSON.stringify(status)} is not a JobStatus`, JobStatus.join(', '));
    return;
  }
  if (s === U) {
    st.violate('undefined-status', id, "JOB_STATUS_CHANGE to 'undefined'", 'never: a job is undefined only inside job_create');
    return;
  }
  const job = st.jobs.get(id);
  if (job && !(s === C && !st.wire)) transition(st, job, s);
  else {
    // A log may relaunch the VM and reuse an id: `created` then starts a new job.
    if (job) st.bury(job);
    newJob(st, id, s);
  }
  if (st.wire) followChain(st, st.lookup(id), statusName(s));
  else claimsOnStatus(st, id, s);
}

function newJob(st: CheckState, id: string, s: number): void {
  if (s !== C && st.heldBack) {
    const held = adoptHeldBack(st, id, false);
    if (held) {
      transition(st, held, s);
      return;
    }
  }
  st.coverage?.edge('undefined', statusName(s));
  if (s !== C) {
    if (st.graveyard.has(id)) {
      st.violate('event-after-null', id, `status '${statusName(s)}' after the job's 'null'`, "only 'created' (a new job reusing the id)");
      return;
    }
    st.violate('first-status-not-created', id, `the job's first status is '${statusName(s)}'`, "'created'");
    if (s === N) return;
    // Carry on with the job as it shows itself, so one mistake is reported once.
    const adopted = new JobTrack(st.profile, id, undefined);
    adopted.status = s;
    adopted.started = true;
    st.jobs.set(id, adopted);
    return;
  }
  const binding = bindCreated(st, id);
  if (!binding && st.wire) {
    const creators = st.creators.map((p) => `${p.name} (line ${p.line})`).join(', ');
    st.violate(
      'created-without-command',
      id,
      `job '${id}' created while no unanswered command creates it`,
      creators ? `jobs of the unanswered ${creators}` : 'no job: no job-creating command is unanswered',
    );
  }
  const watched = st.watched(id);
  if (watched) st.before(id);
  const job = new JobTrack(st.profile, id, binding?.spec);
  job.status = C;
  updateOwed(st, job, false);
  if (binding) {
    if (st.wire && binding.creator.bound.slice(0, binding.index).some((b) => b === undefined)) {
      st.violate('txn-creation-order', id, `job '${id}' created before the jobs of earlier actions`, 'jobs created in action order');
    }
    binding.creator.bound[binding.index] = job;
    job.creatorPending = true;
    job.creator = binding.creator;
    const txn = binding.creator.txn;
    if (txn) {
      txn.members.push(job);
      job.txn = txn;
    }
  }
  st.graveyard.delete(id);
  // The job an accepted creating command made, if its `created` was printed after the reply.
  st.unboundSpecs.delete(id);
  st.jobs.set(id, job);
  if (watched) st.after(id);
}

function transition(st: CheckState, job: JobTrack, s: number): void {
  const from = job.status;
  const held = st.heldBack ? heldBackStep(st, job, s) : undefined;
  if (held) passThrough(st, job, held);
  if (held && held.rules.length > 0) {
    warnHeldStep(st, job, s, held);
    apply(st, job, held.from, s, false);
    concludedThrough(job, held);
    updateOwed(st, job, true);
    return;
  }
  if (from === s || !sttEdge(from, s)) {
    const what = from === s ? 'repeats the status: QEMU emits no event for a self-loop' : 'is not an edge of JobSTT';
    st.violate('illegal-transition', job.id, `'${statusName(from)}' → '${statusName(s)}' ${what}`, `from '${statusName(from)}': ${sttNext(from).join(', ') || 'nothing'}`);
    if (from === s) return;
  } else {
    judgeTransition(st, job, from, s);
  }
  apply(st, job, from, s, true);
  if (held && s === E) concludedThrough(job, held);
  updateOwed(st, job, true);
}

/** Dispatches a legal status change to every rule judged there; rules that need the wire order are skipped in logs. */
function judgeTransition(st: CheckState, job: JobTrack, from: number, to: number): void {
  const rules = (st.wire ? WIRE_RULES : LOG_RULES)[from * STATUS_COUNT + to]!;
  if (rules.length === 0) {
    job.failing = false;
    return;
  }
  const facts: TransitionFacts<PendingVerb> = { job, from, to, wire: st.wire, shutdown: st.shutdown, pending: st.pendingOf };
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    const found = rule[1](facts);
    if (found) st.require(found.causes ?? [], rule[0], job.id, found.message, found.allowed);
  }
  job.failing = false;
}

/** The transition rules of a wire trace, and those that hold in a log too, by status change. */
const WIRE_RULES = TransitionRulesByEdge;
const LOG_RULES = LogTransitionRulesByEdge;
const STATUS_COUNT = JobStatus.length;

/** A cancel of `job` was accepted or is unanswered. */
function maybeCancelled(st: CheckState, job: JobTrack): boolean {
  return job.someHave(CX) || st.pendingVerbs(job.id, ['cancel']).length > 0;
}

/**
 * job_completed_txn_abort: every other member is force-cancelled. The first member to show
 * 'aborting' is the one that failed or was cancelled while running, except when a member that had
 * already finished was cancelled: then QEMU aborts the members in transaction order (newest first),
 * so the first to show 'aborting' may be a force-cancelled bystander.
 */
function abortTxn(st: CheckState, job: JobTrack): void {
  const txn = job.txn!;
  txn.aborting = true;
  const bystander = !maybeCancelled(st, job) && txn.members.some((m) => m !== job && maybeCancelled(st, m));
  if (bystander) st.addVariant(job, FC);
  for (const m of txn.members) {
    if (m !== job && isAlive(m.status) && m.status !== X && m.status !== E) st.changeFlags(m, CX | FC, UP);
  }
}

/** The job takes status `s`; `printed`: the step itself was seen (false: through statuses a bash log did not print). */
function apply(st: CheckState, job: JobTrack, from: number, s: number, printed: boolean): void {
  const watched = st.watched(job.id);
  if (watched) st.before(job.id);
  job.status = s;
  job.statusKnown = true;
  if (from === C && s === R) job.started = true;
  if (s === Y) job.learnReady();
  if (s === E) job.concludedFrom = from;
  if (s === D) job.pendingEvent = false;
  if (watched) st.after(job.id);
  if (printed) st.coverage?.edge(statusName(from), statusName(s));
  const txn = job.txn;
  if (s === X && txn && !txn.aborting) abortTxn(st, job);
  if (s === N) st.bury(job);
}
