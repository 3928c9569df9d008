/**
 * `qjob verify` as a function: probe the target, then let fast-check generate scenarios (actions.ts),
 * plan each on the reference model (planner.ts), run and record it on the target, and judge the session
 * (runner.ts). Seeded; on a failure fast-check shrinks the actions to a minimal scenario, whose session
 * is written as a trace, with the seed and path that replay it. Coverage is the (status, verb) cells and
 * STT edges the trace checker saw in every session run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { Coverage, CELL_STATUSES } from '../conformance/index.ts';
import { formatRelease, JobStatus, JobVerb, releaseFromGreeting, sttAllows } from '../machines/index.ts';
import { isQmpError } from '../qmp/index.ts';
import { INJECT_COMMAND } from '../server/index.ts';
import type { Session, Target } from '../targets/index.ts';
import { formatLine } from '../traces/format.ts';
import type { Scenario } from '../traces/scenario.ts';
import { inShard, type Shard } from '../traces/shard.ts';
import { actionsArbitrary, type Action } from './actions.ts';
import { controlledEnv, discoverEnv, isControlled, TargetProbeError, VERIFY_SETUP, VERIFY_SETUP_NO_IMAGES, type VerifyEnv } from './env.ts';
import type { VerifyViolation } from './invariants.ts';
import { planScenario } from './planner.ts';
import { runPlan, type RunRecord } from './runner.ts';

export interface VerifyProgress {
  /** Runs done (shrinking runs not counted). */
  readonly runs: number;
  readonly total: number;
  readonly failures: number;
  readonly shrinking: boolean;
  readonly cells: number;
  readonly edges: number;
}

export interface VerifyOptions {
  readonly target: Target;
  /** The target string, for the replay command line. */
  readonly targetSpec?: string;
  readonly runs?: number;
  /** Run only the runs whose number is `index` modulo `count` (1-based index): n shards together run each run once. */
  readonly shard?: Shard;
  /** fast-check's seed; random (and reported) when absent. */
  readonly seed?: number;
  /** fast-check's path of a counterexample, to replay it. */
  readonly path?: string;
  /** Judge by this release's rules instead of the greeting's. */
  readonly release?: string;
  /** Compare error texts exactly (default true). */
  readonly strict?: boolean;
  /** Shrink a failure to a minimal scenario (default true). */
  readonly shrink?: boolean;
  /** Time shrinking may take (default 120 s); then the smallest failing scenario found so far is reported. */
  readonly shrinkBudgetMs?: number;
  readonly maxActions?: number;
  /** Folder for the failing session's trace; undefined: a new folder in the system temporary folder; null: write none. */
  readonly failureDir?: string | null;
  readonly replyTimeoutMs?: number;
  readonly onProgress?: (progress: VerifyProgress) => void;
  /** An environment already probed (skips probing). */
  readonly env?: VerifyEnv;
}

export interface VerifyFailure {
  /** The run (1-based) that first failed. */
  readonly run: number;
  readonly seed: number;
  /** fast-check's counterexample path: `--seed S --path P` replays the shrunk scenario. */
  readonly path: string;
  readonly shrinks: number;
  readonly violations: readonly VerifyViolation[];
  readonly scenario: Scenario;
  readonly actions: readonly Action[];
  /** The failing session, written as a trace. */
  readonly traceFile?: string;
  readonly replay: string;
  /** An exception a run threw (a bug of qjob, or the target went away), instead of violations. */
  readonly error?: string;
}

export interface CoverageReport {
  readonly cells: readonly (readonly [JobStatus, JobVerb])[];
  readonly edges: readonly (readonly [JobStatus, JobStatus])[];
  /** Cells the release has (its verbs × statuses a command can meet) and STT edges, for "x of y". */
  readonly cellTotal: number;
  readonly edgeTotal: number;
}

