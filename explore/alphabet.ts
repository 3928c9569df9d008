/**
 * The explored event alphabet: the finite set of events both explorers (the xstate traversal and the
 * compiled engine) offer a group of jobs, so that the reachable state space is finite and the two
 * count the same states and transitions.
 *
 * Per job: every verb command of the release in both spellings (`block-job-cancel` with and without
 * `force`, `block-job-set-speed` with the valid speed 0 and with -1, `block-job-change` to both copy
 * modes from 8.2 on), and every internal event but `internal.progress` (its numbers would make the
 * space infinite): `run-returned` with and without an error, `io-error` once per action (EIO),
 * `finalize-fail` with EIO, `shutdown` (quit), drains bounded to MAX_DRAINS outstanding per job.
 * Per group: `internal.prepare-fail`.
 *
 * Each template also says what its outcome depends on (`scope`): a claim the compiled engine relies
 * on to turn `step` into tables, and that the engines' agreement tests check.
 */
import type { JobContext, JobStatus, ModelEvent, Profile } from '../machines/index.ts';

/** Outstanding drained sections a job may have at once while exploring. */
export const MAX_DRAINS = 1;

/** The valid speed of `block-job-set-speed` (also every job's initial speed, so it changes no state). */
export const EXPLORED_SPEED = 0;

/** The error text of a failing run (`internal.run-returned` with an error, `internal.io-error`). */
export const EXPLORED_ERROR = 'Input/output error';

/**
 * What an event's outcome depends on:
 *  - `job`: only the member's own context and the group's `aborting` flag; it changes only that
 *    member, unless it starts a transaction abort (the `aborting` flag turns on). What an abort does
 *    to each other member (its next context, the JobSTT edges it takes, the invariants it breaks)
 *    depends only on that member's own context: the same whichever event starts it, on whichever member
 *    (job_completed_txn_abort cancels every unfinished member alike). The compiled engine computes
 *    that change once per local state, and checks it against `step` with ExploreOptions.verifyClaims.
 *  - `txn`: whether it changes anything depends on the member's own context, `aborting` and, of every
 *    member, its status and whether it started and was cancelled; what it changes is left to `step`
 *    (creation order, early failure, transaction completion, newest-first finalization, finalize of
 *    every pending member, a failing prepare).
 *  - `group`: not addressed to a member (a failed transaction preparation); like `txn`.
 */
export type EventScope = 'job' | 'txn' | 'group';

export interface EventTemplate {
  /** A short readable name, unique in the alphabet: the command or internal event with its arguments. */
  readonly label: string;
  readonly scope: EventScope;
  readonly isCommand: boolean;
  /** The event for the job with this id (ignored for `group` templates). */
  make(id: string): ModelEvent;
  /** False where the bound excludes it (a drain beyond MAX_DRAINS). */
  admits?(job: JobContext): boolean;
  /**
   * For `txn` templates: the member's statuses outside which the event changes nothing (its guard in
   * `step` checks this first). A claim, like the scope, that the compiled engine uses to skip work
   * and the engines' agreement tests check.
   */
  readonly whenStatus?: readonly JobStatus[];
  /**
   * For `txn` templates: the event changes its own member only, though whether it happens depends on
   * the others: nothing of the other members, not `aborting`, no event about another member. A claim
   * like the scope: the compiled engine checks it where the event first happens in a context, and
   * against `step` at every use with ExploreOptions.verifyClaims.
   */
  readonly alone?: boolean;
}

function command(label: string, scope: EventScope, make: (id: string) => ModelEvent, whenStatus?: readonly JobStatus[]): EventTemplate {
  return whenStatus ? { label, scope, isCommand: true, make, whenStatus } : { label, scope, isCommand: true, make };
}

function internal(label: string, scope: EventScope, make: (id: string) => ModelEvent, admits?: (job: JobContext) => boolean, whenStatus?: readonly JobStatus[], alone?: boolean): EventTemplate {
  return { label, scope, isCommand: false, make, ...(admits ? { admits } : {}), ...(whenStatus ? { whenStatus } : {}), ...(alone ? { alone } : {}) };
}

const COMMAND_TEMPLATES: readonly EventTemplate[] = [
  command('job-pause', 'job', (id) => ({ type: 'job-pause', id })),
  command('block-job-pause', 'job', (id) => ({ type: 'block-job-pause', id })),
  command('job-resume', 'job', (id) => ({ type: 'job-resume', id })),
  command('block-job-resume', 'job', (id) => ({ type: 'block-job-resume', id })),
  command('job-cancel', 'job', (id) => ({ type: 'job-cancel', id })),
  command('block-job-cancel', 'job', (id) => ({ type: 'block-job-cancel', id })),
  command('block-job-cancel force', 'job', (id) => ({ type: 'block-job-cancel', id, force: true })),
  command('job-complete', 'job', (id) => ({ type: 'job-complete', id })),
  command('block-job-complete', 'job', (id) => ({ type: 'block-job-complete', id })),
  command('job-finalize', 'txn', (id) => ({ type: 'job-finalize', id }), ['pending']),
  command('block-job-finalize', 'txn', (id) => ({ type: 'block-job-finalize', id }), ['pending']),
  command('job-dismiss', 'job', (id) => ({ type: 'job-dismiss', id })),
  command('block-job-dismiss', 'job', (id) => ({ type: 'block-job-dismiss', id })),
  command(`block-job-set-speed ${EXPLORED_SPEED}`, 'job', (id) => ({ type: 'block-job-set-speed', id, speed: EXPLORED_SPEED })),
  command('block-job-set-speed -1', 'job', (id) => ({ type: 'block-job-set-speed', id, speed: -1 })),
  command('block-job-change write-blocking', 'job', (id) => ({ type: 'block-job-change', id, jobType: 'mirror', copyMode: 'write-blocking' })),
  command('block-job-change background', 'job', (id) => ({ type: 'block-job-change', id, jobType: 'mirror', copyMode: 'background' })),
];

