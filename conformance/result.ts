/** What a check reports: violations (the trace is not a behaviour of the model), warnings, options. */
import type { TraceStyle } from '../traces/reader.ts';
import type { CoverageCollector } from './coverage.ts';
import type { Input, RuleId, WarningId } from './rules/index.ts';

export interface Violation {
  readonly file: string;
  /** 1-based line of the message that broke the rule. */
  readonly line: number;
  /** The job concerned, when there is one. */
  readonly job?: string;
  readonly rule: RuleId;
  /** What happened, in words. */
  readonly message: string;
  /** The QMP message, shortened. */
  readonly msg: string;
  /** What the model allowed at that point (legal next statuses, the expected reply, ...). */
  readonly allowed: string;
}

/** A violation not yet recorded: the message it names is shortened only when it is. */
export type ViolationDraft = Omit<Violation, 'msg'> & { readonly raw: Readonly<Record<string, unknown>> };

export interface CheckWarning {
  readonly file: string;
  readonly line: number;
  readonly rule: WarningId;
  readonly message: string;
}

export interface CheckResult {
  readonly file: string;
  readonly ok: boolean;
  /** The release whose rules were applied, e.g. "7.2". */
  readonly release: string;
  /** How the release was chosen. */
  readonly releaseFrom: 'option' | 'greeting' | 'latest';
  readonly strict: boolean;
  readonly style: TraceStyle;
  /** Trace messages checked. */
  readonly messages: number;
  readonly violations: readonly Violation[];
  /** Violations beyond the cap, counted but not kept. */
  readonly moreViolations: number;
  readonly warnings: readonly CheckWarning[];
  /** What was read and judged. */
  readonly judged: Judged;
  /** Inputs the trace lacks, each with the rules that could not be applied without it. */
  readonly notApplied: readonly NotApplied[];
}

export interface Judged {
  /** Trace messages read (as `messages`). */
  readonly messages: number;
  /** Commands whose reply was read. */
  readonly commands: number;
  /** Job verb commands whose reply was judged against the release's tables. */
  readonly verbReplies: number;
  /** Job-creating commands whose reply was judged (its shape, its jobs' events when the trace has them). */
  readonly creatorReplies: number;
  /** Refusals naming a status (`Job '<id>' in state '<s>' cannot accept command verb '<v>'`) judged. */
  readonly refusals: number;
  /** query-jobs / query-block-jobs answers judged. */
  readonly queries: number;
  /** JOB_STATUS_CHANGE events. */
  readonly statusEvents: number;
  /** BLOCK_JOB_* events. */
  readonly blockEvents: number;
  /** Claims of log replies about a job's status (iotests logs). */
  readonly logClaims: number;
}

export interface NotApplied {
  readonly input: Input;
  readonly rules: readonly RuleId[];
}

/** Whether anything about jobs was judged: a job event, a verb or creator reply, a refusal or a query answer. */
export function judgedAnything(j: Judged): boolean {
  return j.statusEvents + j.blockEvents + j.verbReplies + j.creatorReplies + j.refusals + j.queries > 0;
}

export interface CheckOptions {
  /** The release whose rules apply, overriding the greeting ("7.2", "10.0"). */
  readonly release?: string;
  /** Also compare error texts with QEMU's exactly. */
  readonly strict?: boolean;
  /** The name violations carry; default "<trace>". */
  readonly file?: string;
  /**
   * `wire` (default): messages in the order they crossed the socket, commands included.
   * `log`: an iotests-style log, whose events may be printed after replies that followed them and
   * whose commands may be missing; only the rules that hold under that reordering are applied.
   */
  readonly style?: TraceStyle;
  /** Receives the STT edges and (status, verb) cells the trace exercises. */
  readonly coverage?: CoverageCollector;
  /** The session starts with a fresh QEMU (no job before it): no job is adopted from a query answer. */
  readonly freshQemu?: boolean;
  /** Violations kept per trace (default 1000); further ones are only counted. */
  readonly maxViolations?: number;
}
