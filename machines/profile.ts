/**
 * A release profile: everything about the job API that depends on the QEMU release, resolved once.
 * Any release from 2.12 up resolves to a profile; releases newer than the newest transcribed one
 * behave as it does. The release a QMP greeting names selects the profile.
 */
import { CreatorCommands, OtherCommands, RemovedCommands, VerbCommands } from './commands.ts';
import { JobEvents, JobStatus, JobType, JobTypeSince, JobVerb, JobVerbSince, type JobEventName } from './qapi.ts';
import {
  atLeast,
  compareReleases,
  formatRelease,
  LATEST_RELEASE,
  OLDEST_RELEASE,
  parseRelease,
  releaseFromGreeting,
  type Release,
} from './release.ts';
import { JobSTT, JobVerbTables, type TransitionTable, type VerbTable } from './tables.ts';

export interface Features {
  /** JOB_STATUS_CHANGE and query-jobs exist (3.0). Before, status can only be polled. */
  readonly jobStatusChangeEvent: boolean;
  /** job-complete refuses while a pause is pending (5.2 and older). */
  readonly completeRefusedWhilePaused: boolean;
  /** Soft cancel after the job's run has returned is ignored; txn peers are force-cancelled (6.2). */
  readonly cancelSemantics62: boolean;
  /** job-pause kicks a running job so it parks at once (6.0). */
  readonly pauseKicksJob: boolean;
}

export interface Profile {
  /** The release as asked for, e.g. "10.0". */
  readonly release: string;
  readonly version: Release;
  readonly statuses: readonly JobStatus[];
  /** The verbs this release has, in QAPI order. */
  readonly verbs: readonly JobVerb[];
  readonly transitions: TransitionTable;
  readonly verbTable: VerbTable;
  /** The job types this release has, in QAPI order. */
  readonly jobTypes: readonly JobType[];
  /** The job-API commands this release has. */
  readonly commands: ReadonlySet<string>;
  /** The job events this release emits (JOB_STATUS_CHANGE from 3.0). */
  readonly events: ReadonlySet<JobEventName>;
  readonly features: Features;
}

export class UnknownReleaseError extends Error {
  override readonly name = 'UnknownReleaseError';
}

function exists(release: Release, since: string, removedIn?: string): boolean {
  return atLeast(release, since) && (removedIn === undefined || !atLeast(release, removedIn));
}

const cache = new Map<string, Profile>();

/** The profile of a release: "7.2", "10.0.2", or a parsed Release. Throws UnknownReleaseError below 2.12 or on garbage. */
export function profileFor(release: string | Release): Profile {
  const version = typeof release === 'string' ? parseRelease(release) : release;
  if (!version) throw new UnknownReleaseError(`not a QEMU release: '${String(release)}' (expected MAJOR.MINOR, e.g. 7.2)`);
  if (compareReleases(version, OLDEST_RELEASE) < 0) {
    throw new UnknownReleaseError(
      `QEMU ${formatRelease(version)} has no job state machine; releases from ${formatRelease(OLDEST_RELEASE)} up are modelled`,
    );
  }
  const name = formatRelease(version);
  const hit = cache.get(name);
  if (hit) return hit;
  let verbTable: VerbTable = {};
  for (const entry of JobVerbTables) if (atLeast(version, entry.since)) verbTable = entry.table;
  const commands = new Set<string>();
  const all = { ...VerbCommands, ...CreatorCommands, ...OtherCommands } as Record<string, { since: string }>;
  for (const [command, spec] of Object.entries(all)) {
    if (exists(version, spec.since, RemovedCommands[command])) commands.add(command);
  }
  if (!atLeast(version, '3.0')) commands.delete('query-jobs');
  const profile: Profile = {
    release: name,
    version,
    statuses: JobStatus,
    verbs: JobVerb.filter((v) => atLeast(version, JobVerbSince[v])),
    transitions: JobSTT,
    verbTable,
    jobTypes: JobType.filter((t) => atLeast(version, JobTypeSince[t])),
    commands,
    events: new Set((Object.keys(JobEvents) as JobEventName[]).filter((e) => atLeast(version, JobEvents[e].since))),
    features: {
      jobStatusChangeEvent: atLeast(version, '3.0'),
      completeRefusedWhilePaused: !atLeast(version, '6.0'),
      cancelSemantics62: atLeast(version, '6.2'),
      pauseKicksJob: atLeast(version, '6.0'),
    },
  };
  cache.set(name, profile);
  return profile;
}


/** The profile a QMP greeting names, or undefined when it names no version. */
export function profileForGreeting(greeting: unknown): Profile | undefined {
  const r = releaseFromGreeting(greeting);
  return r ? profileFor(r) : undefined;
}

export function latestProfile(): Profile {
  return profileFor(LATEST_RELEASE);
}

/** Whether `name` is a command of the job API in some release (so a release without it must refuse it). */
export function isJobApiCommand(name: string): boolean {
  return Object.hasOwn(VerbCommands, name) || Object.hasOwn(CreatorCommands, name) || Object.hasOwn(OtherCommands, name) || Object.hasOwn(RemovedCommands, name);
}

/** The release a job-API command or job event appeared in, for messages. */
export function sinceOf(name: string): string | undefined {
  const all = { ...VerbCommands, ...CreatorCommands, ...OtherCommands, ...JobEvents } as Record<string, { since: string }>;
  return Object.hasOwn(all, name) ? all[name]!.since : undefined;
}

/** Whether the profile's verb table accepts `verb` in `status`. A verb the release lacks is accepted nowhere. */
export function verbAllowed(profile: Profile, verb: JobVerb, status: JobStatus): boolean {
  return profile.verbTable[verb]?.includes(status) ?? false;
}

/** The tables as `qjob tables --json` prints them. */
export function tablesJson(profile: Profile): {
  release: string;
  statuses: JobStatus[];
  verbs: JobVerb[];
  transitions: Record<JobStatus, JobStatus[]>;
  verbTable: Record<string, JobStatus[]>;
} {
  const transitions = {} as Record<JobStatus, JobStatus[]>;
  for (const s of profile.statuses) transitions[s] = [...profile.transitions[s]];
  const verbTable: Record<string, JobStatus[]> = {};
  for (const v of profile.verbs) verbTable[v] = [...(profile.verbTable[v] ?? [])];
  return { release: profile.release, statuses: [...profile.statuses], verbs: [...profile.verbs], transitions, verbTable };
}
