/**
 * What a test or a target needs from a QMP peer, whatever is behind it: QEMU, a QMP server already
 * running, or the model server (all reached through QmpClient over a socket). Commands resolve with their reply, error replies included; only the
 * connection itself failing (time-out, disconnect, protocol breach) rejects.
 */
import type { EventMatcher } from './eventMatcher.ts';
import type { EventStream } from './eventStream.ts';
import type { QemuVersion, QmpEvent, QmpGreeting, QmpMessage, QmpResult } from './message.ts';

/** One message as it crossed the connection, seen by message hooks (the recorder's raw material). */
export interface WireMessage {
  readonly dir: 'send' | 'recv';
  /** `performance.now()` when it was written or its line was complete. */
  readonly at: number;
  /** The line without its newline, exactly as sent or received. */
  readonly line: string;
  /** The parsed object, or undefined for a line that is not a JSON object. */
  readonly msg: QmpMessage | undefined;
}

export type WireListener = (message: WireMessage) => void;

export interface ExecuteOptions {
  /** Overrides the connection's default command time-out; `Infinity` waits for ever. */
  readonly timeoutMs?: number;
  /** Sends this id instead of the next `cN`; must not be the id of a command still waiting. */
  readonly id?: string;
  /** Sends `exec-oob` instead of `execute` (needs the `oob` capability enabled). */
  readonly oob?: boolean;
}

export interface QmpConnection {
  /** The peer's address, as used in error messages (`unix:/tmp/x.sock`). */
  readonly address: string;
  readonly greeting: QmpGreeting;
  /** `greeting.QMP.version`. */
  readonly version: QemuVersion;
  readonly closed: boolean;
  /** Sends a command and resolves with its reply: `{return}` or `{error: {class, desc}}`. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>, options?: ExecuteOptions): Promise<QmpResult<T>>;
  /** A stream of every event from now on. */
  events(): EventStream;
  /** Calls `listener` for each event from now on; returns the unsubscribe function. */
  onEvent(listener: (event: QmpEvent) => void): () => void;
  /**
   * The first event from now on that matches. Events that arrive *inside* a command, before its reply,
   * are only caught if the wait starts before the command is sent:
   * `const started = qmp.waitForEvent(p, 1000); await qmp.execute(...); await started;`.
   */
  waitForEvent(matcher: EventMatcher, timeoutMs: number): Promise<QmpEvent>;
  /** Sees every line in both directions from now on; returns the unsubscribe function. */
  onMessage(listener: WireListener): () => void;
  /** Closes the connection; commands still waiting reject with QmpDisconnectedError. */
  close(): Promise<void>;
}
