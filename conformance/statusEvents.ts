/**
 * JOB_STATUS_CHANGE. A status change with no command behind it is fine when JobSTT has the edge and
 * the model's internal steps (machines/step.ts applyInternal) could take it; the model's guards that
 * depend on invisible state (drains, progress, when run() returns) are left open, so the checker is
 * more permissive than one model step: any STT edge is accepted except where these rules forbid it.
 */
import { JobStatus } from '../machines/index.ts';
import { bindCreated } from './creators.ts';
import { C, CP, CX, D, E, FC, isAlive, isCompletedStatus, N, P, R, S, statusIndex, statusName, sttEdge, sttNext, U, UP, W, X, Y } from './encoding.ts';
import { Completion, JobTrack } from './job.ts';
import type { CheckState } from './state.ts';
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
}

function newJob(st: CheckState, id: string, s: number): void {
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
  st.jobs.set(id, job);
  if (watched) st.after(id);
}

function transition(st: CheckState, job: JobTrack, s: number): void {
  const from = job.status;
  if (from === s || !sttEdge(from, s)) {
    const what = from === s ? 'repeats the status: QEMU emits no event for a self-loop' : 'is not an edge of JobSTT';
    st.violate('illegal-transition', job.id, `'${statusName(from)}' → '${statusName(s)}' ${what}`, `from '${statusName(from)}': ${sttNext(from).join(', ') || 'nothing'}`);
    if (from === s) return;
  } else {
    eventRules(st, job, from, s);
    if (st.wire) commandRules(st, job, from, s);
  }
  apply(st, job, from, s);
  updateOwed(st, job, true);
}

/** Rules that need only the order of events (they hold in iotests logs too). */
function eventRules(st: CheckState, job: JobTrack, from: number, s: number): void {
  const txn = job.txn;
  if (job.failing) {
    if ((from === R || from === Y) && s !== X) {
      st.violate('error-on-success', job.id, `'${statusName(from)}' → '${statusName(s)}' after a query showed the job's error`, "'aborting': a job whose run failed goes to aborting next");
    }
    job.failing = false;
  }
  if (s === Y && job.hasReady() === false) {
    st.violate('ready-impossible', job.id, `a ${job.type ?? 'non-converging'} job became 'ready'`, nextWithout(from, Y));
  }
  if (from === R && s === W && job.hasReady() === true) {
    st.violate('complete-without-command', job.id, `a ${job.type ?? 'mirror-like'} job went 'running' → 'waiting': it can only complete from 'ready'`, nextWithout(R, W));
  }
  if (txn && s === D) {
    if (txn.aborting) {
      st.violate('txn-abort-member-succeeded', job.id, 'a member of an aborting grouped transaction reached pending', "'aborting'");
    } else {
      const early = txn.members.filter((m) => m !== job && !isCompletedStatus(m.status));
      if (early.length > 0) {
        const list = early.map((m) => `'${m.id}' (${statusName(m.status)})`).join(', ');
        st.violate('txn-pending-early', job.id, `reached pending while ${list} had not finished`, "'waiting' until every member is waiting, pending, aborting, concluded or null");
      }
    }
  }
  if (txn?.aborting && from === D && s === E) {
    st.violate('txn-abort-member-succeeded', job.id, 'a member of an aborted grouped transaction concluded successfully', "'aborting' then 'concluded' with an error");
  }
}

