/**
 * Extension points of the model server, for faulty variants (mutants/): each hook may rewrite one
 * thing the server decides. The reference server has none. Hooks see plain data and return plain data,
 * so a fault is a small function, not a fork of the server.
 */
import type { GroupContext, JobContext, ModelEvent, Outcome, Profile, VerbEvent } from '../machines/index.ts';
import type { Args } from './args.ts';
import type { ServerError } from './errors.ts';

export type WireEntry = Record<string, unknown>;

export interface StepInput {
  readonly profile: Profile;
  readonly group: GroupContext;
  readonly event: ModelEvent;
  readonly outcome: Outcome | undefined;
}

/** A check a creating command makes that a hook may switch off. */
export type CreationCheck = 'job-id-valid' | 'job-id-unique' | 'node-busy' | 'node-exists';

export interface ServerHooks {
  /** Rewrites the release profile the server runs (its tables and features). */
  readonly profile?: (profile: Profile) => Profile;
  /** Rewrites the outcome of one step of the model (the group before it and the event are given). */
  readonly step?: (input: StepInput) => Outcome | undefined;
  /** Rewrites the model event a verb command becomes. */
  readonly verbEvent?: (event: VerbEvent) => VerbEvent;
  /** Rewrites the error a command answers (undefined: success), after the server decided it. */
  readonly reply?: (command: string, args: Args, error: ServerError | undefined) => ServerError | undefined;
  /**
   * Rewrites query-jobs (newest first). `dismissed`: jobs that went `null` lately, as entries; `jobs`:
   * the model's state of every listed job.
   */
  readonly queryJobs?: (entries: WireEntry[], dismissed: readonly WireEntry[], jobs: readonly JobContext[]) => WireEntry[];
  /** Rewrites query-block-jobs (newest first); `jobs` are all jobs, block jobs or not. */
  readonly queryBlockJobs?: (entries: WireEntry[], dismissed: readonly WireEntry[], jobs: readonly JobContext[]) => WireEntry[];
  /** Checks of the creating commands to leave out. */
  readonly skipChecks?: ReadonlySet<CreationCheck>;
  /** A grouped transaction's jobs are not put in one JobTxn. */
  readonly ungroup?: boolean;
}
