/**
 * A scenario: what a client does in one QMP session, as data. It is the form the corpus scripts,
 * `qjob paths`, `qjob verify` and `qjob replay` share, and it follows the step format of the shared
 * sample manifests: send a command, wait for an event, or sleep.
 */
import type { SetupStep } from './format.ts';

export type ScenarioStep =
  /** Send a command and wait for its reply. `pipeline: true` sends it without waiting for the previous reply. */
  | { readonly cmd: string; readonly args?: Readonly<Record<string, unknown>>; readonly pipeline?: boolean }
  /** Wait until an event arrives whose `data` contains these members (time-out in seconds). */
  | { readonly wait: string; readonly data?: Readonly<Record<string, unknown>>; readonly timeout?: number }
  /** Let time pass (seconds). Prefer waits. */
  | { readonly sleep: number };

export interface Scenario {
  readonly name: string;
  readonly desc?: string;
  /** The release the scenario needs at least (e.g. "8.2" for block-job-change). */
  readonly minRelease?: string;
  /** Block nodes and images the target must provide; a target's default set-up when absent. */
  readonly setup?: readonly SetupStep[];
  readonly steps: readonly ScenarioStep[];
}

export function isCommandStep(s: ScenarioStep): s is Extract<ScenarioStep, { cmd: string }> {
  return 'cmd' in s;
}
export function isWaitStep(s: ScenarioStep): s is Extract<ScenarioStep, { wait: string }> {
  return 'wait' in s;
}
