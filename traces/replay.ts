/**
 * Replays a recorded trace against a target: sets the target up from the trace's meta line, sends the
 * client's commands in the recorded order, records the new session, checks it with the conformance
 * checker and compares it with the recording (compare.ts).
 *
 * Waits come from the recording itself: before sending a command, the replay waits (with a time-out) for
 * the replies that had arrived before that command was sent in the recording (so pipelined commands stay
 * pipelined) and for each job's history to have reached the point it had reached then (normalised as in
 * compare.ts, so drain blips do not count). The session is opened and driven by driver.ts, as
 * record-corpus and verify drive theirs.
 *
 * A trace is data from anyone. Its set-up is checked by targets/setupPlan.ts (files inside the target's
 * private folder, local block drivers only, no shell). Its commands are checked here before anything
 * starts: only job, block-job, query and job-creating commands and the few block-graph commands jobs need
 * are sent, and every file name or driver in their arguments passes the same checks as the set-up, so a
 * replayed trace cannot make QEMU open, create or export anything outside the folder.
 */
import { QmpDisconnectedError, QmpTimeoutError, type WireMessage } from '../qmp/index.ts';
import { BLOCK_DRIVERS, checkFolderPath, planSetup, SetupError, type Target } from '../targets/index.ts';
import { checkMessages, type CheckResult } from '../conformance/index.ts';
import { openDriven } from './driver.ts';
import { SessionTrace } from './sessionTrace.ts';
import { commandsOf, compareSessions, isPrefix, JobHistories, type Divergence, type NumberedLine } from './compare.ts';
import type { QmpMessage, SetupStep, TraceMeta } from './format.ts';
import { readTrace } from './reader.ts';

export const REPLAY_RECORDER = 'qjob replay';

/** The trace cannot be replayed: malformed, or it asks for something a replay refuses. Exit code 2. */
export class ReplayInputError extends Error {
  override readonly name = 'ReplayInputError';
}

export interface LoadedTrace {
  readonly file: string;
  readonly meta?: TraceMeta;
  readonly lines: readonly NumberedLine[];
}

export async function loadTrace(file: string): Promise<LoadedTrace> {
  let meta: TraceMeta | undefined;
  const lines: NumberedLine[] = [];
  await readTrace(file, (line, lineNo) => lines.push({ line, lineNo }), { style: 'wire', onMeta: (m) => (meta = m) });
  return meta === undefined ? { file, lines } : { file, meta, lines };
}

/** Commands a replay sends. Anything else (object-add, chardev-add, block-export-add, ...) is refused. */
const ALLOWED_COMMANDS: ReadonlySet<string> = new Set([
  'blockdev-backup', 'drive-backup', 'blockdev-mirror', 'drive-mirror', 'block-commit', 'block-stream',
  'blockdev-create', 'x-blockdev-amend', 'transaction', 'blockdev-add', 'blockdev-del',
  'block-dirty-bitmap-add', 'block-dirty-bitmap-remove', 'block-dirty-bitmap-clear', 'block-dirty-bitmap-enable',
  'block-dirty-bitmap-disable', 'block-dirty-bitmap-merge', 'snapshot-save', 'snapshot-load', 'snapshot-delete',
]);
const ALLOWED_PREFIXES = ['job-', 'block-job-', 'query-'];
const ALLOWED_ACTIONS: ReadonlySet<string> = new Set([
  'abort', 'blockdev-backup', 'drive-backup', 'blockdev-snapshot', 'blockdev-snapshot-sync', 'blockdev-snapshot-internal-sync',
  'block-dirty-bitmap-add', 'block-dirty-bitmap-remove', 'block-dirty-bitmap-clear', 'block-dirty-bitmap-enable',
  'block-dirty-bitmap-disable', 'block-dirty-bitmap-merge',
]);
/** Block drivers a replayed command may name: the set-up's, plus luks (a local format; amend targets it). */
const REPLAY_DRIVERS: ReadonlySet<string> = new Set([...BLOCK_DRIVERS, 'luks']);
/** Argument members, at any depth, whose string values are file names (node names pass the same check). */
const PATH_MEMBERS: ReadonlySet<string> = new Set(['filename', 'file', 'target', 'backing-file', 'data-file', 'snapshot-file', 'config', 'dir', 'path', 'log']);

