/** What a check reports: violations (the trace is not a behaviour of the model), warnings, options. */
import type { TraceStyle } from '../traces/reader.ts';
import type { CoverageCollector } from './coverage.ts';
import type { RuleId, WarningId } from './rules.ts';

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
  /** Violations kept per trace (default 1000); further ones are only counted. */
  readonly maxViolations?: number;
}