/** Rules about what commands (or their absence) allow; they need the wire order and the commands. */
function commandRules(st: CheckState, job: JobTrack, from: number, s: number): void {
  const id = job.id;
  if (from === C && s === R && job.creatorPending && job.creator?.bound.some((b) => b === undefined)) {
    st.violate('txn-creation-order', id, 'a job of the transaction started before all its jobs were created', "'running' only at commit, after every action created its job");
  }
  if (from === C && job.spec !== undefined && !job.creatorPending) {
    st.violate('start-outside-command', id, `'created' → '${statusName(s)}' after the creating command was answered`, "nothing: a job leaves 'created' inside its creating command");
  }
  if (from === Y && s === W && !job.someHave(CP) && !st.pendingVerb(id, ['complete', 'cancel'])) {
    st.violate('complete-without-command', id, "'ready' → 'waiting' with no complete or soft cancel accepted", nextWithout(Y, W));
  }
  if (((from === P && s === R) || (from === S && s === Y)) && job.allHave(UP) && !resumable(st, job)) {
    st.violate('resume-while-user-paused', id, `'${statusName(from)}' → '${statusName(s)}' while the user's pause stands`, `'${statusName(from)}' until job-resume, a cancel or a transaction abort`);
  }
  if (from === D && s === E && !finalizeAllowed(st, job)) {
    st.violate('finalize-without-command', id, "'pending' → 'concluded' with auto-finalize off and no finalize", `'pending' until job-finalize (or 'aborting')`);
  }
  if (s === X && (from === W || from === D) && !abortCause(st, job, from)) {
    st.violate('abort-without-cause', id, `'${statusName(from)}' → 'aborting' with no cancel, transaction abort or finalize`, `from '${statusName(from)}': ${nextWithout(from, X)}`);
  }
  if (from === E && s === N && job.autoDismiss === false && job.started && !job.dismissAsked && !st.shutdown && !st.pendingVerb(id, ['dismiss'])) {
    st.violate('dismiss-without-command', id, "'concluded' → 'null' with auto-dismiss off and no dismiss", "'concluded' until job-dismiss");
  }
  if (s === E && job.started && job.isBlockJob() === true) {
    const ok = from === D ? job.completion === Completion.Completed : job.completion !== Completion.None;
    if (!ok) {
      const expected = from === D ? 'BLOCK_JOB_COMPLETED' : 'BLOCK_JOB_COMPLETED (with error) or BLOCK_JOB_CANCELLED';
      st.violate('completion-event-missing', id, `concluded from '${statusName(from)}' without ${expected}`, `${expected} before 'concluded'`);
    }
  }
}

/**
 * What may end a user's pause: a resume or cancel of the job, shutdown, or its grouped transaction's
 * abort. The abort resumes the paused members (job_cancel_async) before any member shows 'aborting'
 * when the cancelled member had already finished (waiting, pending): job_cancel runs
 * job_completed_txn_abort at once, which force-cancels and finishes the others first. So a cancel of
 * another member, accepted or unanswered, is cause enough.
 */
function resumable(st: CheckState, job: JobTrack): boolean {
  if (st.shutdown || job.txn?.aborting === true || st.pendingVerb(job.id, ['resume', 'cancel'])) return true;
  return job.txn !== undefined && job.txn.members.some((m) => m !== job && cancelOf(st, m));
}

/** A finished job aborts only when cancelled, when its transaction aborts, or (pending) when a prepare fails in finalize. */
function abortCause(st: CheckState, job: JobTrack, from: number): boolean {
  if (st.shutdown || job.txn?.aborting || cancelOf(st, job)) return true;
  if (job.txn?.members.some((m) => cancelOf(st, m))) return true;
  if (from !== D) return false;
  const members = job.txn ? job.txn.members : [job];
  return members.every((m) => m.autoFinalize !== false) || finalizeAllowed(st, job);
}

/** A cancel of `job` was accepted or is unanswered. */
function cancelOf(st: CheckState, job: JobTrack): boolean {
  return job.someHave(CX) || st.pendingVerb(job.id, ['cancel']);
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
  const bystander = !cancelOf(st, job) && txn.members.some((m) => m !== job && cancelOf(st, m));
  if (bystander) st.addVariant(job, FC);
  for (const m of txn.members) {
    if (m !== job && isAlive(m.status) && m.status !== X && m.status !== E) st.changeFlags(m, CX | FC, UP);
  }
}

function finalizeAllowed(st: CheckState, job: JobTrack): boolean {
  if (st.shutdown) return true;
  const members = job.txn ? job.txn.members : [job];
  if (!members.some((m) => m.autoFinalize === false)) return true;
  if (job.txn?.finalizeAsked || job.finalizeAsked) return true;
  return members.some((m) => st.pendingVerb(m.id, ['finalize']));
}

function nextWithout(from: number, to: number): string {
  return `from '${statusName(from)}': ${sttNext(from).filter((s) => s !== statusName(to)).join(', ')}`;
}

function apply(st: CheckState, job: JobTrack, from: number, s: number): void {
  const watched = st.watched(job.id);
  if (watched) st.before(job.id);
  job.status = s;
  job.statusKnown = true;
  if (from === C && s === R) job.started = true;
  if (s === Y) job.learnReady();
  if (s === E) job.concludedFrom = from;
  if (s === D) job.pendingEvent = false;
  if (watched) st.after(job.id);
  st.coverage?.edge(statusName(from), statusName(s));
  const txn = job.txn;
  if (s === X && txn && !txn.aborting) abortTxn(st, job);
  if (s === N) st.bury(job);
}