/** Throws ReplayInputError when a command is not one a replay sends, or names a file or driver it may not. */
export function vetCommand(command: string, args: unknown, where: string): void {
  if (!ALLOWED_COMMANDS.has(command) && !ALLOWED_PREFIXES.some((p) => command.startsWith(p))) {
    throw new ReplayInputError(`${where}: a replay does not send '${command}' (allowed: job-*, block-job-*, query-*, ${[...ALLOWED_COMMANDS].join(', ')})`);
  }
  if (command === 'transaction') {
    const actions = typeof args === 'object' && args !== null ? (args as Record<string, unknown>)['actions'] : undefined;
    for (const action of Array.isArray(actions) ? actions : []) {
      const type = typeof action === 'object' && action !== null ? (action as Record<string, unknown>)['type'] : undefined;
      if (typeof type !== 'string' || !ALLOWED_ACTIONS.has(type)) throw new ReplayInputError(`${where}: a replay does not send the transaction action ${JSON.stringify(type)}`);
    }
  }
  vetValue(args, `${where} (${command})`);
}

function vetValue(value: unknown, where: string): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => vetValue(v, `${where}[${i}]`));
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (key === 'driver' && (typeof v !== 'string' || !REPLAY_DRIVERS.has(v))) {
      throw new ReplayInputError(`${where}: driver ${JSON.stringify(v)} is not allowed in a replay; allowed: ${[...REPLAY_DRIVERS].join(', ')}`);
    }
    if (typeof v === 'string' && PATH_MEMBERS.has(key)) {
      try {
        checkFolderPath(v, `${where}: ${key}`);
      } catch (error) {
        if (error instanceof SetupError) throw new ReplayInputError(error.message);
        throw error;
      }
    } else vetValue(v, `${where}.${key}`);
  }
}

export interface ReplayStep {
  readonly command: string;
  readonly args?: Record<string, unknown>;
  /** The id the replay sends (the recorded one where possible). */
  readonly id: string;
  readonly lineNo: number;
  /** Replies (by replay id) that had arrived before this command was sent in the recording. */
  readonly afterReplies: readonly string[];
  /** Each job's normalised history at the time the recording sent this command. */
  readonly afterEvents: ReadonlyMap<string, readonly string[]>;
  /** The recording has no reply to it (the session ended first). */
  readonly unanswered: boolean;
}

export interface ReplayPlan {
  readonly setup?: readonly SetupStep[];
  readonly steps: readonly ReplayStep[];
  /** Each job's history at the end of the recording. */
  readonly finalEvents: ReadonlyMap<string, readonly string[]>;
}

