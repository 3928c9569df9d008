/**
 * What a rule is: an id violations name, the group it belongs to, when it fires, what it reads from
 * the input, and the inputs without which it cannot be applied. docs/checker.md is generated from
 * these (`npm run docs:generate`).
 */

import type { JobVerb } from '../../machines/index.ts';
import type { JobTrack } from '../job.ts';

/** The parts of an input a rule may need. */
export const Inputs = {
  'wire-order': 'the messages in the order they crossed the socket, commands included (a wire trace; an iotests log reorders events after replies)',
  'status-events': 'JOB_STATUS_CHANGE events (QEMU 3.0 on; some logs filter them)',
  commands: 'the commands sent, with their arguments, matched to their replies',
  'block-events': 'BLOCK_JOB_* events',
  queries: 'answers to query-jobs / query-block-jobs',
  creation:
    "each job's creating command (its auto-finalize, auto-dismiss and transaction): missing for a job the session adopted from a query answer, one that existed before the connection",
} as const;

export type Input = keyof typeof Inputs;

export interface RuleInfo {
  /** When the rule is broken, in one line. */
  readonly summary: string;
  /** What the rule reads, in words. */
  readonly reads: string;
  /** Inputs the rule needs; without one of them it is not applied (the result says so). */
  readonly needs: readonly Input[];
  /** The check at each status change, for rules judged there (the core dispatches every status change to them). */
  readonly onTransition?: TransitionCheck;
  /**
   * The status changes (from, to; encoding.ts indexes) at which `onTransition` can find anything: the
   * core calls it only at these (default: at every one). test/conformance/rules.test.ts checks the
   * check finds nothing elsewhere.
   */
  readonly edges?: (from: number, to: number) => boolean;
  /** The check at each BLOCK_JOB_READY / PENDING / COMPLETED / CANCELLED of a block job. */
  readonly onBlockEvent?: BlockEventCheck;
  /** The check at the reply of each accepted verb command, in a wire trace with status events. */
  readonly onVerbAccepted?: VerbCheck;
  /** The check at each job a query answer lists. */
  readonly onQueryEntry?: QueryEntryCheck;
}

/** What a rule sees at one job of a query answer. */
export interface QueryEntryFacts {
  readonly job: JobTrack;
  /** The listed status (encoding.ts index; -1 when it is not a JobStatus). */
  readonly status: number;
  readonly entry: Readonly<Record<string, unknown>>;
  /** query-jobs or query-block-jobs. */
  readonly command: string;
  readonly block: boolean;
  readonly wire: boolean;
  /** The release's `ready` field was observed to mean ready-or-standby in this status. */
  readonly readyObserved: boolean;
}

export type QueryEntryCheck = (f: QueryEntryFacts) => readonly Finding<never>[];

/** What a rule sees at an accepted verb command's reply, after its effects on the job's flags. */
export interface VerbFacts {
  readonly job: JobTrack;
  readonly verb: JobVerb;
  /** The command's name, e.g. job-finalize. */
  readonly command: string;
}

/** Findings about jobs, each naming the job it concerns. */
export type VerbCheck = (f: VerbFacts) => readonly (Finding<never> & { readonly job: string })[];

/** What a rule sees at a BLOCK_JOB_* event of a block job, before the event changes what the checker knows. */
export interface BlockEventFacts<P> {
  readonly job: JobTrack;
  readonly event: 'BLOCK_JOB_READY' | 'BLOCK_JOB_PENDING' | 'BLOCK_JOB_COMPLETED' | 'BLOCK_JOB_CANCELLED';
  /** The event carries `error` (a failed job's BLOCK_JOB_COMPLETED). */
  readonly hasError: boolean;
  readonly wire: boolean;
  readonly shutdown: boolean;
  pending(id: string, verbs: readonly JobVerb[]): readonly P[];
}

export type BlockEventCheck = <P>(f: BlockEventFacts<P>) => Finding<P> | undefined;

/**
 * What a rule sees at a status change: the job (its status is still `from`), the new status, and the
 * unanswered commands (`P`, opaque to rules) that could have caused it.
 */
export interface TransitionFacts<P> {
  readonly job: JobTrack;
  readonly from: number;
  readonly to: number;
  /** A wire trace: commands and their order are known. */
  readonly wire: boolean;
  /** `quit` was sent or SHUTDOWN seen: QEMU cancels and dismisses jobs on its own. */
  readonly shutdown: boolean;
  /** The unanswered commands applying one of `verbs` to job `id`. */
  pending(id: string, verbs: readonly JobVerb[]): readonly P[];
}

/** Why a step is allowed: certainly (`true`), or by these unanswered commands if one is accepted (none: not allowed). */
export type Cause<P> = true | readonly P[];

/** A broken rule: what happened and what was allowed; with `causes`, only if every one of those commands is refused. */
export interface Finding<P> {
  readonly message: string;
  readonly allowed: string;
  readonly causes?: readonly P[];
}

export type TransitionCheck = <P>(f: TransitionFacts<P>) => Finding<P> | undefined;

/** A finding unless `cause` allows the step. */
export function unless<P>(cause: Cause<P>, message: string, allowed: string): Finding<P> | undefined {
  if (cause === true) return undefined;
  return { message, allowed, causes: cause };
}

/** The first certain cause, else every command that could be one. */
export function anyCause<P>(...causes: Cause<P>[]): Cause<P> {
  const out: P[] = [];
  for (const c of causes) {
    if (c === true) return true;
    for (const p of c) if (!out.includes(p)) out.push(p);
  }
  return out;
}

export interface RuleGroup<R extends Readonly<Record<string, RuleInfo>>> {
  readonly title: string;
  readonly rules: R;
}
