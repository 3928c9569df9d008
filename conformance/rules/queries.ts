/** Rules on query-jobs / query-block-jobs answers. */
import { E, N, R, S, statusName, U, X, Y } from '../encoding.ts';
import type { Finding, RuleGroup, RuleInfo } from './rule.ts';

export const queryRules = {
  title: 'Query answers',
  rules: {
    'query-refused': {
      summary: 'query-jobs / query-block-jobs (which take no arguments) answered with an error in a release that has them',
      reads: 'the reply to each query',
      needs: ['wire-order', 'commands'],
    },
    'null-in-query': {
      summary: 'query-jobs / query-block-jobs lists a job in status `null`',
      reads: 'each listed status',
      needs: ['queries'],
    },
    'query-status-mismatch': {
      summary: 'a listed status is not one the job was in while the query ran',
      reads:
        "each listed status and the job's statuses while the query ran (in a log: its status printed last or a later one of the same job; never `created`)",
      needs: ['queries', 'status-events'],
    },
    'query-unknown-job': {
      summary: 'a query lists a job that did not exist while the query ran',
      reads: "each listed job and the job's statuses while the query ran",
      needs: ['queries', 'status-events', 'wire-order', 'commands'],
    },
    'query-missing-job': {
      summary: 'a query omits a job that existed throughout the query',
      reads: 'the jobs alive while the query ran',
      needs: ['queries', 'status-events', 'wire-order', 'commands'],
    },
    'query-duplicate-job': {
      summary: 'a query answer lists the same job twice (ids are unique among live jobs)',
      reads: 'the ids a query answer lists',
      needs: ['queries'],
    },
    'query-field-mismatch': {
      summary: 'query-block-jobs `auto-finalize` / `auto-dismiss` differ from the creating command, or `ready` differs from the status (ready or standby)',
      reads: "query-block-jobs fields, the creating command's arguments",
      needs: ['queries', 'wire-order', 'commands'],
      onQueryEntry: ({ job, status, entry, block, wire, readyObserved }) => {
        if (!block || !wire) return [];
        const out: Finding<never>[] = [];
        for (const [field, known] of [
          ['auto-finalize', job.autoFinalize],
          ['auto-dismiss', job.autoDismiss],
        ] as const) {
          const v = entry[field];
          if (typeof v === 'boolean' && known !== undefined && v !== known) {
            out.push({ message: `query-block-jobs says ${field}: ${v}`, allowed: `${field}: ${known}, as the creating command set it` });
          }
        }
        const ready = entry['ready'];
        if (typeof ready === 'boolean' && status > U && readyObserved && ready !== (status === Y || status === S)) {
          out.push({ message: `query-block-jobs says ready: ${ready} in '${statusName(status)}'`, allowed: `ready: ${status === Y || status === S}` });
        }
        return out;
      },
    },
    'speed-mismatch': {
      summary:
        "a block job's `speed` in query-block-jobs or a BLOCK_JOB_* event is neither what its creating command set nor what an accepted block-job-set-speed set (an event may show either value while a set-speed is unanswered)",
      reads: '`speed` in query-block-jobs and BLOCK_JOB_* events, the creating command and block-job-set-speed',
      needs: ['wire-order', 'commands'],
    },
    'progress-decreased': {
      summary: "a job's `current-progress` (or `offset`) went down",
      reads: '`current-progress` and `offset` in query answers and BLOCK_JOB_* events',
      needs: [],
    },
    'error-on-success': {
      summary:
        '`error` on a job that has not failed: one not yet finished (except in running or ready once its run failed, when its next status must be `aborting`), or one that concluded from `pending`',
      reads: '`error` in query answers and the job status',
      needs: ['queries'],
      onQueryEntry: ({ job, status, entry, command }) => {
        if (entry['error'] === undefined || status <= U) return [];
        const error = JSON.stringify(entry['error']);
        // run() failed and recorded its error (job->err, job->ret) in the coroutine; job_exit moves the
        // job to aborting in a later bottom half, so a command in between lists it running or ready.
        if (status !== X && status !== E && status !== N && status !== R && status !== Y) {
          return [{ message: `${command} shows error ${error} on a job in '${statusName(status)}'`, allowed: "no error before 'aborting'" }];
        }
        if (status === E && job.concludedFrom >= 0 && job.concludedFrom !== X) {
          return [{ message: `${command} shows error ${error} on a job that concluded from 'pending'`, allowed: 'no error: the job succeeded' }];
        }
        return [];
      },
      edges: (from) => from === R || from === Y,
      onTransition: (f) =>
        f.job.failing && (f.from === R || f.from === Y) && f.to !== X
          ? { message: `'${statusName(f.from)}' → '${statusName(f.to)}' after a query showed the job's error`, allowed: "'aborting': a job whose run failed goes to aborting next" }
          : undefined,
    },
    'error-missing': {
      summary: 'no `error` on a concluded job that failed or was cancelled (concluded from `aborting`)',
      reads: '`error` in query answers and the status the job concluded from',
      needs: ['queries', 'status-events'],
      onQueryEntry: ({ job, status, entry, command }) =>
        status === E && job.concludedFrom === X && entry['error'] === undefined
          ? [{ message: `${command} shows a failed or cancelled job concluded without error`, allowed: 'an error (e.g. "Operation canceled")' }]
          : [],
    },
  },
} as const satisfies RuleGroup<Record<string, RuleInfo>>;