/** Derives the sends and waits from a recording, and refuses what a replay must not do. */
export function planReplay(trace: LoadedTrace, strict = false): ReplayPlan {
  const setup = trace.meta?.setup;
  if (setup !== undefined) {
    if (!Array.isArray(setup)) throw new ReplayInputError(`${trace.file}:1: meta.setup must be a list of set-up steps`);
    try {
      planSetup(setup);
    } catch (error) {
      if (error instanceof SetupError) throw new ReplayInputError(`${trace.file}:1: ${error.message}`);
      throw error;
    }
  }
  const answered = new Set(commandsOf(trace.lines).filter((c) => c.reply !== undefined).map((c) => JSON.stringify(c.id ?? null)));
  const histories = new JobHistories(strict);
  const replayIds = new Map<string, string>();
  const repliedBefore: string[] = [];
  const used = new Set<string>(['c1']);
  const steps: ReplayStep[] = [];
  for (const { line, lineNo } of trace.lines) {
    const msg = line.msg;
    if (line.dir === 'recv') {
      histories.push(msg, lineNo);
      if ('return' in msg || 'error' in msg) {
        const id = replayIds.get(JSON.stringify(msg['id'] ?? null));
        if (id !== undefined) repliedBefore.push(id);
      }
      continue;
    }
    const command = msg['execute'];
    if (typeof command !== 'string') {
      throw new ReplayInputError(`${trace.file}:${lineNo}: a replay sends only {"execute": ...} commands, not ${JSON.stringify(msg).slice(0, 80)}`);
    }
    if (command === 'qmp_capabilities') continue; // The client negotiates by itself.
    const args = msg['arguments'];
    if (args !== undefined && (typeof args !== 'object' || args === null || Array.isArray(args))) {
      throw new ReplayInputError(`${trace.file}:${lineNo}: arguments must be an object`);
    }
    vetCommand(command, args, `${trace.file}:${lineNo}`);
    const key = JSON.stringify(msg['id'] ?? null);
    let id = typeof msg['id'] === 'string' && !used.has(msg['id']) ? msg['id'] : `r${steps.length + 1}`;
    while (used.has(id)) id = `${id}'`;
    used.add(id);
    replayIds.set(key, id);
    steps.push({
      command,
      ...(args === undefined ? {} : { args: args as Record<string, unknown> }),
      id,
      lineNo,
      afterReplies: [...repliedBefore],
      afterEvents: histories.snapshot(),
      unanswered: !answered.has(key),
    });
  }
  return { ...(setup === undefined ? {} : { setup }), steps, finalEvents: histories.snapshot() };
}

export interface ReplayOptions {
  readonly strict?: boolean;
  /** Limit for each derived wait. Default 10000 ms. */
  readonly waitTimeoutMs?: number;
  /** Limit for a reply the recording got. Default 10000 ms. */
  readonly replyTimeoutMs?: number;
  /** How long to wait for a reply the recording never got (QEMU's hangs). Default 3000 ms. */
  readonly unansweredWaitMs?: number;
  /** Also write the replayed session to this file. */
  readonly out?: string;
}

export interface ReplayResult {
  readonly file: string;
  readonly target: string;
  /** The QEMU version the replay ran against, from its greeting. */
  readonly version: string | undefined;
  readonly recordedVersion: string | undefined;
  readonly commands: number;
  /** The replayed session; line numbers as in its trace file (the meta line is line 1). */
  readonly lines: readonly NumberedLine[];
  readonly divergences: readonly Divergence[];
  /** Derived waits that timed out (what the recording had seen, and was not seen again). */
  readonly waits: readonly string[];
  readonly check: CheckResult;
  readonly ok: boolean;
}

function versionOf(lines: readonly NumberedLine[]): string | undefined {
  const greeting = lines.find((l) => l.line.dir === 'recv' && 'QMP' in l.line.msg)?.line.msg['QMP'] as { version?: { qemu?: { major: number; minor: number; micro: number } } } | undefined;
  const v = greeting?.version?.qemu;
  return v === undefined ? undefined : `${v.major}.${v.minor}.${v.micro}`;
}

