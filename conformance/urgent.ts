/**
 * Steps QEMU takes in the same main-loop iteration as the status that enables them (the model's
 * UrgentInternalEvents: txn-pending, txn-abort, conclude, dismiss; plus the BLOCK_JOB_READY and
 * BLOCK_JOB_PENDING notifiers that follow their status change). The QMP dispatcher cannot run in
 * between, so no reply may come before them, and the job's next status cannot come first either.
 */
import { D, E, isCompletedStatus, statusName, W, X, Y } from './encoding.ts';
import type { JobTrack } from './job.ts';
import type { Chain, CheckState } from './state.ts';

/** The chain a job event starts, if any. */
export function chainAfter(job: JobTrack, event: string): Chain | undefined {
  if (job.spec === undefined) return undefined;
  switch (event) {
    case 'ready':
      return job.isBlockJob() === true && !job.readyEvent ? { job, next: 'BLOCK_JOB_READY' } : undefined;
    case 'pending':
      return job.isBlockJob() === true && job.autoFinalize === false ? { job, next: 'BLOCK_JOB_PENDING' } : undefined;
    case 'waiting':
      return job.txn ? undefined : { job, next: 'pending' };
    case 'BLOCK_JOB_COMPLETED':
    case 'BLOCK_JOB_CANCELLED':
      return { job, next: 'concluded' };
    case 'concluded':
      return job.autoDismiss !== false || !job.started ? { job, next: 'null' } : undefined;
    default:
      return undefined;
  }
}

/** Checks a job event against the open chain; returns the chain it starts. */
export function followChain(st: CheckState, job: JobTrack | undefined, event: string): void {
  const chain = st.chain;
  if (chain && (chain.job !== job || chain.next !== event)) {
    const what = job ? `${event} of job '${job.id}'` : event;
    st.violate('urgent-step-missing', chain.job.id, `${what} came between the job's ${describePrevious(chain)} and its ${chain.next}`, `${chain.next} of job '${chain.job.id}' next: QEMU emits them back to back`);
    settle(chain.job, chain.next);
    st.owed.delete(chain.job);
  }
  st.chain = job ? chainAfter(job, event) : undefined;
}

function describePrevious(chain: Chain): string {
  switch (chain.next) {
    case 'BLOCK_JOB_READY':
      return "'ready'";
    case 'BLOCK_JOB_PENDING':
      return "'pending'";
    case 'pending':
      return "'waiting'";
    case 'concluded':
      return 'completion event';
    default:
      return "'concluded'";
  }
}

/** The event or status `job` owes right now, or undefined. Jobs whose creation was not seen owe nothing. */
export function owedStep(job: JobTrack): string | undefined {
  if (!job.statusKnown || job.spec === undefined) return undefined;
  const txn = job.txn;
  switch (job.status) {
    case X:
      return "'concluded'";
    case E:
      return job.autoDismiss !== false || !job.started ? "'null' (auto-dismiss)" : undefined;
    case W:
      if (!txn) return "'pending'";
      if (txn.aborting) return "'aborting' (the transaction aborts)";
      return txn.members.every((m) => isCompletedStatus(m.status)) ? "'pending' (every member finished)" : undefined;
    case D: {
      if (job.autoFinalize === false && !job.pendingEvent && job.isBlockJob() === true) return 'BLOCK_JOB_PENDING';
      if (txn?.aborting) return "'aborting' (the transaction aborts)";
      const members = txn ? txn.members : [job];
      return members.every((m) => m.autoFinalize === true) ? "'concluded' (auto-finalize)" : undefined;
    }
    case Y:
      return !job.readyEvent && job.isBlockJob() === true ? 'BLOCK_JOB_READY' : undefined;
    default:
      return undefined;
  }
}

/** Recomputes what `job` (and, when its status changed, its transaction's members) owes. */
export function updateOwed(st: CheckState, job: JobTrack, members: boolean): void {
  if (!st.wire) return;
  if (members && job.txn) for (const m of job.txn.members) owe(st, m);
  else owe(st, job);
}

function owe(st: CheckState, job: JobTrack): void {
  if (owedStep(job) !== undefined) st.owed.add(job);
  else st.owed.delete(job);
}

/** Marks an owed event as reported, so it is reported once. */
function settle(job: JobTrack, owed: string): void {
  if (owed === 'BLOCK_JOB_READY') job.readyEvent = true;
  else if (owed === 'BLOCK_JOB_PENDING') job.pendingEvent = true;
}

/** At a reply: every owed step should have happened. */
export function checkOwedAtReply(st: CheckState): void {
  if (st.owed.size === 0) return;
  for (const job of st.owed) {
    const owed = owedStep(job);
    if (owed === undefined) continue;
    st.violate('urgent-step-missing', job.id, `a reply came while the job is '${statusName(job.status)}' and still owes ${owed}`, `${owed} before any reply: QEMU takes it in the same main-loop iteration`);
    settle(job, owed);
  }
  st.owed.clear();
  st.chain = undefined;
}