/** One run of the report: its number (1-based), the seed it ran under and whether it conformed. */
export interface RunResult {
  readonly run: number;
  readonly seed: number;
  readonly ok: boolean;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly target: string;
  readonly release: string;
  readonly runs: number;
  readonly seed: number;
  readonly coverage: CoverageReport;
  readonly failures: readonly VerifyFailure[];
  /** Every run, in order (shrinking runs not counted). */
  readonly results: readonly RunResult[];
  /** The shard these runs were, when the runs were split. */
  readonly shard?: Shard;
  readonly durationMs: number;
  /** Why the run failed other than by a violation (nothing covered). */
  readonly problem?: string;
}

/** What the target offers; throws TargetProbeError / target errors when it cannot be used. */
export async function probeTarget(target: Target, release?: string): Promise<VerifyEnv> {
  if (isControlled(target)) {
    let session: Session;
    let withImages = true;
    try {
      session = await target.open({ scenario: 'verify-probe', setup: VERIFY_SETUP });
    } catch (error) {
      // No qemu-img (or no qcow2): verify without the image block-stream needs.
      try {
        session = await target.open({ scenario: 'verify-probe', setup: VERIFY_SETUP_NO_IMAGES });
      } catch {
        throw error;
      }
      withImages = false;
    }
    try {
      const r = releaseFromGreeting(session.client.greeting);
      const found = release ?? (r ? formatRelease(r) : undefined);
      if (found === undefined) throw new TargetProbeError('the greeting names no QEMU version; give --release');
      const commands = await session.client.execute<{ name: string }[]>('query-commands');
      const inject = !isQmpError(commands) && commands.return.some((c) => c.name === INJECT_COMMAND);
      const snapshots = !isQmpError(commands) && commands.return.some((c) => c.name === 'snapshot-save');
      // The model answers in milliseconds: a wait that takes seconds already means the event is missing.
      return controlledEnv(found, { injectCommand: inject, withImages, snapshots, ...(target.name.startsWith('model') ? { waitTimeoutS: 3 } : {}) });
    } finally {
      await session.close();
    }
  }
  const session = await target.open();
  try {
    return await discoverEnv(session.client, release);
  } finally {
    await session.close();
  }
}

export function coverageReport(coverage: Coverage, env: VerifyEnv): CoverageReport {
  const json = coverage.toJSON();
  // Cells of verbs the release has (a verb it lacks is CommandNotFound in every state).
  const cells = json.cells.filter((c) => c.accepted + c.refused > 0 && env.profile.verbs.includes(c.verb)).map((c) => [c.status, c.verb] as const);
  const edges = json.edges.filter((e) => e.count > 0).map((e) => [e.from, e.to] as const);
  const cellTotal = CELL_STATUSES.length * env.profile.verbs.length;
  let edgeTotal = 0;
  for (const from of JobStatus) for (const to of JobStatus) if (from !== to && sttAllows(from, to)) edgeTotal++;
  return { cells, edges, cellTotal, edgeTotal };
}

function replayCommand(options: VerifyOptions, seed: number, pathText: string): string {
  const parts = ['npx qjob verify'];
  if (options.targetSpec !== undefined) parts.push(`--target ${options.targetSpec}`);
  if (options.release !== undefined) parts.push(`--release ${options.release}`);
  parts.push(`--seed ${seed}`, `--path "${pathText}"`);
  if (options.maxActions !== undefined) parts.push(`--max-actions ${options.maxActions}`);
  return parts.join(' ');
}

function writeTrace(dir: string, seed: number, record: RunRecord, extra: Record<string, unknown>): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `verify-failure-${seed}.jsonl`);
  const text = formatLine({ meta: { ...record.meta, ...extra } }) + record.lines.map((l) => formatLine(l)).join('');
  fs.writeFileSync(file, text);
  return file;
}

