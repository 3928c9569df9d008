/**
 * Operators on grouped transactions (`transaction` with completion-mode grouped). job.c
 * job_completed_txn_success returns while any member is not completed (job_is_completed: waiting or
 * later), and only then moves every member to pending (job_txn_apply, job_transition_to_pending).
 */
import { movedBefore, mutant, type TraceOperator } from '../mutant.ts';
import { creations, isRecord } from '../session.ts';

export const txnPendingEarly: TraceOperator = {
  name: 'txn-pending-early',
  styles: ['wire'],
  changes: "moves one member's 'pending' of a grouped transaction before another member's 'waiting' (keeping its own order)",
  impossible: 'no member of a grouped transaction reaches pending before every member has finished its run (waiting)',
  *mutate(s) {
    for (const c of s.commands) {
      const props = c.args['properties'];
      if (c.name !== 'transaction' || !isRecord(props) || props['completion-mode'] !== 'grouped') continue;
      const members = creations(c).map((a) => a.job);
      const after = (job: string, status: string) => (s.statuses.get(job) ?? []).find((e) => e.i > c.i && e.status === status);
      for (const a of members) {
        const pending = after(a, 'pending');
        const waitingA = after(a, 'waiting');
        if (!pending || !waitingA) continue;
        for (const b of members) {
          const waitingB = b === a ? undefined : after(b, 'waiting');
          if (!waitingB || waitingB.i < waitingA.i || waitingB.i > pending.i) continue;
          yield mutant(s, this.name, pending.i, `'${a}' pending before '${b}' is waiting (line ${s.entries[waitingB.i]!.n})`, () => movedBefore(s, pending.i, waitingB.i));
          break;
        }
      }
    }
  },
};

export const txnOperators: readonly TraceOperator[] = [txnPendingEarly];
