/**
 * The corpus driver: runs scenario scripts (traces/scenarios) against a target and records each session
 * as a trace, meta line first, then every QMP line in both directions from the greeting on, in the order
 * they crossed the socket (the target's message hook sees them; TraceWriter writes each line at once).
 *
 * Steps run as the shared sample manifests describe them: a command waits for its reply unless the next
 * step is `pipeline: true`; a wait looks for a matching event that arrived after the last command was
 * sent (so events that arrive inside a command, before its reply, count) and that no earlier wait has
 * matched (so consecutive waits may match in either order); a sleep lets time pass. A reply that does not come within the reply time-out ends the
 * session: the target is stopped (SIGKILL after its grace period) and the trace ends with the unanswered
 * command, which is how QEMU's grouped-transaction hang is recorded.
 */
import fs from 'node:fs';
import path from 'node:path';
import { matchesEvent, QmpTimeoutError, type QmpConnection, type QmpEvent, type WireMessage } from '../qmp/index.ts';
import { findQemuRelease, isQemuReleaseName, qemuTarget, TargetSpecError, type Session, type Target } from '../targets/index.ts';
import { formatRelease, parseRelease, compareReleases, releaseFromGreeting } from '../machines/index.ts';
import type { MetaLine, QmpMessage, TraceLine, TraceMeta } from './format.ts';
import { isCommandStep, isWaitStep, type Scenario, type ScenarioStep } from './scenario.ts';
import { TraceWriter } from './writer.ts';
import { corpusReadme } from './scenarios/readme.ts';
import { allScenarios } from './scenarios/index.ts';
import type { CorpusScenario } from './scenarios/types.ts';

export const CORPUS_RECORDER = 'qjob record-corpus';
/** How long a command may go unanswered before the session counts as hung. */
export const DEFAULT_REPLY_TIMEOUT_MS = 5000;

export type DriveOutcome =
  | { readonly outcome: 'done' }
  /** A command got no reply in time; `step` is its index in the scenario. */
  | { readonly outcome: 'hung'; readonly step: number; readonly detail: string }
  /** A wait timed out or the connection failed. */
  | { readonly outcome: 'failed'; readonly step: number; readonly detail: string };

export interface DriveOptions {
  readonly replyTimeoutMs?: number;
}

/** Runs the steps on a connected client. Error replies are results like any other; they do not stop it. */
export async function driveSteps(client: QmpConnection, steps: readonly ScenarioStep[], options: DriveOptions = {}): Promise<DriveOutcome> {
  const replyTimeoutMs = options.replyTimeoutMs ?? DEFAULT_REPLY_TIMEOUT_MS;
  const events: QmpEvent[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = client.onEvent((e) => {
    events.push(e);
    wake?.();
  });
  let sentAt = 0;
  const consumed = new Set<number>();
  let outstanding: { step: number; reply: Promise<unknown> }[] = [];
  try {
    for (let i = 0; i < steps.length; i += 1) {
      const step = steps[i]!;
      if (isCommandStep(step)) {
        sentAt = events.length;
        const args = step.args === undefined ? undefined : { ...step.args };
        outstanding.push({ step: i, reply: client.execute(step.cmd, args, { timeoutMs: replyTimeoutMs }) });
        const next = steps[i + 1];
        if (next !== undefined && isCommandStep(next) && next.pipeline === true) continue;
        const waiting = outstanding;
        outstanding = [];
        for (const { step: k, reply } of waiting) {
          try {
            await reply;
          } catch (error) {
            const detail = (error as Error).message;
            return error instanceof QmpTimeoutError ? { outcome: 'hung', step: k, detail } : { outcome: 'failed', step: k, detail };
          }
        }
      } else if (isWaitStep(step)) {
        const from = sentAt;
        const pattern = step.data === undefined ? { event: step.wait } : { event: step.wait, data: { ...step.data } };
        const timeoutMs = (step.timeout ?? 10) * 1000;
        const deadline = Date.now() + timeoutMs;
        let found = -1;
        for (;;) {
          found = events.findIndex((e, k) => k >= from && !consumed.has(k) && matchesEvent(e, pattern));
          if (found >= 0 || client.closed) break;
          const left = deadline - Date.now();
          if (left <= 0) break;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, left);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = undefined;
        }
        if (found < 0) {
          const what = `${step.wait}${step.data === undefined ? '' : ' ' + JSON.stringify(step.data)}`;
          return { outcome: 'failed', step: i, detail: client.closed ? `the connection closed while waiting for ${what}` : `no ${what} within ${timeoutMs} ms` };
        }
        consumed.add(found);
      } else {
        await new Promise((resolve) => setTimeout(resolve, step.sleep * 1000));
      }
    }
    return { outcome: 'done' };
  } finally {
    unsubscribe();
  }
}

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

