/**
 * `qjob check-mutants`: builds the broken copies of every session the paths name, checks each with the
 * conformance checker in-process, and counts per operator those it rejects (killed) and those it
 * accepts (survivors). Sampling (`sample` mutants per operator at most) is seeded.
 */
import { findTraceFiles, TraceChecker, type CheckResult } from '../../conformance/index.ts';
import { detectFormat, readTrace, styleOf, TraceInputError } from '../../traces/reader.ts';
import { TRACE_OPERATORS } from './catalog.ts';
import type { TraceMutant, TraceOperator } from './mutant.ts';
import { Session, type Entry } from './session.ts';

export const DEFAULT_TRACE_MUTANT_SEED = 1;

export interface CheckMutantsOptions {
  readonly paths: readonly string[];
  /** At most this many mutants per operator, drawn with `seed` in turn from each style and release; default all. */
  readonly sample?: number;
  readonly seed?: number;
  /** Only these operators (names); default all. */
  readonly operators?: readonly string[];
  /** The operators to choose from; default TRACE_OPERATORS. */
  readonly catalog?: readonly TraceOperator[];
  readonly onProgress?: (done: number, total: number) => void;
}

export interface Survivor {
  readonly operator: string;
  readonly file: string;
  readonly line: number;
  readonly change: string;
}

export interface OperatorTally {
  readonly name: string;
  /** Mutants the operator made over all sessions (before sampling). */
  generated: number;
  checked: number;
  killed: number;
  /** The rule of the first violation, per killed mutant. */
  readonly rules: Record<string, number>;
}

export interface CheckMutantsReport {
  readonly seed: number;
  readonly sample: number | undefined;
  readonly files: number;
  /** Sessions left out: the checker rejects the original (a must-fail fixture) or it judges nothing. */
  readonly skipped: readonly { readonly file: string; readonly reason: string }[];
  readonly operators: readonly OperatorTally[];
  readonly survivors: readonly Survivor[];
  readonly total: number;
  readonly killed: number;
  readonly durationMs: number;
}

/** The checker's verdict on a session's messages. */
export function verdict(s: Session, entries: readonly Entry[], strict: boolean): CheckResult {
  const checker = new TraceChecker({ file: s.file, style: s.style, strict });
  for (const e of entries) checker.push(e.line, e.n);
  return checker.end();
}

/** Reads one trace file as a Session; undefined with a reason when it is no base for mutants. */
export async function loadSession(file: string): Promise<Session | string> {
  const format = await detectFormat(file);
  const entries: Entry[] = [];
  await readTrace(file, (line, n) => entries.push({ n, line }), { format });
  const style = styleOf(format);
  const probe = new Session(file, style, '', entries);
  const original = verdict(probe, entries, false);
  if (!original.ok) return `the checker rejects the original (${original.violations[0]?.rule ?? 'violation'}, line ${original.violations[0]?.line ?? 0})`;
  if (original.messages === 0) return 'no messages';
  return new Session(file, style, original.release, entries);
}

/** A small seeded generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: readonly T[], rnd: () => number): T[] {
  const a = items.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a;
}

/**
 * At most n items, drawn in turn from each stratum (the trace's style and release: a gap of the
 * checker often lies in one), each stratum in a seeded random order.
 */
function sampled<T>(items: readonly T[], n: number, stratum: (item: T) => string, rnd: () => number): T[] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = stratum(item);
    const g = groups.get(key);
    if (g) g.push(item);
    else groups.set(key, [item]);
  }
  const queues = [...groups.keys()].sort().map((k) => shuffled(groups.get(k)!, rnd));
  const out: T[] = [];
  for (let round = 0; out.length < n && queues.some((q) => q.length > round); round++) {
    for (const q of queues) if (round < q.length && out.length < n) out.push(q[round] as T);
  }
  return out;
}

/** Throws TraceInputError for a path or file that cannot be read as a trace. */
export async function runCheckMutants(options: CheckMutantsOptions): Promise<CheckMutantsReport> {
  const started = performance.now();
  const seed = options.seed ?? DEFAULT_TRACE_MUTANT_SEED;
  const catalog = options.catalog ?? TRACE_OPERATORS;
  const operators: TraceOperator[] = options.operators ? catalog.filter((o) => options.operators!.includes(o.name)) : catalog.slice();
  const files = await findTraceFiles(options.paths);
  const skipped: { file: string; reason: string }[] = [];
  const sessions: Session[] = [];
  for (const file of files) {
    const s = await loadSession(file);
    if (typeof s === 'string') skipped.push({ file, reason: s });
    else sessions.push(s);
  }
  const tallies = new Map<string, OperatorTally>(operators.map((o) => [o.name, { name: o.name, generated: 0, checked: 0, killed: 0, rules: {} }]));
  const work: { s: Session; op: TraceOperator; m: TraceMutant }[] = [];
  for (const op of operators) {
    const mine: { s: Session; op: TraceOperator; m: TraceMutant }[] = [];
    for (const s of sessions) {
      if (!op.styles.includes(s.style)) continue;
      if (op.strict && !verdict(s, s.entries, true).ok) continue;
      for (const m of op.mutate(s)) mine.push({ s, op, m });
    }
    tallies.get(op.name)!.generated = mine.length;
    // One stream per operator, so adding an operator does not change another's sample.
    const chosen = options.sample === undefined ? mine : sampled(mine, options.sample, (w) => `${w.s.style} ${w.s.release}`, random(seed ^ hash(op.name)));
    chosen.sort((a, b) => sessions.indexOf(a.s) - sessions.indexOf(b.s) || a.m.line - b.m.line);
    work.push(...chosen);
  }
  const survivors: Survivor[] = [];
  let killed = 0;
  work.forEach(({ s, op, m }, k) => {
    const tally = tallies.get(op.name)!;
    tally.checked++;
    const result = verdict(s, m.build(), op.strict === true);
    if (result.ok) survivors.push({ operator: op.name, file: m.file, line: m.line, change: m.change });
    else {
      killed++;
      tally.killed++;
      const rule = result.violations[0]?.rule ?? 'violation';
      tally.rules[rule] = (tally.rules[rule] ?? 0) + 1;
    }
    options.onProgress?.(k + 1, work.length);
  });
  return {
    seed,
    sample: options.sample,
    files: sessions.length,
    skipped,
    operators: [...tallies.values()],
    survivors,
    total: work.length,
    killed,
    durationMs: performance.now() - started,
  };
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

export { TraceInputError };