const INTERNAL_TEMPLATES: readonly EventTemplate[] = [
  internal('internal.create', 'txn', (id) => ({ type: 'internal.create', id }), undefined, ['undefined'], true),
  internal('internal.early-fail', 'txn', (id) => ({ type: 'internal.early-fail', id }), undefined, ['created'], true),
  internal('internal.start', 'txn', (id) => ({ type: 'internal.start', id }), undefined, ['created'], true),
  internal('internal.pause-point', 'job', (id) => ({ type: 'internal.pause-point', id })),
  internal('internal.enter', 'job', (id) => ({ type: 'internal.enter', id })),
  internal('internal.drain-begin', 'job', (id) => ({ type: 'internal.drain-begin', id }), (job) => job.drains < MAX_DRAINS),
  // A dismissed job is freed: no drained section ends for it (step would still count it down; the machine's
  // final null state ignores it).
  internal('internal.drain-end', 'job', (id) => ({ type: 'internal.drain-end', id }), (job) => job.status !== 'null'),
  internal('internal.ready', 'job', (id) => ({ type: 'internal.ready', id })),
  internal('internal.run-returned', 'job', (id) => ({ type: 'internal.run-returned', id })),
  internal('internal.run-returned error', 'job', (id) => ({ type: 'internal.run-returned', id, error: EXPLORED_ERROR })),
  internal('internal.io-error report', 'job', (id) => ({ type: 'internal.io-error', id, action: 'report' })),
  internal('internal.io-error stop', 'job', (id) => ({ type: 'internal.io-error', id, action: 'stop' })),
  internal('internal.io-error ignore', 'job', (id) => ({ type: 'internal.io-error', id, action: 'ignore' })),
  internal('internal.txn-pending', 'txn', (id) => ({ type: 'internal.txn-pending', id }), undefined, ['waiting']),
  internal('internal.txn-abort', 'job', (id) => ({ type: 'internal.txn-abort', id })),
  internal('internal.conclude', 'txn', (id) => ({ type: 'internal.conclude', id }), undefined, ['pending', 'aborting'], true),
  internal('internal.dismiss', 'job', (id) => ({ type: 'internal.dismiss', id })),
  internal('internal.finalize-fail', 'txn', (id) => ({ type: 'internal.finalize-fail', id, error: EXPLORED_ERROR }), undefined, ['pending']),
  internal('internal.shutdown', 'job', (id) => ({ type: 'internal.shutdown', id })),
];

/** The group-wide template: a later action of the creating command failed (`internal.prepare-fail`). */
export const PREPARE_FAIL: EventTemplate = {
  label: 'internal.prepare-fail',
  scope: 'group',
  isCommand: false,
  make: () => ({ type: 'internal.prepare-fail' }),
};

/**
 * The named alphabets. `full` is everything above. `core` leaves out what multiplies a job's own
 * states without changing its status graph (drains, io-error stop / ignore, block-job-change) and the
 * commands that never change the model's state (block-job-set-speed): it keeps every JobSTT edge and
 * makes groups of 4 to 6 jobs explorable.
 */
export const ALPHABETS = ['full', 'core'] as const;
export type AlphabetName = (typeof ALPHABETS)[number];

const CORE_LEAVES_OUT: ReadonlySet<string> = new Set([
  'internal.drain-begin',
  'internal.drain-end',
  'internal.io-error stop',
  'internal.io-error ignore',
  'block-job-change write-blocking',
  'block-job-change background',
  `block-job-set-speed ${EXPLORED_SPEED}`,
  'block-job-set-speed -1',
]);

export function isAlphabetName(name: string): name is AlphabetName {
  return (ALPHABETS as readonly string[]).includes(name);
}

/** The per-job templates a release offers, in a fixed order: commands it has, then internal events. */
export function jobTemplates(profile: Profile, name: AlphabetName = 'full'): readonly EventTemplate[] {
  const all = [...COMMAND_TEMPLATES.filter((t) => profile.commands.has(t.make('_').type)), ...INTERNAL_TEMPLATES];
  return name === 'full' ? all : all.filter((t) => !CORE_LEAVES_OUT.has(t.label));
}

/** One event of the alphabet of a concrete group: the template applied to member `job` (-1: group-wide). */
export interface AlphabetEvent {
  readonly template: EventTemplate;
  readonly job: number;
  readonly event: ModelEvent;
}

/** Every event of the alphabet for a group whose members have these ids: member by member, then the group's. */
export function alphabet(profile: Profile, ids: readonly string[], name: AlphabetName = 'full'): readonly AlphabetEvent[] {
  const templates = jobTemplates(profile, name);
  const out: AlphabetEvent[] = [];
  ids.forEach((id, job) => {
    for (const template of templates) out.push({ template, job, event: template.make(id) });
  });
  out.push({ template: PREPARE_FAIL, job: -1, event: PREPARE_FAIL.make('') });
  return out;
}

/** Whether the bound admits an alphabet event in a group (drains past MAX_DRAINS are left out). */
export function admitted(e: AlphabetEvent, jobs: readonly JobContext[]): boolean {
  if (!e.template.admits || e.job < 0) return true;
  const job = jobs[e.job];
  return job !== undefined && e.template.admits(job);
}

/** A readable name for an alphabet event: `job-pause j0`, `internal.prepare-fail`. */
export function eventLabel(e: Pick<AlphabetEvent, 'template' | 'job'>, ids: readonly string[]): string {
  return e.job < 0 ? e.template.label : `${e.template.label} ${ids[e.job] ?? `#${e.job}`}`;
}
