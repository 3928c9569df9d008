/**
 * The scenario driver that record-corpus, replay and verify share: it opens a session on a target with
 * every QMP line recorded (SessionTrace), sends commands, waits for replies, events or any condition on
 * what has arrived, each with a time-out, and reports what happened.
 *
 * Scenario steps (traces/scenario.ts) run as the shared sample manifests describe them: a command waits
 * for its reply unless the next step is `pipeline: true`; a wait looks for a matching event that arrived
 * after the last command was sent (so events that arrive inside a command, before its reply, count); a
 * sleep lets time pass. Consecutive waits follow one of two rules:
 *   - `unconsumed` (record-corpus): the event must not have been matched by an earlier wait, so
 *     consecutive waits may match in either order;
 *   - `per-job` (verify): the event must come after the one the previous wait *for the same job*
 *     matched, so jobs need not report in the order the scenario lists them (10.0 starts a
 *     transaction's jobs newest first), while each job's own events are still matched in order.
 *     It may also have arrived before the last command, if not before the last command that named
 *     the job (its `id`, `device` or `job-id`, or one of a transaction's actions): a job may act on
 *     a command late, after other commands went out (QEMU 5.2 parks a ready mirror only at the end
 *     of its 100 ms sleep, so its `standby` can come after the reply to a later command), nor, when
 *     the job was named twice, before the command that named it the time before: the sleep can end
 *     just before a second command naming the job (a `block-job-set-speed` the model expects to wake
 *     it and park it then), and the job is then where the model expects it.
 * A command without a reply in time makes the outcome `hung`; a wait that times out, or a connection
 * that fails, makes it `failed`. Error replies are results like any other; they do not stop the driver.
 */
import { matchesEvent, QmpTimeoutError, type QmpConnection, type QmpEvent, type QmpResult, type WireMessage } from '../qmp/index.ts';
import type { Session, Target, TargetSetup } from '../targets/index.ts';
import { isCommandStep, isWaitStep, type ScenarioStep } from './scenario.ts';
import type { SessionTrace } from './sessionTrace.ts';

/** How long a command may go unanswered before the session counts as hung. */
export const DEFAULT_REPLY_TIMEOUT_MS = 5000;

export type DriveOutcome =
  | { readonly outcome: 'done' }
  /** A command got no reply in time; `step` is its index in the scenario. */
  | { readonly outcome: 'hung'; readonly step: number; readonly detail: string }
  /** A wait timed out or the connection failed. */
  | { readonly outcome: 'failed'; readonly step: number; readonly detail: string };

export type WaitRule = 'unconsumed' | 'per-job';

export interface DriveOptions {
  readonly replyTimeoutMs?: number;
  /** How consecutive waits match events; default `unconsumed`. */
  readonly waits?: WaitRule;
}

export interface Driven {
  readonly result: DriveOutcome;
  /** Step index → the command's reply, for every command answered. */
  readonly replies: ReadonlyMap<number, QmpResult>;
}

/**
 * One open session with a target, being driven: the client, the events it has received, the session's
 * trace, and waits that wake whenever a message arrives.
 */
export class DrivenSession {
  readonly events: QmpEvent[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly unsubscribe: () => void;
  private closing: Promise<void> | undefined;

  constructor(
    readonly session: Session,
    readonly trace: SessionTrace,
  ) {
    this.unsubscribe = session.client.onEvent((e) => {
      this.events.push(e);
      this.wake();
    });
  }

  get client(): QmpConnection {
    return this.session.client;
  }

  /** Wakes every wait so that it looks again (a message arrived). */
  wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /**
   * Resolves true as soon as `ready()` holds, looking again whenever a message arrives; false when
   * `timeoutMs` has passed (or the connection has closed) and it still does not.
   */
  async until(ready: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!ready()) {
      const left = deadline - Date.now();
      if (left <= 0 || this.client.closed) return ready();
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, left);
        this.waiters.add(done);
      });
    }
    return true;
  }

  /** Sends a command; the promise settles with its reply, or rejects (QmpTimeoutError after `timeoutMs`). */
  execute(command: string, args: Readonly<Record<string, unknown>> | undefined, options: { timeoutMs: number; id?: string }): Promise<QmpResult> {
    return this.client.execute(command, args === undefined ? undefined : { ...args }, options);
  }

  /** Ends the session (the target stops what it started) and closes the trace. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.unsubscribe();
      try {
        await this.session.close();
      } finally {
        this.trace.close();
      }
    })();
    return this.closing;
  }
}

export interface OpenOptions {
  /** A fresh trace for each attempt; its listener sees every line of the session. */
  readonly trace: () => SessionTrace;
  /** Also sees every line, after the trace, before waits look again. */
  readonly observe?: (message: WireMessage) => void;
  /** The session's default command time-out. */
  readonly commandTimeoutMs?: number;
  /** Tries to start the session this many times (default 1): a daemon slow to start on a busy machine is no finding. */
  readonly attempts?: number;
}