/** Replays a loaded trace against the target. Throws ReplayInputError before starting anything if the trace is refused. */
export async function replayTrace(trace: LoadedTrace, target: Target, options: ReplayOptions = {}): Promise<ReplayResult> {
  const strict = options.strict === true;
  const plan = planReplay(trace, strict);
  const waitTimeoutMs = options.waitTimeoutMs ?? 10_000;
  const replyTimeoutMs = options.replyTimeoutMs ?? 10_000;
  const unansweredWaitMs = options.unansweredWaitMs ?? 3000;
  const recorded = new SessionTrace(
    (release) => ({
      recorder: REPLAY_RECORDER,
      ...(trace.meta?.scenario === undefined ? {} : { scenario: trace.meta.scenario }),
      desc: `replay of ${trace.file} against ${target.name}`,
      ...(release === undefined ? {} : { release }),
      recorded: new Date().toISOString(),
      ...(plan.setup === undefined ? {} : { setup: plan.setup }),
    }),
    options.out,
  );
  const live = new JobHistories(strict);
  const replies = new Set<string>();
  let received = 0;
  const observe = (message: WireMessage): void => {
    if (message.dir !== 'recv' || message.msg === undefined) return;
    received += 1;
    const msg: QmpMessage = message.msg;
    live.push(msg, received);
    if (('return' in msg || 'error' in msg) && typeof msg['id'] === 'string') replies.add(msg['id']);
  };
  const waits: string[] = [];
  const givenUp = new Set<string>();
  const driven = await openDriven(
    target,
    { scenario: String(trace.meta?.scenario ?? trace.file), ...(plan.setup === undefined ? {} : { setup: plan.setup }) },
    { trace: () => recorded, observe, commandTimeoutMs: replyTimeoutMs },
  );
  /** Waits for job histories to reach `expected`, leaving out jobs an earlier wait gave up on. */
  const reach = async (expected: ReadonlyMap<string, readonly string[]>, what: string): Promise<void> => {
    const wanted = new Map([...expected].filter(([job, keys]) => keys.length > 0 && !givenUp.has(job)));
    if (await driven.until(() => live.reached(wanted), waitTimeoutMs)) return;
    const missing = [...wanted].filter(([job, keys]) => !live.reached(new Map([[job, keys]])));
    for (const [job] of missing) givenUp.add(job);
    waits.push(`${what}: waited ${waitTimeoutMs} ms for ${missing.map(([job, keys]) => `job '${job}' to reach [${keys.slice(-4).join(', ')}]`).join('; ')}; the replay has ${missing.map(([job]) => `'${job}': [${live.get(job).slice(-4).map((i) => i.key).join(', ')}]`).join('; ')}`);
  };

  const outstanding: Promise<unknown>[] = [];
  try {
    const client = driven.client;
    for (const step of plan.steps) {
      if (client.closed) break;
      const where = `before ${step.command} (recording line ${step.lineNo})`;
      if (!(await driven.until(() => step.afterReplies.every((id) => replies.has(id)), replyTimeoutMs))) {
        waits.push(`${where}: no reply to ${step.afterReplies.filter((id) => !replies.has(id)).join(', ')} within ${replyTimeoutMs} ms`);
      }
      await reach(step.afterEvents, where);
      const reply = driven.execute(step.command, step.args, { id: step.id, timeoutMs: step.unanswered ? unansweredWaitMs : replyTimeoutMs });
      outstanding.push(
        reply.catch((error: unknown) => {
          if (error instanceof QmpTimeoutError || error instanceof QmpDisconnectedError) return undefined;
          throw error;
        }),
      );
    }
    await Promise.all(outstanding);
    if (!client.closed) await reach(plan.finalEvents, 'at the end of the recording');
  } finally {
    await driven.close();
  }
  const lines: NumberedLine[] = recorded.lines.map((line, i) => ({ line, lineNo: i + 2 }));
  const divergences = compareSessions(trace.lines, lines, { strict });
  // The meta line goes first so that the checker's line numbers are the trace file's.
  // A replay starts its target afresh, so no job can predate the session.
  const check = checkMessages([{ meta: recorded.meta }, ...lines.map((l) => l.line)], { strict, freshQemu: true, file: options.out ?? 'replay' });
  return {
    file: trace.file,
    target: target.name,
    version: versionOf(lines),
    recordedVersion: versionOf(trace.lines),
    commands: plan.steps.length,
    lines,
    divergences,
    waits,
    check,
    ok: divergences.length === 0 && waits.length === 0 && check.ok,
  };
}

/** Whether the recording is a prefix of a session (it ends with an unanswered command). */
export function recordingIsPrefix(trace: LoadedTrace): boolean {
  return isPrefix(trace.lines);
}
