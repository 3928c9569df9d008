/** Rules on BLOCK_JOB_* events: which jobs emit them, where in the lifecycle, and what they carry. */
import { D, E, FC, statusName, X, Y } from '../encoding.ts';
import { Completion } from '../job.ts';
import { unless, type RuleGroup, type RuleInfo } from './rule.ts';

export const blockEventRules = {
  title: 'BLOCK_JOB_* events',
  rules: {
    'event-for-unknown-job': {
      summary: 'a job event names a job that was never created',
      reads: 'BLOCK_JOB_* events and the jobs JOB_STATUS_CHANGE created',
      needs: ['status-events', 'block-events'],
    },
    'block-event-non-block-job': {
      summary: 'a BLOCK_JOB_* event for a job that is not a block job (create, amend, snapshot-*)',
      reads: "BLOCK_JOB_* events and the job's type",
      needs: ['block-events'],
    },
    'block-job-ready-unexpected': {
      summary: 'BLOCK_JOB_READY for a job that is not `ready` at that point, or a second one for the same job',
      reads: "BLOCK_JOB_READY and the job's status",
      needs: ['block-events'],
      onBlockEvent: ({ job, event }) => {
        if (event !== 'BLOCK_JOB_READY' || !((job.statusKnown && job.status !== Y) || job.readyEvent)) return undefined;
        const why = job.readyEvent ? 'a second BLOCK_JOB_READY (it is not re-emitted on resume)' : `BLOCK_JOB_READY while '${statusName(job.status)}'`;
        return { message: why, allowed: "once, right after 'ready'" };
      },
    },
    'block-job-pending-auto-finalize': {
      summary: 'BLOCK_JOB_PENDING for a job created with auto-finalize on',
      reads: 'BLOCK_JOB_PENDING and auto-finalize of the creating command',
      needs: ['block-events', 'commands', 'creation'],
      onBlockEvent: ({ job, event }) =>
        event === 'BLOCK_JOB_PENDING' && job.autoFinalize === true
          ? { message: 'BLOCK_JOB_PENDING for a job with auto-finalize on', allowed: 'no BLOCK_JOB_PENDING: it is emitted only for auto-finalize=false' }
          : undefined,
    },
    'block-event-out-of-place': {
      summary:
        'BLOCK_JOB_PENDING outside `pending` or twice in it; BLOCK_JOB_COMPLETED outside `pending` (success) or `aborting` (with error); BLOCK_JOB_CANCELLED outside `aborting`; either for a job never started',
      reads: "BLOCK_JOB_PENDING / COMPLETED / CANCELLED and the job's status",
      needs: ['block-events', 'status-events'],
      onBlockEvent: ({ job, event, hasError }) => {
        if (!job.statusKnown) return undefined;
        if (event === 'BLOCK_JOB_PENDING') {
          if (job.autoFinalize === true || (job.status === D && !job.pendingEvent)) return undefined;
          const why = job.status === D ? 'a second BLOCK_JOB_PENDING' : `BLOCK_JOB_PENDING while '${statusName(job.status)}'`;
          return { message: why, allowed: "once, right after 'pending'" };
        }
        if (event === 'BLOCK_JOB_READY' || job.completion !== Completion.None) return undefined;
        const cancelled = event === 'BLOCK_JOB_CANCELLED';
        if (!job.started) return { message: `${event} for a job that never started`, allowed: "no completion event: 'aborting', 'concluded', 'null' only" };
        const where = cancelled || hasError ? X : D;
        if (job.status === where) return undefined;
        const what = cancelled ? event : hasError ? 'BLOCK_JOB_COMPLETED with error' : 'BLOCK_JOB_COMPLETED without error';
        return { message: `${what} while '${statusName(job.status)}'`, allowed: `in '${statusName(where)}', just before 'concluded'` };
      },
    },
    'completed-and-cancelled': {
      summary: 'one job has two completion events (BLOCK_JOB_COMPLETED and/or BLOCK_JOB_CANCELLED)',
      reads: 'BLOCK_JOB_COMPLETED / CANCELLED',
      needs: ['block-events'],
      onBlockEvent: ({ job, event }) => {
        if (event === 'BLOCK_JOB_READY' || event === 'BLOCK_JOB_PENDING' || job.completion === Completion.None) return undefined;
        const before = job.completion === Completion.Cancelled ? 'BLOCK_JOB_CANCELLED' : 'BLOCK_JOB_COMPLETED';
        return { message: `${event} after ${before}`, allowed: 'one completion event per job' };
      },
    },
    'completion-event-kind': {
      summary: 'BLOCK_JOB_CANCELLED for a job nothing force-cancelled, or BLOCK_JOB_COMPLETED for one that was force-cancelled',
      reads: 'BLOCK_JOB_COMPLETED / CANCELLED and the cancel commands',
      needs: ['block-events', 'wire-order', 'commands'],
      onBlockEvent: (f) => {
        const { job, event } = f;
        if ((event !== 'BLOCK_JOB_COMPLETED' && event !== 'BLOCK_JOB_CANCELLED') || job.completion !== Completion.None) return undefined;
        if (event === 'BLOCK_JOB_CANCELLED') {
          const cause = f.shutdown || job.someHave(FC) ? true : f.pending(job.id, ['cancel']);
          return unless(cause, 'BLOCK_JOB_CANCELLED for a job nothing force-cancelled', 'BLOCK_JOB_COMPLETED (with error when it failed)');
        }
        return job.allHave(FC) && !f.shutdown ? { message: 'BLOCK_JOB_COMPLETED for a force-cancelled job', allowed: 'BLOCK_JOB_CANCELLED' } : undefined;
      },
    },
    'completion-event-missing': {
      summary: 'a started block job concludes without BLOCK_JOB_COMPLETED / BLOCK_JOB_CANCELLED just before',
      reads: '→ `concluded` events and the completion events before them',
      needs: ['status-events', 'wire-order', 'commands'],
      edges: (_, to) => to === E,
      onTransition: (f) => {
        const { job, from } = f;
        if (f.to !== E || !job.started || job.isBlockJob() !== true) return undefined;
        const ok = from === D ? job.completion === Completion.Completed : job.completion !== Completion.None;
        if (ok) return undefined;
        const expected = from === D ? 'BLOCK_JOB_COMPLETED' : 'BLOCK_JOB_COMPLETED (with error) or BLOCK_JOB_CANCELLED';
        return { message: `concluded from '${statusName(from)}' without ${expected}`, allowed: `${expected} before 'concluded'` };
      },
    },
    'type-mismatch': {
      summary: "a job's type in a query answer or event differs from the type its creating command makes, or a non-block job is listed by query-block-jobs",
      reads: 'the `type` of query answers and BLOCK_JOB_* events',
      needs: [],
    },
  },
} as const satisfies RuleGroup<Record<string, RuleInfo>>;