/** Opens a session on the target, recorded from the greeting on. Throws what the target throws, after the last attempt. */
export async function openDriven(target: Target, setup: TargetSetup, options: OpenOptions): Promise<DrivenSession> {
  const attempts = Math.max(1, options.attempts ?? 1);
  for (let attempt = 1; ; attempt++) {
    const trace = options.trace();
    let driven: DrivenSession | undefined;
    const onMessage = (message: WireMessage): void => {
      trace.listener(message);
      options.observe?.(message);
      if (message.dir === 'recv') driven?.wake();
    };
    try {
      const session = await target.open(setup, { onMessage, ...(options.commandTimeoutMs !== undefined ? { commandTimeoutMs: options.commandTimeoutMs } : {}) });
      driven = new DrivenSession(session, trace);
      trace.start(session.startedAt);
      return driven;
    } catch (error) {
      trace.close();
      if (attempt >= attempts) throw error;
    }
  }
}

function jobOf(data: Readonly<Record<string, unknown>> | undefined): string {
  const id = data?.['id'] ?? data?.['device'];
  return typeof id === 'string' ? id : '';
}

/** The jobs a command names: its job id (or device, the id of a block job), or each action's in a transaction. */
function jobsOf(step: Extract<ScenarioStep, { cmd: string }>): string[] {
  const one = (args: Readonly<Record<string, unknown>> | undefined): string[] => {
    const id = args?.['job-id'] ?? args?.['id'] ?? args?.['device'];
    return typeof id === 'string' && id !== '' ? [id] : [];
  };
  if (step.cmd !== 'transaction') return one(step.args);
  const actions = step.args?.['actions'];
  if (!Array.isArray(actions)) return [];
  return actions.flatMap((a: unknown) => (typeof a === 'object' && a !== null ? one((a as { data?: Readonly<Record<string, unknown>> }).data) : []));
}

function describeWait(step: Extract<ScenarioStep, { wait: string }>): string {
  return `${step.wait}${step.data === undefined ? '' : ' ' + JSON.stringify(step.data)}`;
}

/** Runs scenario steps on an open session and reports the outcome and the replies. */
export async function driveSteps(driven: DrivenSession, steps: readonly ScenarioStep[], options: DriveOptions = {}): Promise<Driven> {
  const replyTimeoutMs = options.replyTimeoutMs ?? DEFAULT_REPLY_TIMEOUT_MS;
  const perJob = options.waits === 'per-job';
  const events = driven.events;
  const replies = new Map<number, QmpResult>();
  const consumed = new Set<number>();
  const matched = new Map<string, number>();
  /** Job → how many events had arrived when the last command naming it was sent, and the one before. */
  const named = new Map<string, number>();
  const namedBefore = new Map<string, number>();
  let sentAt = events.length;
  let outstanding: { step: number; reply: Promise<QmpResult> }[] = [];
  for (let i = 0; i < steps.length; i += 1) {
    const step = steps[i]!;
    if (isCommandStep(step)) {
      sentAt = events.length;
      for (const job of jobsOf(step)) {
        const last = named.get(job);
        if (last !== undefined) namedBefore.set(job, last);
        named.set(job, sentAt);
      }
      const reply = driven.execute(step.cmd, step.args, { timeoutMs: replyTimeoutMs });
      // Replies still outstanding when the driver stops early must not be unhandled rejections.
      reply.catch(() => undefined);
      outstanding.push({ step: i, reply });
      const next = steps[i + 1];
      if (next !== undefined && isCommandStep(next) && next.pipeline === true) continue;
      const waiting = outstanding;
      outstanding = [];
      for (const { step: k, reply: pending } of waiting) {
        try {
          replies.set(k, await pending);
        } catch (error) {
          const detail = (error as Error).message;
          return { result: error instanceof QmpTimeoutError ? { outcome: 'hung', step: k, detail } : { outcome: 'failed', step: k, detail }, replies };
        }
      }
    } else if (isWaitStep(step)) {
      const key = jobOf(step.data);
      const from = perJob ? Math.max(Math.min(sentAt, namedBefore.get(key) ?? named.get(key) ?? sentAt), (matched.get(key) ?? -1) + 1) : sentAt;
      const pattern = step.data === undefined ? { event: step.wait } : { event: step.wait, data: { ...step.data } };
      const timeoutMs = (step.timeout ?? 10) * 1000;
      let found = -1;
      await driven.until(() => {
        found = events.findIndex((e, k) => k >= from && (perJob || !consumed.has(k)) && matchesEvent(e, pattern));
        return found >= 0;
      }, timeoutMs);
      if (found < 0) {
        const detail = driven.client.closed ? `the connection closed while waiting for ${describeWait(step)}` : `no ${describeWait(step)} within ${timeoutMs} ms`;
        return { result: { outcome: 'failed', step: i, detail }, replies };
      }
      consumed.add(found);
      matched.set(key, found);
    } else {
      await new Promise((resolve) => setTimeout(resolve, step.sleep * 1000));
    }
  }
  return { result: { outcome: 'done' }, replies };
}
