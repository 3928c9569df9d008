/**
 * A corpus scenario: a Scenario (traces/scenario.ts) plus what the corpus driver needs to know about it.
 * These extra members stay in the scripts; a recorded trace carries only name, description and set-up.
 */
import type { SetupStep } from '../format.ts';
import type { Scenario, ScenarioStep } from '../scenario.ts';

export interface CorpusScenario extends Scenario {
  /** A release the scenario no longer applies to (it is skipped from this release on). */
  readonly beforeRelease?: string;
  /** Why `minRelease` / `beforeRelease` bound the scenario: what the releases left out do differently. Required with either. */
  readonly releaseReason?: string;
  /**
   * QEMU is expected never to answer one command (the grouped-transaction hang): on every release, or on
   * releases before `before`. The driver stops at the unanswered command after its reply time-out, the
   * target is killed, and the trace ends there.
   */
  readonly hangs?: true | { readonly before: string };
  /** `system`: the scenario needs a qemu-system-x86_64 (the snapshot jobs), and is recorded into traces/qemu-system-<release>. */
  readonly program?: 'system';
}

/** A scenario's family: the file it is defined in (backup, mirror, ...). */
export interface ScenarioFamily {
  readonly family: string;
  readonly scenarios: readonly CorpusScenario[];
}

/** Shorthands that keep the scripts readable. */
export const MiB = 1024 * 1024;
export const SIZE = 64 * MiB;

export function nullNode(name: string, extra: Record<string, unknown> = {}): SetupStep {
  return { blockdev: { driver: 'null-co', 'node-name': name, size: SIZE, ...extra } };
}

/** A null-co node under a blkdebug filter that fails every write with EIO (only the first one with `once`). */
export function failingNode(name: string, once = false): SetupStep {
  return {
    blockdev: {
      driver: 'blkdebug',
      'node-name': name,
      image: { driver: 'null-co', 'node-name': `${name}-img`, size: SIZE },
      'inject-error': [{ event: 'pwritev', errno: 5, ...(once ? { once: true } : {}) }],
    },
  };
}

export function cmd(name: string, args?: Record<string, unknown>, pipeline?: boolean): ScenarioStep {
  if (args === undefined) return pipeline === true ? { cmd: name, pipeline } : { cmd: name };
  return pipeline === true ? { cmd: name, args, pipeline } : { cmd: name, args };
}

/** Waits for a JOB_STATUS_CHANGE of `id` to `status`. */
export function status(id: string, s: string, timeout = 10): ScenarioStep {
  return { wait: 'JOB_STATUS_CHANGE', data: { id, status: s }, timeout };
}

export function event(name: string, data: Record<string, unknown>, timeout = 10): ScenarioStep {
  return { wait: name, data, timeout };
}

export const queries: readonly ScenarioStep[] = [cmd('query-jobs'), cmd('query-block-jobs')];

/** The argument that names the job: `id` for job-* and block-job-finalize / -dismiss / -change, else `device`. */
export function idArgument(command: string): 'id' | 'device' {
  return command.startsWith('job-') || command === 'block-job-finalize' || command === 'block-job-dismiss' || command === 'block-job-change' ? 'id' : 'device';
}

/** A verb command on job `id`, in either spelling: `verb('block-job-cancel', 'j0', {force: true})`. */
export function verb(command: string, id: string, extra: Record<string, unknown> = {}, pipeline?: boolean): ScenarioStep {
  return cmd(command, { [idArgument(command)]: id, ...extra }, pipeline);
}

/** The same verb commands, one after the other, on one job. */
export function verbs(id: string, commands: readonly (string | readonly [string, Record<string, unknown>])[]): ScenarioStep[] {
  return commands.map((c) => (typeof c === 'string' ? verb(c, id) : verb(c[0], id, c[1])));
}

/** `block-job-set-speed` with a negative speed, refused everywhere. */
export const NEGATIVE_SPEED = ['block-job-set-speed', { speed: -1 }] as const;
/** Holds a backup, stream or commit in `running` for a minute: 1 MiB/s over 64 MiB. */
export const SLOW = 1048576;
