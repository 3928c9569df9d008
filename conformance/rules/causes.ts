/** What may cause the steps only a command (or an abort, or shutdown) may cause: shared by the rules. */
import { CX, D, sttNext, statusName } from '../encoding.ts';
import type { JobTrack } from '../job.ts';
import { anyCause, type Cause, type TransitionFacts } from './rule.ts';

/** A cancel of `job` was accepted, or these unanswered cancels may be one. */
export function cancelOf<P>(f: TransitionFacts<P>, job: JobTrack): Cause<P> {
  return job.someHave(CX) ? true : f.pending(job.id, ['cancel']);
}

/**
 * What may end a user's pause: a resume or cancel of the job, shutdown, or its grouped transaction's
 * abort. The abort resumes the paused members (job_cancel_async) before any member shows 'aborting'
 * when the cancelled member had already finished (waiting, pending): job_cancel runs
 * job_completed_txn_abort at once, which force-cancels and finishes the others first. So a cancel of
 * another member, accepted or unanswered, is cause enough.
 */
export function resumeCause<P>(f: TransitionFacts<P>): Cause<P> {
  const job = f.job;
  if (f.shutdown || job.txn?.aborting === true) return true;
  const own = f.pending(job.id, ['resume', 'cancel']);
  if (!job.txn) return own;
  return anyCause(own, ...job.txn.members.filter((m) => m !== job).map((m) => cancelOf(f, m)));
}

/** finalize was accepted on the job or its transaction, or is unanswered on a member; or nothing asks for one. */
export function finalizeCause<P>(f: TransitionFacts<P>): Cause<P> {
  const job = f.job;
  if (f.shutdown) return true;
  const members = job.txn ? job.txn.members : [job];
  if (!members.some((m) => m.autoFinalize === false)) return true;
  if (job.txn?.finalizeAsked || job.finalizeAsked) return true;
  return anyCause(...members.map((m) => f.pending(m.id, ['finalize'])));
}

/** A finished job aborts only when cancelled, when its transaction aborts, or (pending) when a prepare fails in finalize. */
export function abortCause<P>(f: TransitionFacts<P>): Cause<P> {
  const job = f.job;
  if (f.shutdown || job.txn?.aborting) return true;
  const members = job.txn ? job.txn.members : [job];
  const cancels = anyCause(cancelOf(f, job), ...members.map((m) => cancelOf(f, m)));
  if (f.from !== D) return cancels;
  if (members.every((m) => m.autoFinalize !== false)) return true;
  return anyCause(cancels, finalizeCause(f));
}

/** The statuses JobSTT allows after `from` other than `to`, for messages. */
export function nextWithout(from: number, to: number): string {
  return `from '${statusName(from)}': ${sttNext(from).filter((s) => s !== statusName(to)).join(', ')}`;
}