export async function verify(options: VerifyOptions): Promise<VerifyReport> {
  const started = performance.now();
  const env = options.env ?? (await probeTarget(options.target, options.release));
  const numRuns = options.runs ?? 100;
  const shard = options.shard;
  let total = 0;
  for (let run = 1; run <= numRuns; run++) if (inShard(run, shard)) total++;
  const seed = options.seed ?? (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) >>> 0;
  const strict = options.strict ?? true;
  const coverage = new Coverage();
  let runs = 0;
  /** The number of the current run, counting runs of other shards. */
  let index = 0;
  let failures = 0;
  let shrinking = false;
  let lastFailure: { record: RunRecord; actions: readonly Action[] } | undefined;
  let firstFailingRun = 0;
  const results: RunResult[] = [];
  const report = (): void => {
    if (!options.onProgress) return;
    const c = coverageReport(coverage, env);
    options.onProgress({ runs, total, failures, shrinking, cells: c.cells.length, edges: c.edges.length });
  };
  let shrinkStarted = 0;
  const budget = options.shrinkBudgetMs ?? 120_000;
  const property = fc.asyncProperty(actionsArbitrary({ maxActions: options.maxActions, snapshots: env.snapshots !== undefined }), async (actions) => {
    // Past the shrinking budget every further candidate counts as passing, so fast-check stops at the smallest failure so far.
    if (shrinking && performance.now() - shrinkStarted > budget) return true;
    if (!shrinking) {
      index++;
      if (!inShard(index, shard)) return true;
    }
    const n = shrinking ? firstFailingRun : index;
    const plan = planScenario(actions, env, shrinking ? `run-${n}-shrink` : `run-${n}`);
    let record: RunRecord;
    try {
      record = await runPlan(options.target, plan, env, {
        strict,
        coverage,
        ...(options.release !== undefined ? { release: options.release } : {}),
        ...(options.replyTimeoutMs !== undefined ? { replyTimeoutMs: options.replyTimeoutMs } : {}),
        meta: { seed, target: options.targetSpec ?? options.target.name },
      });
    } catch (error) {
      if (!shrinking) results.push({ run: n, seed, ok: false });
      throw error;
    }
    if (!shrinking) {
      runs++;
      results.push({ run: index, seed, ok: record.ok });
    }
    if (!record.ok) {
      lastFailure = { record, actions };
      if (!shrinking) {
        failures++;
        firstFailingRun = index;
        shrinking = options.shrink !== false;
        shrinkStarted = performance.now();
      }
    }
    report();
    return record.ok;
  });
  const details = await fc.check(property, {
    seed,
    numRuns,
    ...(options.path !== undefined ? { path: options.path } : {}),
    endOnFailure: options.shrink === false,
  });
  const failureList: VerifyFailure[] = [];
  if (details.failed) {
    const pathText = details.counterexamplePath ?? '';
    const replay = replayCommand(options, seed, pathText);
    const counter = details.counterexample?.[0] ?? lastFailure?.actions ?? [];
    // The last failing run is the shrunk counterexample (shrinking stops at the last candidate that failed).
    const last = lastFailure;
    let traceFile: string | undefined;
    if (last && options.failureDir !== null) {
      traceFile = writeTrace(options.failureDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'qjob-verify-')), seed, last.record, { seed, path: pathText, replay });
    }
    const error = details.errorInstance instanceof Error && !last ? details.errorInstance.message : undefined;
    failureList.push({
      run: firstFailingRun || index,
      seed,
      path: pathText,
      shrinks: details.numShrinks,
      violations: last?.record.violations ?? [],
      scenario: last?.record.plan.scenario ?? planScenario(counter, env).scenario,
      actions: counter,
      ...(traceFile !== undefined ? { traceFile } : {}),
      replay,
      ...(error !== undefined ? { error } : {}),
    });
  }
  const cov = coverageReport(coverage, env);
  const nothing = cov.cells.length === 0 && cov.edges.length === 0;
  return {
    ok: !details.failed && !nothing,
    target: options.targetSpec ?? options.target.name,
    release: env.release,
    runs,
    seed,
    coverage: cov,
    failures: failureList,
    results,
    ...(shard !== undefined ? { shard } : {}),
    durationMs: Math.round(performance.now() - started),
    ...(nothing ? { problem: 'the runs covered no (status, verb) cell and no STT edge: nothing was verified' } : {}),
  };
}