/**
 * Collects the lines of a session as they pass: buffered until the session's start time and the greeting
 * are known (the meta line needs the release), then written one by one.
 */
export class SessionTrace {
  readonly lines: TraceLine[] = [];
  private pending: WireMessage[] = [];
  private startedAt: number | undefined;
  private writer: TraceWriter | undefined;
  private metaLine: MetaLine | undefined;

  constructor(
    private readonly makeMeta: (release: string | undefined) => TraceMeta,
    private readonly out?: string,
  ) {}

  readonly listener = (message: WireMessage): void => {
    if (this.startedAt === undefined) this.pending.push(message);
    else this.add(message);
  };

  get meta(): TraceMeta {
    return this.metaLine?.meta ?? this.makeMeta(undefined);
  }

  /** Called once the session is open: from here on, lines go out as they pass. */
  start(startedAt: number): void {
    this.startedAt = startedAt;
    const pending = this.pending;
    this.pending = [];
    for (const message of pending) this.add(message);
  }

  close(): void {
    this.writer?.close();
  }

  private add(message: WireMessage): void {
    const msg: QmpMessage = message.msg ?? { 'x-qjob-unparsed': message.line };
    if (this.metaLine === undefined) {
      const release = releaseFromGreeting(msg);
      this.metaLine = { meta: this.makeMeta(release === undefined ? undefined : formatRelease(release)) };
      if (this.out !== undefined) {
        this.writer = new TraceWriter(this.out);
        this.writer.write(this.metaLine);
      }
    }
    const t = Math.round((message.at - (this.startedAt ?? message.at)) * 1000) / 1e6;
    const line: TraceLine = { dir: message.dir, t, msg };
    this.lines.push(line);
    this.writer?.write(line);
  }
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
  let session: Session | undefined;
  try {
    session = await target.open({ scenario: scenario.name, ...(scenario.setup === undefined ? {} : { setup: scenario.setup }) }, { onMessage: trace.listener });
    trace.start(session.startedAt);
    const result = await driveSteps(session.client, scenario.steps, { replyTimeoutMs: options.replyTimeoutMs });
    return { meta: trace.meta, lines: trace.lines, result, release: trace.meta.release };
  } finally {
    await session?.close();
    trace.close();
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

/** Records every scenario the daemon's release supports into `out/<name>.jsonl`, and writes `out/README.md`. */
export async function recordCorpus(options: CorpusOptions): Promise<CorpusReport> {
  const log = options.log ?? (() => {});
  const target = qemuTarget({ binary: daemonPath(options.qemu), graceMs: 1000 });
  const { release, version } = await probeRelease(target);
  const pool = options.scenarios ?? allScenarios;
  const known = new Map(pool.map((s) => [s.name, s]));
  for (const name of options.only ?? []) {
    if (!known.has(name)) throw new Error(`no scenario named '${name}'`);
  }
  const wanted = options.only === undefined || options.only.length === 0 ? pool : pool.filter((s) => options.only!.includes(s.name));
  const chosen = wanted.filter((s) => scenarioApplies(s, release));
  const skipped = wanted.filter((s) => !scenarioApplies(s, release)).map((s) => s.name);
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
