/** Rules on grouped transactions (completion-mode grouped): members finish, abort and finalize together. */
import { D, E, isCompletedStatus, statusName } from '../encoding.ts';
import type { RuleGroup, RuleInfo } from './rule.ts';

export const transactionRules = {
  title: 'Grouped transactions',
  rules: {
    'txn-pending-early': {
      summary: 'a member of a grouped transaction reaches `pending` before every member finished (waiting, pending, aborting, concluded or null)',
      reads: "→ `pending` events and the other members' statuses",
      needs: ['status-events', 'commands', 'creation'],
      edges: (_, to) => to === D,
      onTransition: (f) => {
        const txn = f.job.txn;
        if (!txn || f.to !== D || txn.aborting) return undefined;
        const early = txn.members.filter((m) => m !== f.job && !isCompletedStatus(m.status));
        if (early.length === 0) return undefined;
        const list = early.map((m) => `'${m.id}' (${statusName(m.status)})`).join(', ');
        return { message: `reached pending while ${list} had not finished`, allowed: "'waiting' until every member is waiting, pending, aborting, concluded or null" };
      },
    },
    'txn-abort-member-succeeded': {
      summary: 'a member of an aborted grouped transaction reaches `pending` or concludes without error',
      reads: "the members' statuses after one went `aborting`",
      needs: ['status-events', 'commands', 'creation'],
      edges: (from, to) => to === D || (from === D && to === E),
      onTransition: (f) => {
        if (f.job.txn?.aborting !== true) return undefined;
        if (f.to === D) return { message: 'a member of an aborting grouped transaction reached pending', allowed: "'aborting'" };
        if (f.from === D && f.to === E) return { message: 'a member of an aborted grouped transaction concluded successfully', allowed: "'aborting' then 'concluded' with an error" };
        return undefined;
      },
    },
    'txn-finalize-partial': {
      summary: 'finalize accepted on one member of a grouped transaction left another member in `pending` at its reply',
      reads: "an accepted finalize's reply and the members' statuses",
      needs: ['status-events', 'wire-order', 'commands', 'creation'],
      onVerbAccepted: ({ job, verb, command }) =>
        verb !== 'finalize' || !job.txn
          ? []
          : job.txn.members
              .filter((m) => m !== job && m.status === D && m.statusKnown)
              .map((m) => ({ job: m.id, message: `${command} on '${job.id}' left member '${m.id}' pending`, allowed: 'every member finalized before the reply' })),
    },
  },
} as const satisfies RuleGroup<Record<string, RuleInfo>>;
