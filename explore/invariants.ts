/**
 * Named invariants of the job model: what must hold in every reachable state of a transaction group,
 * and across every step. Both explorers check all of them; the conformance suite can check the same
 * predicates on states it reconstructs from a trace.
 *
 * Three shapes, so the compiled explorer can evaluate them once per local state (a job invariant),
 * once per status vector (a group invariant) or once per compiled change of a member:
 *  - JobInvariant: a member's own context, given the group's flags.
 *  - GroupInvariant: the members' statuses (creation order), given the group's flags.
 *  - TransitionInvariant: one member across one step: before, after, the events about it.
 * Each reads nothing else, which is what lets the compiled explorer memoise it.
 */
import {
  COMPLETED_STATUSES,
  JobSTT,
  pauseCount,
  type GroupContext,
  type JobContext,
  type JobStatus,
  type EmittedEvent,
  type Outcome,
  type Profile,
} from '../machines/index.ts';

export interface GroupFlags {
  readonly grouped: boolean;
  readonly aborting: boolean;
}

export interface JobInvariant {
  readonly id: string;
  readonly description: string;
  readonly kind: 'job';
  holds(job: JobContext, flags: GroupFlags): boolean;
}

export interface GroupInvariant {
  readonly id: string;
  readonly description: string;
  readonly kind: 'group';
  holds(statuses: readonly JobStatus[], flags: GroupFlags): boolean;
}

export interface TransitionInvariant {
  readonly id: string;
  readonly description: string;
  readonly kind: 'transition';
  /** One member across one step: its context before and after, and the QMP events the step emitted about it. */
  holds(before: JobContext, after: JobContext, emitted: readonly EmittedEvent[], profile: Profile): boolean;
}

export type Invariant = JobInvariant | GroupInvariant | TransitionInvariant;

const RUNNING_LIKE: ReadonlySet<JobStatus> = new Set(['created', 'running', 'paused', 'ready', 'standby']);
const STARTED_STATUSES: ReadonlySet<JobStatus> = new Set(['running', 'paused', 'ready', 'standby', 'waiting', 'pending']);

export const JobInvariants: readonly JobInvariant[] = [
  {
    id: 'pause-count-non-negative',
    description: 'pause_count (drains + the user pause) is never negative',
    kind: 'job',
    holds: (j) => j.drains >= 0 && pauseCount(j) >= 0,
  },
  {
    id: 'force-implies-cancelled',
    description: 'a force-cancelled job was cancelled (job_is_cancelled implies job_cancel_requested)',
    kind: 'job',
    holds: (j) => !j.force || j.cancelled,
  },
  {
    id: 'started-matches-status',
    description: 'a created or undefined job has not started; a running, paused, ready, standby, waiting or pending one has',
    kind: 'job',
    holds: (j) => (j.status === 'created' || j.status === 'undefined' ? !j.started : !STARTED_STATUSES.has(j.status) || j.started),
  },
  {
    id: 'ready-needs-ready-type',
    description: 'only a job type that converges (mirror, active commit) is ever ready or standby, or completing',
    kind: 'job',
    holds: (j) => j.hasReady || (j.status !== 'ready' && j.status !== 'standby' && !j.everReady && !j.completing),
  },
  {
    id: 'aborting-has-error',
    description: 'an aborting job has an error (job_update_rc sets it before the move)',
    kind: 'job',
    holds: (j) => j.status !== 'aborting' || j.error !== null,
  },
  {
    id: 'success-has-no-error',
    description: 'a waiting or pending job has no error: its run succeeded',
    kind: 'job',
    holds: (j) => (j.status !== 'waiting' && j.status !== 'pending') || j.error === null,
  },
  {
    id: 'force-cancelled-concludes-in-error',
    description: 'a force-cancelled job that concluded has an error (Operation canceled unless it failed first)',
    kind: 'job',
    holds: (j) => !(j.force && (j.status === 'concluded' || j.status === 'null')) || j.error !== null,
  },
  {
    id: 'finalizing-only-when-done',
    description: 'finalize was asked for only of a pending job (and it stays asked through abort and conclusion)',
    kind: 'job',
    holds: (j) => !j.finalizing || j.status === 'pending' || j.status === 'aborting' || j.status === 'concluded' || j.status === 'null',
  },
  {
    id: 'io-status-needs-user-pause',
    description: 'a failed io-status comes with the user pause of action stop; resume and cancel clear both',
    kind: 'job',
    holds: (j) => j.ioStatus === 'ok' || j.userPaused,
  },
  {
    id: 'aborted-txn-members-fail',
    description: 'every member of an aborting grouped transaction that is aborting or concluded ends with an error',
    kind: 'job',
    holds: (j, f) => !(f.grouped && f.aborting) || (j.status !== 'aborting' && j.status !== 'concluded') || j.error !== null,
  },
  {
    id: 'aborted-txn-forces-members',
    description: 'every created, unfinished member of an aborting grouped transaction has been force-cancelled, or is the one that failed',
    kind: 'job',
    holds: (j, f) => !(f.grouped && f.aborting) || COMPLETED_STATUSES.has(j.status) || j.status === 'undefined' || j.force,
  },
];

