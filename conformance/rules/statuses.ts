/** Rules on JOB_STATUS_CHANGE: statuses, the JobSTT edges, and the steps only a command may cause. */
import { C, CP, D, E, N, P, R, S, UP, W, X, Y, statusName } from '../encoding.ts';
import { abortCause, finalizeCause, nextWithout, resumeCause } from './causes.ts';
import { unless, type RuleGroup, type RuleInfo } from './rule.ts';

export const statusRules = {
  title: 'Statuses and transitions (JOB_STATUS_CHANGE)',
  rules: {
    'undefined-status': {
      summary: 'a job status is `undefined`, in an event or a query answer',
      reads: 'the status of each JOB_STATUS_CHANGE and query answer',
      needs: [],
    },
    'unknown-status': {
      summary: 'a job status is not a JobStatus value',
      reads: 'the status of each JOB_STATUS_CHANGE and query answer',
      needs: [],
    },
    'first-status-not-created': {
      summary: 'the first status a job shows is not `created`',
      reads: "each job's first JOB_STATUS_CHANGE",
      needs: ['status-events'],
    },
    'event-after-null': {
      summary: 'an event names a job after its `null` (a new job with that id must begin with `created`)',
      reads: 'job events after a `null`',
      needs: ['status-events'],
    },
    'illegal-transition': {
      summary: 'a status change that is not an edge of JobSTT, or repeats the current status (QEMU emits no event for a self-loop)',
      reads: "each JOB_STATUS_CHANGE and the job's status before it",
      needs: ['status-events'],
    },
    'created-without-command': {
      summary: 'a job is `created` while no job-creating command that could create it is unanswered',
      reads: '`created` events and the unanswered job-creating commands',
      needs: ['status-events', 'wire-order', 'commands'],
    },
    'start-outside-command': {
      summary: 'a job leaves `created` (start, early fail or prepare failure) after its creating command was answered',
      reads: "the first step out of `created` and its creating command's reply",
      needs: ['status-events', 'wire-order', 'commands', 'creation'],
      edges: (from) => from === C,
      onTransition: (f) =>
        f.from === C && f.job.spec !== undefined && !f.job.creatorPending
          ? { message: `'created' → '${statusName(f.to)}' after the creating command was answered`, allowed: "nothing: a job leaves 'created' inside its creating command" }
          : undefined,
    },
    'ready-impossible': {
      summary: 'a job of a type that never converges (backup, stream, create, amend, snapshot-*) becomes `ready`',
      reads: "`ready` events and the job's type (from its creating command, a query or a BLOCK_JOB_* event)",
      needs: ['status-events'],
      edges: (_, to) => to === Y,
      onTransition: (f) =>
        f.to === Y && f.job.hasReady() === false ? { message: `a ${f.job.type ?? 'non-converging'} job became 'ready'`, allowed: nextWithout(f.from, Y) } : undefined,
    },
    'complete-without-command': {
      summary: 'a mirror-like job leaves for `waiting` without an accepted job-complete or soft cancel in ready',
      reads: "→ `waiting` events, the job's type, and the complete / cancel commands on it",
      needs: ['status-events'],
      edges: (from, to) => to === W && (from === R || from === Y),
      onTransition: (f) => {
        const { job, from, to } = f;
        if (from === R && to === W && job.hasReady() === true) {
          return { message: `a ${job.type ?? 'mirror-like'} job went 'running' → 'waiting': it can only complete from 'ready'`, allowed: nextWithout(R, W) };
        }
        if (!f.wire || from !== Y || to !== W) return undefined;
        const cause = job.someHave(CP) ? true : f.pending(job.id, ['complete', 'cancel']);
        return unless(cause, "'ready' → 'waiting' with no complete or soft cancel accepted", nextWithout(Y, W));
      },
    },
    'resume-while-user-paused': {
      summary:
        'a user-paused job (job-pause, or BLOCK_JOB_ERROR action stop) runs again with no resume, cancel (of it or of another member of its grouped transaction), transaction abort or shutdown',
      reads: 'paused → running and standby → ready, the pause / resume / cancel commands and BLOCK_JOB_ERROR',
      needs: ['status-events', 'wire-order', 'commands'],
      edges: (from, to) => (from === P && to === R) || (from === S && to === Y),
      onTransition: (f) => {
        const { from, to } = f;
        if (!((from === P && to === R) || (from === S && to === Y)) || !f.job.allHave(UP)) return undefined;
        return unless(resumeCause(f), `'${statusName(from)}' → '${statusName(to)}' while the user's pause stands`, `'${statusName(from)}' until job-resume, a cancel or a transaction abort`);
      },
    },
    'finalize-without-command': {
      summary: 'a job concludes from `pending` although its transaction has auto-finalize off and no finalize was asked for',
      reads: 'pending → concluded, auto-finalize of the creating command, the finalize commands',
      needs: ['status-events', 'wire-order', 'commands', 'creation'],
      edges: (from, to) => from === D && to === E,
      onTransition: (f) =>
        f.from === D && f.to === E ? unless(finalizeCause(f), "'pending' → 'concluded' with auto-finalize off and no finalize", `'pending' until job-finalize (or 'aborting')`) : undefined,
    },
    'abort-without-cause': {
      summary: "a job goes 'waiting' or 'pending' → 'aborting' with no cancel, transaction abort, finalize (a failing prepare) or shutdown",
      reads: 'waiting / pending → aborting, the cancel and finalize commands, the transaction',
      needs: ['status-events', 'wire-order', 'commands'],
      edges: (from, to) => to === X && (from === W || from === D),
      onTransition: (f) =>
        f.to === X && (f.from === W || f.from === D)
          ? unless(abortCause(f), `'${statusName(f.from)}' → 'aborting' with no cancel, transaction abort or finalize`, nextWithout(f.from, X))
          : undefined,
    },
    'urgent-step-missing': {
      summary:
        "a step QEMU takes in the same main-loop iteration did not happen before the next reply (or the job's next status): 'concluded' after 'aborting', 'null' after 'concluded' with auto-dismiss, 'pending' once the transaction finished, 'concluded' of an auto-finalize transaction, BLOCK_JOB_READY / BLOCK_JOB_PENDING after their status",
      reads: 'the order of job events and replies',
      needs: ['status-events', 'wire-order', 'commands', 'creation'],
    },
    'dismiss-without-command': {
      summary: 'a started job with auto-dismiss off goes `null` without job-dismiss / block-job-dismiss (or shutdown)',
      reads: 'concluded → null, auto-dismiss of the creating command, the dismiss commands',
      needs: ['status-events', 'wire-order', 'commands', 'creation'],
      edges: (from, to) => from === E && to === N,
      onTransition: (f) => {
        const job = f.job;
        if (f.from !== E || f.to !== N || job.autoDismiss !== false || !job.started || job.dismissAsked || f.shutdown) return undefined;
        return unless(f.pending(job.id, ['dismiss']), "'concluded' → 'null' with auto-dismiss off and no dismiss", "'concluded' until job-dismiss");
      },
    },
  },
} as const satisfies RuleGroup<Record<string, RuleInfo>>;
