/**
 * The corpus recorder: runs scenario scripts (traces/scenarios) against a target through the scenario
 * driver (driver.ts, waits `unconsumed`) and records each session as a trace, meta line first, then every
 * QMP line in both directions from the greeting on, in the order they crossed the socket.
 *
 * A reply that does not come within the reply time-out ends the session: the target is stopped (SIGKILL
 * after its grace period) and the trace ends with the unanswered command, which is how QEMU's
 * grouped-transaction hang is recorded.
 */
import fs from 'node:fs';
import path from 'node:path';
import { findQemuRelease, findQemuSystemRelease, isQemuReleaseName, qemuTarget, TargetSpecError, type Target } from '../targets/index.ts';
import { parseRelease, compareReleases } from '../machines/index.ts';
import { driveSteps, openDriven, type DriveOutcome } from './driver.ts';
import type { TraceLine, TraceMeta } from './format.ts';
import type { Scenario } from './scenario.ts';
import { SessionTrace } from './sessionTrace.ts';
import { corpusReadme } from './scenarios/readme.ts';
import { allScenarios } from './scenarios/index.ts';
import type { CorpusScenario } from './scenarios/types.ts';

export const CORPUS_RECORDER = 'qjob record-corpus';

export interface RecordOptions {
  /** Also write the trace to this file, line by line. */
  readonly out?: string;
  readonly replyTimeoutMs?: number;
  /** The `recorder` member of the meta line. */
  readonly recorder?: string;
  /** Extra meta members. */
  readonly meta?: Record<string, unknown>;
}

export interface RecordedSession {
  readonly meta: TraceMeta;
  readonly lines: readonly TraceLine[];
  readonly result: DriveOutcome;
  /** "7.2", from the greeting. */
  readonly release: string | undefined;
}

/** Opens a session with the scenario's set-up, drives its steps and records everything. */
export async function recordScenario(target: Target, scenario: Scenario, options: RecordOptions = {}): Promise<RecordedSession> {
  const trace = new SessionTrace(
    (release) => ({
      recorder: options.recorder ?? CORPUS_RECORDER,
      scenario: scenario.name,
      ...(scenario.desc === undefined ? {} : { desc: scenario.desc }),
      ...(release === undefined ? {} : { release }),
      recorded: new Date().toISOString(),
      ...(scenario.setup === undefined ? {} : { setup: scenario.setup }),
      ...options.meta,
    }),
    options.out,
  );
  const driven = await openDriven(target, { scenario: scenario.name, ...(scenario.setup === undefined ? {} : { setup: scenario.setup }) }, { trace: () => trace });
  try {
    const { result } = await driveSteps(driven, scenario.steps, { replyTimeoutMs: options.replyTimeoutMs, waits: 'unconsumed' });
    return { meta: trace.meta, lines: trace.lines, result, release: trace.meta.release };
  } finally {
    await driven.close();
  }
}

export function scenarioApplies(scenario: CorpusScenario, release: string): boolean {
  const r = parseRelease(release);
  if (r === undefined) return false;
  const since = scenario.minRelease === undefined ? undefined : parseRelease(scenario.minRelease);
  const before = scenario.beforeRelease === undefined ? undefined : parseRelease(scenario.beforeRelease);
  return (since === undefined || compareReleases(r, since) >= 0) && (before === undefined || compareReleases(r, before) < 0);
}