export const GroupInvariants: readonly GroupInvariant[] = [
  {
    id: 'creation-order',
    description: 'members are created in order: no member is undefined while a newer one exists',
    kind: 'group',
    holds: (statuses) => {
      let seenUndefined = false;
      for (const s of statuses) {
        if (s === 'undefined') seenUndefined = true;
        else if (seenUndefined) return false;
      }
      return true;
    },
  },
  {
    id: 'pending-waits-for-members',
    description: 'no member of a grouped transaction is pending while another is still created, running, paused, ready or standby',
    kind: 'group',
    holds: (statuses, f) => !f.grouped || !statuses.includes('pending') || !statuses.some((s) => RUNNING_LIKE.has(s)),
  },
  {
    id: 'concluded-newest-first',
    description: 'a grouped transaction concludes its members newest first: a concluded member has no unfinished newer member (one never created does not count)',
    kind: 'group',
    holds: (statuses, f) => {
      if (!f.grouped) return true;
      let unfinishedNewer = false;
      for (let k = statuses.length - 1; k >= 0; k--) {
        const s = statuses[k]!;
        if (s === 'concluded' && unfinishedNewer) return false;
        if (s !== 'concluded' && s !== 'null' && s !== 'undefined') unfinishedNewer = true;
      }
      return true;
    },
  },
];

const isCompletionEvent = (name: string) => name === 'BLOCK_JOB_COMPLETED' || name === 'BLOCK_JOB_CANCELLED';

export const TransitionInvariants: readonly TransitionInvariant[] = [
  {
    id: 'stt-legal',
    description: "every member's status change is an edge of QEMU's JobSTT",
    kind: 'transition',
    holds: (before, after) => after.status === before.status || JobSTT[before.status].includes(after.status),
  },
  {
    id: 'never-started-no-completion-event',
    description: 'a job that never started emits no BLOCK_JOB_COMPLETED or BLOCK_JOB_CANCELLED',
    kind: 'transition',
    holds: (before, _after, emitted) => before.started || !emitted.some((ev) => isCompletionEvent(ev.event)),
  },
  {
    id: 'progress-monotonic',
    description: 'current-progress never decreases',
    kind: 'transition',
    holds: (before, after) => after.current >= before.current,
  },
  {
    id: 'one-status-event-per-change',
    description: 'a step emits one JOB_STATUS_CHANGE for a member whose status changed, none otherwise (none at all before 3.0)',
    kind: 'transition',
    holds: (before, after, emitted, profile) => {
      const announced = emitted.filter((ev) => ev.event === 'JOB_STATUS_CHANGE');
      if (!profile.features.jobStatusChangeEvent) return announced.length === 0;
      if (after.status === before.status) return announced.length === 0;
      return announced.length === 1 && announced[0]!.data['status'] === after.status;
    },
  },
];

export const Invariants: readonly Invariant[] = [...JobInvariants, ...GroupInvariants, ...TransitionInvariants];

/** The ids of the state invariants a group violates. */
export function violatedStateInvariants(g: GroupContext): string[] {
  const flags: GroupFlags = { grouped: g.grouped, aborting: g.aborting };
  const out: string[] = [];
  for (const inv of JobInvariants) if (!g.jobs.every((j) => inv.holds(j, flags))) out.push(inv.id);
  const statuses = g.jobs.map((j) => j.status);
  for (const inv of GroupInvariants) if (!inv.holds(statuses, flags)) out.push(inv.id);
  return out;
}

/** The QMP events of a step that are about one member (by `id`, or `device` for the BLOCK_JOB_* events). */
export function eventsAbout(events: readonly EmittedEvent[], id: string): EmittedEvent[] {
  return events.filter((ev) => (ev.data['id'] ?? ev.data['device']) === id);
}

/** The ids of the transition invariants one member breaks across a step. */
export function violatedMemberInvariants(profile: Profile, before: JobContext, after: JobContext, emitted: readonly EmittedEvent[]): string[] {
  return TransitionInvariants.filter((inv) => !inv.holds(before, after, emitted, profile)).map((inv) => inv.id);
}

/** The ids of the transition invariants a step violates, member by member. */
export function violatedTransitionInvariants(profile: Profile, before: GroupContext, outcome: Outcome): string[] {
  const out = new Set<string>();
  before.jobs.forEach((j, k) => {
    for (const id of violatedMemberInvariants(profile, j, outcome.group.jobs[k] ?? j, eventsAbout(outcome.events, j.id))) out.add(id);
  });
  return [...out];
}
