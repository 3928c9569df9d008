/** Rules on commands and their replies: order, job-creating commands, transactions. */
import { C, R } from '../encoding.ts';
import type { RuleGroup, RuleInfo } from './rule.ts';

export const commandRules = {
  title: 'Commands, replies and job creation',
  rules: {
    'reply-out-of-order': {
      summary: 'a reply answers a command while an earlier in-band command is still unanswered (QMP answers in order; only exec-oob may overtake)',
      reads: 'commands and replies, matched by id',
      needs: ['wire-order', 'commands'],
    },
    'malformed-message': {
      summary:
        'a job event or a reply to a job command has a shape QAPI does not allow: JOB_STATUS_CHANGE or BLOCK_JOB_* whose `data` is not an object naming the job (and its status), a query answer that is not a list of objects, a job verb or job-creating command answered with anything but `{}`',
      reads: "the shape of job events and of the replies to job commands",
      needs: [],
    },
    'job-id-in-use': {
      summary: "a job-creating command succeeded with the id of a job that was alive throughout it (ids are unique among live jobs: QEMU refuses an id in use until the job's `null`)",
      reads: "each successful job-creating command's job ids (`job-id`, else the device's name) and the jobs alive while it ran",
      needs: ['status-events', 'wire-order', 'commands'],
    },
    'txn-creation-order': {
      summary: 'a transaction does not create its jobs in action order, or starts one before all are created',
      reads: "a transaction's actions and the `created` / `running` events during it",
      needs: ['status-events', 'wire-order', 'commands'],
      edges: (from, to) => from === C && to === R,
      onTransition: (f) =>
        f.from === C && f.to === R && f.job.creatorPending && f.job.creator?.bound.some((b) => b === undefined)
          ? { message: 'a job of the transaction started before all its jobs were created', allowed: "'running' only at commit, after every action created its job" }
          : undefined,
    },
    'creator-reply-mismatch': {
      summary: 'a job-creating command succeeded but its job did not start (or was never created), or failed although its job started or is still alive',
      reads: "a job-creating command's reply and its job's events before it",
      needs: ['status-events', 'wire-order', 'commands'],
    },
  },
} as const satisfies RuleGroup<Record<string, RuleInfo>>;
