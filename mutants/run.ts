/**
 * Runs the conformance suite (verify/) against every mutant of the reference server and says which it
 * caught. The suite first runs against the reference server itself, at each release a mutant claims:
 * a mutant only counts as killed by a suite that passes the real thing.
 */
import { performance } from 'node:perf_hooks';
import { formatRelease, LATEST_RELEASE } from '../machines/index.ts';
import { modelTarget } from '../server/index.ts';
import { controlledEnv, verify, type VerifyReport } from '../verify/index.ts';
import { MUTANTS, type Mutant } from './catalog.ts';

export const DEFAULT_MUTANT_SEED = 5150;
export const DEFAULT_MUTANT_RUNS = 500;

export interface MutantResult {
  readonly id: string;
  readonly family: Mutant['family'];
  readonly description: string;
  readonly release: string;
  readonly killed: boolean;
  /** Runs until the first failure (or all of them). */
  readonly runs: number;
  /** The rules the failing run broke. */
  readonly rules: readonly string[];
  /** The first violation, in words. */
  readonly evidence?: string;
  readonly durationMs: number;
}

export interface BaselineResult {
  readonly release: string;
  readonly ok: boolean;
  readonly runs: number;
  readonly cells: number;
  readonly edges: number;
  readonly problem?: string;
}

export interface MutantsReport {
  readonly seed: number;
  readonly runs: number;
  readonly baseline: readonly BaselineResult[];
  readonly results: readonly MutantResult[];
  readonly killed: number;
  readonly total: number;
  readonly durationMs: number;
}

export interface MutantsOptions {
  readonly runs?: number;
  readonly seed?: number;
  /** Mutant ids to run (default all). */
  readonly only?: readonly string[];
  /** Mutants run side by side. */
  readonly concurrency?: number;
  readonly onResult?: (result: MutantResult, done: number, total: number) => void;
}

function releaseOf(m: Mutant): string {
  return m.release ?? formatRelease(LATEST_RELEASE);
}

async function suite(m: Mutant | undefined, release: string, runs: number, seed: number): Promise<VerifyReport> {
  const target = modelTarget({ release, name: m ? `mutant:${m.id}` : `model:${release}`, ...(m ? { hooks: m.hooks } : {}) });
  return verify({ target, env: controlledEnv(release, { injectCommand: true, waitTimeoutS: 2 }), runs, seed, shrink: false, failureDir: null, strict: true });
}

async function pool<T, R>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, () => worker()));
  return out;
}

export async function runMutants(options: MutantsOptions = {}): Promise<MutantsReport> {
  const started = performance.now();
  const runs = options.runs ?? DEFAULT_MUTANT_RUNS;
  const seed = options.seed ?? DEFAULT_MUTANT_SEED;
  const unknown = (options.only ?? []).filter((id) => !MUTANTS.some((m) => m.id === id));
  if (unknown.length > 0) throw new Error(`no mutant named ${unknown.map((u) => `'${u}'`).join(', ')}`);
  const chosen = options.only && options.only.length > 0 ? MUTANTS.filter((m) => options.only!.includes(m.id)) : MUTANTS;
  const releases = [...new Set(chosen.map(releaseOf))];
  const baseline = await pool(releases, options.concurrency ?? 4, async (release): Promise<BaselineResult> => {
    const r = await suite(undefined, release, runs, seed);
    return { release, ok: r.ok, runs: r.runs, cells: r.coverage.cells.length, edges: r.coverage.edges.length, ...(r.problem ? { problem: r.problem } : r.failures[0] ? { problem: r.failures[0].violations.map((v) => `[${v.rule}] ${v.message}`).join('; ') || r.failures[0].error } : {}) };
  });
  let done = 0;
  const results = await pool(chosen, options.concurrency ?? 4, async (m): Promise<MutantResult> => {
    const t0 = performance.now();
    const r = await suite(m, releaseOf(m), runs, seed);
    const failure = r.failures[0];
    const first = failure?.violations[0];
    const result: MutantResult = {
      id: m.id,
      family: m.family,
      description: m.description,
      release: releaseOf(m),
      killed: failure !== undefined,
      runs: r.runs,
      rules: [...new Set(failure?.violations.map((v) => v.rule) ?? [])],
      ...(first ? { evidence: `[${first.rule}] ${first.job !== undefined ? `job '${first.job}': ` : ''}${first.message}` } : failure?.error ? { evidence: failure.error } : {}),
      durationMs: Math.round(performance.now() - t0),
    };
    done++;
    options.onResult?.(result, done, chosen.length);
    return result;
  });
  return { seed, runs, baseline, results, killed: results.filter((r) => r.killed).length, total: results.length, durationMs: Math.round(performance.now() - started) };
}