export interface CorpusOptions {
  /** The qemu-storage-daemon to record from: a path, a name on $PATH, or a known release (`7.2`, `10.0`). */
  readonly qemu: string;
  readonly out: string;
  /** Scenario names to record; default all that the release supports. */
  readonly only?: readonly string[];
  /** Scenarios to record instead of the built-in ones (e.g. read from `qjob paths --out` files). */
  readonly scenarios?: readonly Scenario[];
  /** Sessions recorded side by side. Default 4. */
  readonly concurrency?: number;
  readonly replyTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

export interface CorpusEntry {
  readonly scenario: string;
  readonly file: string;
  /** `ok`; or why the recording does not show what the scenario is for (it is then not written). */
  readonly problem?: string;
}

export interface CorpusReport {
  readonly release: string;
  readonly version: string;
  readonly entries: readonly CorpusEntry[];
  /** Scenarios left out because the release does not support them. */
  readonly skipped: readonly string[];
}

/** The release of a qemu-storage-daemon, read from its greeting. */
export async function probeRelease(target: Target): Promise<{ release: string; version: string }> {
  const session = await target.open();
  try {
    const v = session.client.version.qemu;
    return { release: `${v.major}.${v.minor}`, version: `${v.major}.${v.minor}.${v.micro}` };
  } finally {
    await session.close();
  }
}

/** `7.2` / `10.0` name an installed release (targets/qemuRelease.ts); anything else is a binary. */
function daemonPath(qemu: string): string {
  if (!isQemuReleaseName(qemu)) return qemu;
  const found = findQemuRelease(qemu);
  if ('missing' in found) throw new TargetSpecError(found.missing);
  return found.path;
}

/** `qemu-system`, `qemu-system:7.2` or `qemu-system:PATH`: a qemu-system-x86_64, for the snapshot scenarios (CorpusScenario.program). */
function systemTarget(qemu: string): Target | undefined {
  if (qemu !== 'qemu-system' && !qemu.startsWith('qemu-system:')) return undefined;
  const rest = qemu.slice('qemu-system:'.length);
  let binary = rest === '' ? 'qemu-system-x86_64' : rest;
  if (isQemuReleaseName(rest)) {
    const found = findQemuSystemRelease(rest);
    if ('missing' in found) throw new TargetSpecError(found.missing);
    binary = found.path;
  }
  return qemuTarget({ binary, program: 'system', graceMs: 1000 });
}

/** Records every scenario the daemon's release supports into `out/<name>.jsonl`, and writes `out/README.md`. */
export async function recordCorpus(options: CorpusOptions): Promise<CorpusReport> {
  const log = options.log ?? (() => {});
  const system = systemTarget(options.qemu);
  const target = system ?? qemuTarget({ binary: daemonPath(options.qemu), graceMs: 1000 });
  const { release, version } = await probeRelease(target);
  const pool = options.scenarios ?? allScenarios;
  const known = new Map(pool.map((s) => [s.name, s]));
  for (const name of options.only ?? []) {
    if (!known.has(name)) throw new Error(`no scenario named '${name}'`);
  }
  const wanted = options.only === undefined || options.only.length === 0 ? pool : pool.filter((s) => options.only!.includes(s.name));
  // A qemu-system target records the built-in snapshot scenarios only, a daemon all others; scenario files go to either.
  const forProgram = (s: CorpusScenario): boolean => options.scenarios !== undefined || (s.program === 'system') === (system !== undefined);
  const chosen = wanted.filter((s) => forProgram(s) && scenarioApplies(s, release));
  const skipped = wanted.filter((s) => forProgram(s) && !scenarioApplies(s, release)).map((s) => s.name);
  fs.mkdirSync(options.out, { recursive: true });
  const entries: CorpusEntry[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const scenario = chosen[next];
      next += 1;
      if (scenario === undefined) return;
      entries.push(await recordOne(target, scenario, options));
      const last = entries[entries.length - 1]!;
      log(`${last.problem === undefined ? 'ok  ' : 'FAIL'} ${scenario.name}${last.problem === undefined ? '' : ': ' + last.problem}`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, () => worker()));
  entries.sort((a, b) => a.scenario.localeCompare(b.scenario));
  fs.writeFileSync(path.join(options.out, 'README.md'), corpusReadme(options.out));
  return { release, version, entries, skipped };
}

async function recordOne(target: Target, scenario: CorpusScenario, options: CorpusOptions): Promise<CorpusEntry> {
  const file = path.join(options.out, `${scenario.name}.jsonl`);
  // Recorded beside the old trace and moved into place only if it shows what it should.
  const partial = `${file}.partial`;
  try {
    const recorded = await recordScenario(target, scenario, { out: partial, replyTimeoutMs: options.replyTimeoutMs });
    const problem = judge(expectsHang(scenario, recorded.release ?? ''), recorded.result);
    if (problem !== undefined) return { scenario: scenario.name, file, problem };
    fs.renameSync(partial, file);
    return { scenario: scenario.name, file };
  } catch (error) {
    return { scenario: scenario.name, file, problem: (error as Error).message };
  } finally {
    fs.rmSync(partial, { force: true });
  }
}

/** Whether QEMU of this release is expected to leave one of the scenario's commands unanswered. */
export function expectsHang(scenario: CorpusScenario, release: string): boolean {
  if (scenario.hangs === undefined) return false;
  if (scenario.hangs === true) return true;
  const r = parseRelease(release);
  const before = parseRelease(scenario.hangs.before);
  return r !== undefined && before !== undefined && compareReleases(r, before) < 0;
}

function judge(hang: boolean, result: DriveOutcome): string | undefined {
  if (hang) {
    return result.outcome === 'hung' ? undefined : `expected QEMU to hang, but the session ${result.outcome === 'done' ? 'ran to its end' : 'failed: ' + result.detail}`;
  }
  if (result.outcome === 'done') return undefined;
  return `step ${result.step + 1} ${result.outcome === 'hung' ? 'got no reply' : 'failed'}: ${result.detail}`;
}
