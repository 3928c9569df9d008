/**
 * Faulty variants of the reference server: each a plausible bug of an implementation of QEMU's job API
 * (a table cell flipped, an error class or text changed, a query that shows too much or too little, an
 * event missing or out of order, a transaction that does not hold together, a check left out). The
 * conformance suite must catch every one (`qjob mutants`). A mutant is data: an id, what it gets wrong,
 * the release it claims, and the server hooks that make the fault.
 */
import { JobStatus, latestProfile, type EmittedEvent, type JobContext, type Outcome } from '../machines/index.ts';
import { blockJobInfo, type ServerHooks, type StepInput } from '../server/index.ts';
import { acceptedNoop, flipVerb, idOf, isStatus, JobErrors, jobIn, mapEntries, mapEvents, rerun, sameError, verbOf } from './patch.ts';

export interface Mutant {
  readonly id: string;
  /** The fault, as a bug report would put it. */
  readonly description: string;
  /** What kind of fault: for the report. */
  readonly family: 'table' | 'reply' | 'query' | 'event' | 'lifecycle' | 'transaction' | 'creation' | 'release';
  /** The release the faulty server claims; default the newest modelled one. */
  readonly release?: string;
  readonly hooks: ServerHooks;
}

const CANCELED = JobErrors.cancelledText;

/** Steps whose event is a command with this verb. */
function onVerb(verb: string, fn: (input: StepInput & { outcome: Outcome }) => Outcome | undefined): (input: StepInput) => Outcome | undefined {
  return (input) => (input.outcome && verbOf(input.event) === verb ? fn({ ...input, outcome: input.outcome }) : input.outcome);
}

function onInternal(type: string, fn: (input: StepInput & { outcome: Outcome }) => Outcome | undefined): (input: StepInput) => Outcome | undefined {
  return (input) => (input.outcome && input.event.type === type ? fn({ ...input, outcome: input.outcome }) : input.outcome);
}

function withEvents(out: Outcome, events: readonly EmittedEvent[]): Outcome {
  return { ...out, events };
}

function patchJob(out: Outcome, id: string, patch: Partial<JobContext>): Outcome {
  return { ...out, group: { ...out.group, jobs: out.group.jobs.map((j) => (j.id === id ? { ...j, ...patch } : j)) } };
}

