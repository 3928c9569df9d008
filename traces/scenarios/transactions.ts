/**
 * Transactions of blockdev-backup actions, individual (no properties) and grouped
 * (completion-mode grouped): all members finishing, a member failing with EIO, a member cancelled,
 * members held in waiting and pending, failures while preparing (including QEMU's grouped hang), and
 * actions that grouped mode refuses.
 */
import { cmd, failingNode, nullNode, queries, SLOW, status, verb, verbs, NEGATIVE_SPEED, type CorpusScenario } from './types.ts';

const nodes = [
  nullNode('src0'),
  nullNode('src1'),
  nullNode('src2'),
  nullNode('dst0'),
  nullNode('dst1'),
  nullNode('dst2'),
  failingNode('bad'),
  { blockdev: { driver: 'null-co', 'node-name': 'small', size: 32 * 1024 * 1024 } },
  { blockdev: { driver: 'null-co', 'node-name': 'ro', size: 64 * 1024 * 1024, 'read-only': true } },
] as const;

/** A blockdev-backup action from src<n> to `target` (default dst<n>). */
function action(n: number, extra: Record<string, unknown> = {}, target = `dst${n}`): Record<string, unknown> {
  return { type: 'blockdev-backup', data: { 'job-id': `j${n}`, device: `src${n}`, target, sync: 'full', ...extra } };
}

function txn(actions: readonly Record<string, unknown>[], grouped: boolean) {
  return cmd('transaction', grouped ? { actions, properties: { 'completion-mode': 'grouped' } } : { actions });
}

const slow = { speed: SLOW };

