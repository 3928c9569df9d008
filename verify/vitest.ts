/**
 * The conformance suite in a vitest run: `defineConformanceSuite({target: 'qmp:unix:/run/my.sock'})`
 * registers a describe block whose tests run `qjob verify` against the target and fail with the
 * report (the violations, the shrunk scenario's trace file, and the command that replays it).
 * docs/verify.md has a copy-paste example.
 */
import { describe, expect, it } from 'vitest';
import { modelTarget, registerModelTarget } from '../server/index.ts';
import { parseTarget, type Target } from '../targets/index.ts';
import { formatVerifyText } from './report.ts';
import { verify, type VerifyReport } from './verify.ts';

export interface ConformanceSuiteOptions {
  /** A target string (`qmp:unix:PATH`, `qemu:PATH`, `model:7.2`, ...) or a Target; default the model server. */
  readonly target?: string | Target;
  /** Scenarios to run (default 50). */
  readonly runs?: number;
  /** fast-check seed; fix it in CI so a failure replays (default 1). */
  readonly seed?: number;
  /** Judge by this release's rules instead of the greeting's. */
  readonly release?: string;
  /** Fail unless at least this many (status, verb) cells were covered (default 1: something ran). */
  readonly minCells?: number;
  /** Compare error texts exactly (default true). */
  readonly strict?: boolean;
  /** Folder for the failing session's trace (default: a new folder in the system temporary folder). */
  readonly failureDir?: string;
  /** Time limit of the whole run, ms (default 10 minutes). */
  readonly timeoutMs?: number;
  /** The describe block's name. */
  readonly name?: string;
}

function targetOf(spec: string | Target | undefined): Target {
  if (spec === undefined) return modelTarget();
  if (typeof spec !== 'string') return spec;
  registerModelTarget();
  return parseTarget(spec);
}

/** Registers the conformance suite for one target as vitest tests. */
export function defineConformanceSuite(options: ConformanceSuiteOptions = {}): void {
  const target = targetOf(options.target);
  const runs = options.runs ?? 50;
  const seed = options.seed ?? 1;
  const minCells = options.minCells ?? 1;
  let report: VerifyReport | undefined;
  describe(options.name ?? `qjob conformance: ${target.name}`, () => {
    it(`conforms in ${runs} random scenarios (seed ${seed})`, async () => {
      report = await verify({
        target,
        targetSpec: typeof options.target === 'string' ? options.target : target.name,
        runs,
        seed,
        ...(options.release !== undefined ? { release: options.release } : {}),
        ...(options.strict !== undefined ? { strict: options.strict } : {}),
        ...(options.failureDir !== undefined ? { failureDir: options.failureDir } : {}),
      });
      expect(report.failures, formatVerifyText(report)).toEqual([]);
    }, options.timeoutMs ?? 600_000);
    it(`covers at least ${minCells} (status, verb) cells`, () => {
      if (!report) throw new Error('the conformance run did not complete');
      expect(report.coverage.cells.length, formatVerifyText(report, true)).toBeGreaterThanOrEqual(minCells);
    });
  });
}