export const MUTANTS: readonly Mutant[] = [
  // ---- the verb table ----
  { id: 'table-pause-in-waiting', family: 'table', description: 'job-pause is accepted in waiting', hooks: { profile: flipVerb('pause', 'waiting', true) } },
  { id: 'table-complete-in-running', family: 'table', description: 'job-complete is accepted in running', hooks: { profile: flipVerb('complete', 'running', true) } },
  { id: 'table-dismiss-in-pending', family: 'table', description: 'job-dismiss is accepted in pending (and dismisses the job)', hooks: { profile: flipVerb('dismiss', 'pending', true) } },
  { id: 'table-finalize-refused', family: 'table', description: 'job-finalize is refused in pending', hooks: { profile: flipVerb('finalize', 'pending', false) } },
  { id: 'table-cancel-in-concluded', family: 'table', description: 'job-cancel is accepted in concluded', hooks: { profile: flipVerb('cancel', 'concluded', true) } },
  { id: 'table-set-speed-in-pending', family: 'table', description: 'block-job-set-speed is accepted in pending', hooks: { profile: flipVerb('set-speed', 'pending', true) } },
  { id: 'table-pause-refused-in-ready', family: 'table', description: 'job-pause is refused in ready', hooks: { profile: flipVerb('pause', 'ready', false) } },
  {
    id: 'complete-in-standby-5.2',
    family: 'release',
    release: '5.2',
    description: 'a 5.2 server accepts complete in standby (the 6.0 table)',
    hooks: { profile: flipVerb('complete', 'standby', true) },
  },
  {
    id: 'change-before-8.2',
    family: 'release',
    release: '7.2',
    description: 'a 7.2 server has block-job-change (an 8.2 command)',
    hooks: {
      profile: (p) => ({
        ...p,
        verbs: [...p.verbs, 'change'],
        commands: new Set([...p.commands, 'block-job-change']),
        verbTable: { ...p.verbTable, change: ['created', 'running', 'paused', 'ready', 'standby'] },
      }),
    },
  },
  // ---- replies: checks, classes, texts ----
  {
    id: 'class-block-job-not-found',
    family: 'reply',
    description: "block-job-* on a missing job answer GenericError instead of DeviceNotActive",
    hooks: { reply: (_c, _a, e) => (e?.class === 'DeviceNotActive' ? { class: 'GenericError', desc: e.desc } : e) },
  },
  {
    id: 'text-job-not-found',
    family: 'reply',
    description: "job-* on a missing job answer \"Job '<id>' not found\" instead of \"Job not found\"",
    hooks: { reply: (_c, a, e) => (e?.desc === 'Job not found' ? { class: 'GenericError', desc: `Job '${String(a['id'])}' not found` } : e) },
  },
  {
    id: 'text-verb-names-wrong-state',
    family: 'reply',
    description: "the verb-table error names the state the job was in before its last change",
    hooks: {
      reply: (_c, _a, e) => {
        const m = e ? /^Job '(.*)' in state '([a-z]+)' cannot accept command verb '([a-z-]+)'$/.exec(e.desc) : null;
        if (!e || !m) return e;
        const other = m[2] === 'running' ? 'paused' : 'running';
        return { class: e.class, desc: `Job '${m[1]}' in state '${other}' cannot accept command verb '${m[3]}'` };
      },
    },
  },
  {
    id: 'resume-checks-table-first',
    family: 'reply',
    description: "job-resume checks the verb table before \"was it paused\", so a concluded job answers the table error",
    hooks: {
      step: onVerb('resume', (input) => {
        const job = jobIn(input.group, idOf(input.event));
        if (!job || !sameError(input.outcome.reply, JobErrors.notPaused())) return input.outcome;
        if (input.profile.verbTable.resume?.includes(job.status)) return input.outcome;
        return { ...input.outcome, reply: JobErrors.verbRefused(job.id, job.status, 'resume') };
      }),
    },
  },
  {
    id: 'second-pause-accepted',
    family: 'reply',
    description: 'job-pause of a job the user already paused succeeds',
    hooks: { step: onVerb('pause', (input) => (sameError(input.outcome.reply, JobErrors.alreadyPaused()) ? acceptedNoop(input) : input.outcome)) },
  },
  {
    id: 'cancel-ignores-user-pause',
    family: 'reply',
    description: 'block-job-cancel without force cancels a user-paused job instead of refusing',
    hooks: {
      step: onVerb('cancel', (input) => {
        const id = idOf(input.event);
        if (id === undefined || !input.outcome.reply || !sameError(input.outcome.reply, JobErrors.blockJobPaused(id))) return input.outcome;
        return rerun(input, { ...input.event, force: true } as typeof input.event) ?? input.outcome;
      }),
    },
  },
  {
    id: 'negative-speed-accepted',
    family: 'reply',
    description: 'block-job-set-speed accepts a negative speed (and ignores it)',
    hooks: { step: onVerb('set-speed', (input) => (input.outcome.reply?.desc.startsWith("Parameter 'speed'") ? acceptedNoop(input) : input.outcome)) },
  },
  {
    id: 'negative-speed-old-text',
    family: 'reply',
    description: "a negative speed is refused with 2.12's \"Invalid parameter 'speed'\"",
    hooks: { reply: (_c, _a, e) => (e?.desc === "Parameter 'speed' expects a non-negative value" ? { class: 'GenericError', desc: "Invalid parameter 'speed'" } : e) },
  },
  // ---- queries ----
  {
    id: 'null-in-query-jobs',
    family: 'query',
    description: 'query-jobs still lists a dismissed job, in status null',
    hooks: { queryJobs: (entries, dismissed) => [...entries, ...dismissed.slice(-1).map((d) => ({ ...d, status: 'null' }))] },
  },
  {
    id: 'query-status-off-by-one',
    family: 'query',
    description: 'query-jobs maps JobStatus off by one (running shows as created, created as undefined)',
    hooks: { queryJobs: mapEntries((e) => ({ ...e, status: JobStatus[Math.max(0, JobStatus.indexOf(e['status'] as JobStatus) - 1)] })) },
  },
  {
    id: 'progress-resets-on-pause',
    family: 'query',
    description: 'a paused (or standby) job reports current-progress / offset 0',
    hooks: {
      queryJobs: mapEntries((e) => (e['status'] === 'paused' || e['status'] === 'standby' ? { ...e, 'current-progress': 0 } : e)),
      queryBlockJobs: mapEntries((e) => (e['status'] === 'paused' || e['status'] === 'standby' ? { ...e, offset: 0 } : e)),
    },
  },
  {
    id: 'query-omits-paused',
    family: 'query',
    description: 'query-jobs leaves out paused jobs',
    hooks: { queryJobs: mapEntries((e) => (e['status'] === 'paused' || e['status'] === 'standby' ? undefined : e)) },
  },
  {
    id: 'query-block-jobs-lists-plain-jobs',
    family: 'query',
    description: 'query-block-jobs also lists create / amend jobs',
    hooks: {
      queryBlockJobs: (entries, _d, jobs) => [...entries, ...jobs.filter((j) => !j.isBlockJob).map((j) => blockJobInfo(latestProfile(), j))],
    },
  },
  {
    id: 'query-auto-finalize-always-true',
    family: 'query',
    description: 'query-block-jobs reports auto-finalize true whatever the job was created with',
    hooks: { queryBlockJobs: mapEntries((e) => ({ ...e, 'auto-finalize': true })) },
  },
  {
    id: 'query-not-ready-in-standby',
    family: 'query',
    description: 'query-block-jobs reports ready: false for a job in standby',
    hooks: { queryBlockJobs: mapEntries((e) => (e['status'] === 'standby' ? { ...e, ready: false } : e)) },
  },
  {
    id: 'query-no-error-when-cancelled',
    family: 'query',
    description: 'query-jobs shows no error for a cancelled job',
    hooks: {
      queryJobs: mapEntries((e) => {
        if (e['error'] !== CANCELED) return e;
        const { error: _error, ...rest } = e;
        return rest;
      }),
    },
  },
  {
    id: 'query-error-on-success',
    family: 'query',
    description: "query-jobs shows error \"Operation canceled\" for a job that concluded successfully",
    hooks: {
      queryJobs: (entries, _d, jobs) => entries.map((e) => {
        const job = jobs.find((j) => j.id === e['id']);
        return job?.status === 'concluded' && job.error === null ? { ...e, error: CANCELED } : e;
      }),
    },
  },
  // ---- events ----
  {
    id: 'pending-event-with-auto-finalize',
    family: 'event',
    description: 'BLOCK_JOB_PENDING is emitted also for jobs with auto-finalize on',
    hooks: {
      step: onInternal('internal.txn-pending', (input) =>
        withEvents(
          input.outcome,
          input.outcome.events.flatMap((e) => {
            const job = isStatus(e, 'pending') ? jobIn(input.outcome.group, String(e.data['id'])) : undefined;
            return job && job.autoFinalize && job.isBlockJob ? [e, { event: 'BLOCK_JOB_PENDING' as const, data: { type: job.type, id: job.id } }] : [e];
          }),
        ),
      ),
    },
  },
  {
    id: 'no-null-event-on-dismiss',
    family: 'event',
    description: "job-dismiss emits no JOB_STATUS_CHANGE 'null'",
    hooks: { step: onVerb('dismiss', (input) => withEvents(input.outcome, input.outcome.events.filter((e) => !isStatus(e, 'null')))) },
  },
  {
    id: 'cancel-reported-completed',
    family: 'event',
    description: 'a cancelled job emits BLOCK_JOB_COMPLETED with an error instead of BLOCK_JOB_CANCELLED',
    hooks: { step: mapEvents((events) => events.map((e) => (e.event === 'BLOCK_JOB_CANCELLED' ? { event: 'BLOCK_JOB_COMPLETED', data: { ...e.data, error: CANCELED } } : e))) },
  },
  {
    id: 'no-completed-event',
    family: 'event',
    description: 'a job that succeeds emits no BLOCK_JOB_COMPLETED',
    hooks: { step: mapEvents((events) => events.filter((e) => !(e.event === 'BLOCK_JOB_COMPLETED' && e.data['error'] === undefined))) },
  },
  {
    id: 'concluded-before-completed',
    family: 'event',
    description: "'concluded' is emitted before BLOCK_JOB_COMPLETED / BLOCK_JOB_CANCELLED",
    hooks: {
      step: onInternal('internal.conclude', (input) => {
        const events = [...input.outcome.events];
        const done = events.findIndex((e) => e.event === 'BLOCK_JOB_COMPLETED' || e.event === 'BLOCK_JOB_CANCELLED');
        const concluded = events.findIndex((e) => isStatus(e, 'concluded'));
        if (done < 0 || concluded < done) return input.outcome;
        const [c] = events.splice(concluded, 1);
        events.splice(done, 0, c!);
        return withEvents(input.outcome, events);
      }),
    },
  },
  {
    id: 'ready-event-on-resume',
    family: 'event',
    description: 'BLOCK_JOB_READY is emitted again when a job leaves standby',
    hooks: {
      step: onInternal('internal.enter', (input) => {
        const job = jobIn(input.outcome.group, idOf(input.event));
        if (!job || job.status !== 'ready' || !job.isBlockJob) return input.outcome;
        return withEvents(input.outcome, [...input.outcome.events, { event: 'BLOCK_JOB_READY', data: { type: job.type, device: job.id, len: job.total, offset: job.current, speed: job.speed } }]);
      }),
    },
  },
  {
    id: 'standby-shown-as-paused',
    family: 'event',
    description: "a ready job that pauses reports 'paused' instead of 'standby'",
    hooks: { step: mapEvents((events) => events.map((e) => (isStatus(e, 'standby') ? { event: e.event, data: { ...e.data, status: 'paused' } } : e))) },
  },
  {
    id: 'waiting-skipped',
    family: 'event',
    description: "a job that finishes goes from running / ready straight to 'pending', without 'waiting'",
    hooks: { step: mapEvents((events) => events.filter((e) => !isStatus(e, 'waiting'))) },
  },
  {
    id: 'never-started-job-cancelled-event',
    family: 'event',
    description: 'a job cancelled before it started (a transaction failing in prepare) emits BLOCK_JOB_CANCELLED',
    hooks: {
      step: onInternal('internal.conclude', (input) => {
        const job = jobIn(input.group, idOf(input.event));
        if (!job || job.started || !job.isBlockJob) return input.outcome;
        return withEvents(input.outcome, [{ event: 'BLOCK_JOB_CANCELLED', data: { type: job.type, device: job.id, len: 0, offset: 0, speed: job.speed } }, ...input.outcome.events]);
      }),
    },
  },
  // ---- lifecycle ----
  {
    id: 'soft-cancel-is-force',
    family: 'lifecycle',
    description: 'block-job-cancel without force on a ready mirror cancels it instead of completing it without pivoting',
    hooks: { verbEvent: (e) => (e.type === 'block-job-cancel' ? { ...e, force: true } : e) },
  },
  {
    id: 'job-cancel-is-soft',
    family: 'lifecycle',
    description: 'job-cancel behaves as block-job-cancel without force',
    hooks: { verbEvent: (e) => (e.type === 'job-cancel' ? { type: 'block-job-cancel', id: e.id, force: false } : e) },
  },
  {
    id: 'auto-dismiss-ignored',
    family: 'lifecycle',
    description: 'jobs created with auto-dismiss off are dismissed anyway',
    hooks: {
      step: onInternal('internal.conclude', (input) => {
        const job = jobIn(input.outcome.group, idOf(input.event));
        if (!job || job.autoDismiss || !job.started) return input.outcome;
        const out = rerun({ ...input, group: input.outcome.group }, { type: 'job-dismiss', id: job.id });
        return out ? { ...input.outcome, group: out.group, events: [...input.outcome.events, ...out.events] } : input.outcome;
      }),
    },
  },
  {
    id: 'auto-finalize-ignored',
    family: 'lifecycle',
    description: 'jobs created with auto-finalize off are finalized anyway',
    hooks: {
      step: onInternal('internal.txn-pending', (input) => ({
        ...input.outcome,
        group: { ...input.outcome.group, jobs: input.outcome.group.jobs.map((j) => (j.status === 'pending' ? { ...j, finalizing: true } : j)) },
      })),
    },
  },
  {
    id: 'error-pause-resumes-itself',
    family: 'lifecycle',
    description: 'a job paused by an I/O error (on-target-error stop) resumes by itself',
    hooks: {
      step: onInternal('internal.pause-point', (input) => {
        const job = jobIn(input.outcome.group, idOf(input.event));
        return job && job.ioStatus !== 'ok' ? patchJob(input.outcome, job.id, { userPaused: false }) : input.outcome;
      }),
    },
  },
  // ---- transactions ----
  {
    id: 'grouped-failure-no-abort',
    family: 'transaction',
    description: 'in a grouped transaction, a member that fails or is cancelled does not abort the others',
    hooks: {
      step: (input) => {
        const out = input.outcome;
        if (!out || !out.group.aborting || input.group.aborting || input.event.type === 'internal.prepare-fail') return out;
        const failing = idOf(input.event);
        return {
          ...out,
          group: {
            ...out.group,
            aborting: false,
            jobs: out.group.jobs.map((j, k) => {
              const before = input.group.jobs[k];
              return j.id === failing || !before ? j : { ...j, cancelled: before.cancelled, force: before.force, userPaused: before.userPaused, ioStatus: before.ioStatus };
            }),
          },
        };
      },
    },
  },
  {
    id: 'finalize-one-member',
    family: 'transaction',
    description: 'job-finalize on one member of a grouped transaction finalizes that member only',
    hooks: {
      step: onVerb('finalize', (input) => {
        if (input.outcome.reply) return input.outcome;
        const id = idOf(input.event);
        return {
          ...input.outcome,
          group: { ...input.outcome.group, jobs: input.outcome.group.jobs.map((j, k) => (j.id === id ? j : { ...j, finalizing: input.group.jobs[k]?.finalizing ?? j.finalizing })) },
        };
      }),
    },
  },
  {
    id: 'grouped-is-individual',
    family: 'transaction',
    description: 'completion-mode grouped is ignored: each member completes on its own',
    hooks: { ungroup: true },
  },
  // ---- job-creating commands ----
  { id: 'duplicate-id-accepted', family: 'creation', description: 'a job id already in use is accepted for a new job', hooks: { skipChecks: new Set(['job-id-unique']) } },
  { id: 'invalid-id-accepted', family: 'creation', description: "an id that is not well-formed ('9bad', '') is accepted", hooks: { skipChecks: new Set(['job-id-valid']) } },
  { id: 'busy-node-accepted', family: 'creation', description: 'a node in use by another job can be a job\'s target', hooks: { skipChecks: new Set(['node-busy']) } },
];

export function findMutant(id: string): Mutant | undefined {
  return MUTANTS.find((m) => m.id === id);
}