export const transactionScenarios: readonly CorpusScenario[] = [
  {
    name: 'txn_individual_all_finish',
    desc: 'a transaction of two backups without properties: jobs created in action order before any starts; each finishes on its own',
    setup: nodes,
    steps: [txn([action(0), action(1)], false), status('j0', 'null'), status('j1', 'null'), ...queries],
  },
  {
    name: 'txn_grouped_all_finish',
    desc: 'a grouped transaction of two backups: both finish; members reach pending and conclude together',
    setup: nodes,
    steps: [txn([action(0), action(1)], true), status('j0', 'null'), status('j1', 'null'), ...queries],
  },
  {
    name: 'txn_individual_one_fails',
    desc: 'individual transaction, member j1 writes to a failing target: j1 fails alone (BLOCK_JOB_COMPLETED with error), j0 and j2 complete',
    setup: nodes,
    steps: [
      txn([action(0, slow), action(1, { 'auto-dismiss': false }, 'bad'), action(2, slow)], false),
      status('j1', 'concluded'),
      ...queries,
      verb('block-job-set-speed', 'j0', { speed: 0 }),
      status('j0', 'null'),
      verb('block-job-set-speed', 'j2', { speed: 0 }),
      status('j2', 'null'),
      verb('job-dismiss', 'j1'),
      status('j1', 'null'),
    ],
  },
  {
    name: 'txn_individual_one_cancelled',
    desc: 'individual transaction, member j1 cancelled while running: only j1 is cancelled, j0 and j2 complete',
    setup: nodes,
    steps: [
      txn([action(0, slow), action(1, slow), action(2, slow)], false),
      verb('job-cancel', 'j1'),
      status('j1', 'null'),
      ...queries,
      verb('block-job-set-speed', 'j0', { speed: 0 }),
      status('j0', 'null'),
      verb('block-job-set-speed', 'j2', { speed: 0 }),
      status('j2', 'null'),
    ],
  },
  {
    name: 'txn_grouped_one_fails',
    desc: 'grouped transaction of three speed-held backups, j1 writes to a failing target: the group aborts, every member ends in error (j1 COMPLETED with error, j0 and j2 CANCELLED)',
    setup: nodes,
    steps: [
      txn([action(0, slow), action(1, {}, 'bad'), action(2, slow)], true),
      status('j0', 'null'),
      status('j1', 'null'),
      status('j2', 'null'),
      ...queries,
    ],
  },
  {
    name: 'txn_grouped_one_cancelled',
    desc: 'grouped transaction of three speed-held backups, j1 cancelled (job-cancel): the whole group aborts and every member is CANCELLED',
    setup: nodes,
    steps: [
      txn([action(0, { ...slow, 'auto-dismiss': false }), action(1, slow), action(2, slow)], true),
      verb('job-cancel', 'j1'),
      status('j0', 'concluded'),
      status('j1', 'null'),
      status('j2', 'null'),
      ...queries,
      verb('job-dismiss', 'j0'),
      status('j0', 'null'),
    ],
  },
  {
    name: 'txn_grouped_paused_member_cancelled',
    desc: 'grouped transaction, j0 user-paused, then j1 cancelled with block-job-cancel: the paused member goes running, then aborting, with the rest of the group',
    setup: nodes,
    steps: [
      txn([action(0, slow), action(1, slow)], true),
      verb('job-pause', 'j0'),
      status('j0', 'paused'),
      verb('block-job-cancel', 'j1'),
      status('j0', 'null'),
      status('j1', 'null'),
      ...queries,
    ],
  },
  {
    name: 'txn_grouped_matrix_waiting',
    desc: 'grouped transaction: j0 finishes at once and waits for the speed-held j1; every verb in both spellings on the waiting member (all refused, cancel aside); then j1 speeds up and both complete',
    setup: nodes,
    steps: [
      txn([action(0), action(1, slow)], true),
      status('j0', 'waiting'),
      ...queries,
      ...verbs('j0', ['job-pause', 'job-resume', 'job-complete', 'job-finalize', 'job-dismiss']),
      ...verbs('j0', ['block-job-pause', 'block-job-resume', 'block-job-complete', 'block-job-finalize', 'block-job-dismiss', ['block-job-set-speed', { speed: SLOW }], NEGATIVE_SPEED]),
      verb('block-job-set-speed', 'j1', { speed: 0 }),
      status('j0', 'null'),
      status('j1', 'null'),
    ],
  },
  {
    name: 'txn_grouped_cancel_waiting',
    desc: 'grouped transaction: job-cancel of the waiting member j0 aborts the running j1 first; the same with block-job-cancel, and with block-job-cancel force',
    setup: nodes,
    steps: [
      txn([action(0), action(1, slow)], true),
      status('j0', 'waiting'),
      verb('job-cancel', 'j0'),
      status('j0', 'null'),
      status('j1', 'null'),
      txn([action(0), action(1, slow)], true),
      status('j0', 'waiting'),
      verb('block-job-cancel', 'j0'),
      status('j0', 'null'),
      status('j1', 'null'),
      txn([action(0), action(1, slow)], true),
      status('j0', 'waiting'),
      verb('block-job-cancel', 'j0', { force: true }),
      status('j0', 'null'),
      status('j1', 'null'),
      ...queries,
    ],
  },
  {
    name: 'txn_grouped_pending_finalize',
    desc: 'grouped transaction with auto-finalize false on both members: both stop in pending (BLOCK_JOB_PENDING for each); job-finalize on one member finalizes the whole group',
    setup: nodes,
    steps: [
      txn([action(0, { 'auto-finalize': false, 'auto-dismiss': false }), action(1, { 'auto-finalize': false, 'auto-dismiss': false })], true),
      status('j0', 'pending'),
      status('j1', 'pending'),
      ...queries,
      verb('job-finalize', 'j1'),
      status('j0', 'concluded'),
      status('j1', 'concluded'),
      ...queries,
      verb('job-dismiss', 'j0'),
      verb('block-job-dismiss', 'j1'),
      status('j1', 'null'),
    ],
  },
  {
    name: 'txn_grouped_mixed_finalize',
    desc: 'grouped transaction, j0 auto-finalize true and j1 false: both stop in pending, only j1 emits BLOCK_JOB_PENDING; one block-job-finalize concludes both',
    setup: nodes,
    steps: [
      txn([action(0), action(1, { 'auto-finalize': false })], true),
      status('j1', 'pending'),
      ...queries,
      verb('block-job-finalize', 'j0'),
      status('j0', 'null'),
      status('j1', 'null'),
      ...queries,
    ],
  },
  {
    name: 'txn_grouped_pending_cancel',
    desc: 'grouped transaction held in pending (auto-finalize false): job-cancel of one member aborts both (pending to aborting, CANCELLED)',
    setup: nodes,
    steps: [
      txn([action(0, { 'auto-finalize': false }), action(1, { 'auto-finalize': false })], true),
      status('j1', 'pending'),
      status('j0', 'pending'),
      verb('job-cancel', 'j0'),
      status('j0', 'null'),
      status('j1', 'null'),
      ...queries,
    ],
  },
  {
    name: 'txn_prepare_failures',
    desc: 'transactions that fail while preparing, after one member was created: target too small, read-only target, missing target, duplicate id; the created job goes created, aborting, concluded, null inside the command; individual and grouped; also a three-member individual one',
    setup: nodes,
    steps: [
      txn([action(0), action(1, {}, 'small')], false),
      txn([action(0), action(1, {}, 'ro')], false),
      txn([action(0), action(1, {}, 'nosuch')], true),
      txn([action(0), { type: 'blockdev-backup', data: { 'job-id': 'j0', device: 'src1', target: 'dst1', sync: 'full' } }], true),
      txn([action(0), action(1), action(2, {}, 'small')], false),
      ...queries,
    ],
  },
  {
    name: 'txn_abort_action',
    desc: 'a transaction of two backups and an abort action, without properties: both jobs are created and aborted in reverse order; "Transaction aborted using Abort action"',
    setup: nodes,
    steps: [txn([action(0), action(1), { type: 'abort', data: {} }], false), ...queries],
  },
  {
    name: 'txn_grouped_refused_actions',
    desc: 'actions that grouped mode refuses: block-dirty-bitmap-add (the error text changed case in 8.1); the same action without properties is accepted',
    setup: nodes,
    steps: [
      txn([action(0), { type: 'block-dirty-bitmap-add', data: { node: 'src1', name: 'b0' } }], true),
      ...queries,
      txn([{ type: 'block-dirty-bitmap-add', data: { node: 'src1', name: 'b0' } }], false),
    ],
  },
  {
    name: 'txn_grouped_abort_action',
    desc: 'a grouped transaction of two backups and an abort action: 7.2 accepts it, aborts j1 and then never answers (the grouped hang; the daemon is killed); 8.1 and later refuse the abort action up front',
    setup: nodes,
    hangs: { before: '8.1' },
    steps: [txn([action(0), action(1), { type: 'abort', data: {} }], true), ...queries],
  },
  {
    name: 'txn_grouped_prepare_failure_hang',
    desc: 'QEMU hangs: a grouped transaction in which two jobs are created and the third action fails in prepare (target too small). j1 goes aborting, concluded, null, then nothing: no reply ever comes. The recorder gives up after its reply time-out and kills the daemon',
    setup: nodes,
    hangs: true,
    steps: [txn([action(0), action(1), action(2, {}, 'small')], true), ...queries],
  },
];
