/**
 * The recorder: a transparent proxy between one QMP client and a QMP server that writes the session as
 * a trace. Bytes are forwarded unchanged, in both directions; a copy of each is split into lines and each
 * line is written to the trace the moment it is complete (TraceWriter: one synchronous write per line).
 *
 * - `t` is seconds since the client connected (the upstream connection is made at start-up, so a bad
 *   upstream fails at once, but nothing is read from it until a client is there).
 * - A line that is not a JSON object is forwarded and recorded as `{"x-qjob-unparsed": "<text>"}`;
 *   one over the length cap as `{"x-qjob-unparsed": "<first bytes>", "x-qjob-overlong": true}`. No QMP
 *   message has these members, so a reader can tell them apart and the file stays valid JSON lines.
 *   Blank lines carry no message and are not recorded.
 * - One client session is served: once a client is connected, no further one is accepted. The session
 *   ends when either side disconnects (the other side is then closed) or on `stop()`.
 * - What the recorder cannot parse or re-serialise (a message nested deeper than QEMU's parser takes,
 *   which QEMU answers with an error) is recorded as `x-qjob-unparsed` text, and still forwarded: a
 *   hostile message neither ends the session nor goes missing from the trace.
 * - It listens through qmp/listener.ts (a unix socket is 0600 from the start and removed at the end).
 */
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import { isObject, LineSplitter, listenSocket, openSocket, type QmpAddress, type SocketListener } from '../qmp/index.ts';
import type { Direction, QmpMessage, TraceMeta } from './format.ts';
import { TraceWriter } from './writer.ts';

export interface RecorderOptions {
  /** The QMP server to forward to. */
  readonly upstream: QmpAddress;
  /** Where to accept the client. Use port 0 for any free port; `Recorder.address` tells which. */
  readonly listen: QmpAddress;
  /** The trace file; created or truncated. */
  readonly out: string;
  /** Written as the first line, after `recorder` and `recorded` are filled in (given members win). */
  readonly meta?: TraceMeta;
  readonly maxLineBytes?: number;
  /** Limit for connecting upstream. Default 5000 ms. */
  readonly connectTimeoutMs?: number;
}

export type RecorderEnd = 'client' | 'upstream' | 'stopped';

export interface RecorderSummary {
  /** Which side ended the session; `stopped`: stop() was called (e.g. on SIGINT) or the trace could not be written (then `traceError` says why). */
  readonly endedBy: RecorderEnd;
  /** Message lines in the trace (the meta line not counted). */
  readonly lines: number;
  /** A socket error that ended the session, if one did. */
  readonly error?: string;
  /** Set when the trace could not be written or closed: it is incomplete. */
  readonly traceError?: string;
}

export interface Recorder {
  /** Where it listens, with the real port for port 0. */
  readonly address: string;
  /** Settles when the session is over and the trace is closed. */
  readonly done: Promise<RecorderSummary>;
  /** Ends the session (or stops waiting for one) and closes the trace. */
  stop(): Promise<RecorderSummary>;
}

export const RECORDER_NAME = 'qjob record';

export class RecorderError extends Error {
  override readonly name = 'RecorderError';
}

/**
 * The longest line recorded whole: QEMU's own limit on a message's tokens (64 MiB), so any message QEMU
 * would read is recorded; longer lines are forwarded and recorded by their first bytes.
 */
export const RECORDER_MAX_LINE_BYTES = 64 * 1024 * 1024 + 1024;

/** Deeper than QEMU's parser nests (1024): such a line is recorded as text, never re-serialised. */
const MAX_RECORDED_DEPTH = 1100;

export async function startRecorder(options: RecorderOptions): Promise<Recorder> {
  const upstream = await openSocket(options.upstream, options.connectTimeoutMs);
  // A client may connect before the session exists (while the trace is opened): it waits in `pending`.
  const ready: { session?: RecordingSession } = {};
  const pending: net.Socket[] = [];
  let listener: SocketListener;
  try {
    listener = await listenSocket(options.listen, (socket) => (ready.session ? ready.session.accept(socket) : pending.push(socket)));
  } catch (error) {
    upstream.destroy();
    throw error;
  }
  let writer: TraceWriter;
  try {
    writer = new TraceWriter(options.out);
    writer.write({ meta: { recorder: RECORDER_NAME, recorded: new Date().toISOString(), ...options.meta } });
  } catch (error) {
    upstream.destroy();
    await listener.close();
    throw new RecorderError(`cannot write the trace ${options.out}: ${(error as Error).message}`);
  }
  const session = new RecordingSession(upstream, listener, writer, options.maxLineBytes ?? RECORDER_MAX_LINE_BYTES);
  ready.session = session;
  for (const socket of pending.splice(0)) session.accept(socket);
  return session;
}

/** How deep a parsed JSON value nests, counted without recursion; stops counting past `limit`. */
function depthExceeds(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (d + 1 > limit) return true;
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return false;
}

/** The line as a trace message: its JSON object, or the text when it is not one QEMU's parser could take. */
function recordedMessage(text: string): QmpMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { 'x-qjob-unparsed': text };
  }
  return isObject(value) && !depthExceeds(value, MAX_RECORDED_DEPTH) ? value : { 'x-qjob-unparsed': text };
}

class RecordingSession implements Recorder {
  readonly address: string;
  readonly done: Promise<RecorderSummary>;
  private client: net.Socket | undefined;
  private startedAt = 0;
  private endedBy: RecorderEnd | undefined;
  private error: string | undefined;
  private finished = false;
  private traceError: string | undefined;
  private resolveDone: (summary: RecorderSummary) => void = () => {};
  private readonly splitters: Record<Direction, LineSplitter>;

  constructor(
    private readonly upstream: net.Socket,
    private readonly listener: SocketListener,
    private readonly writer: TraceWriter,
    maxLineBytes: number,
  ) {
    this.address = listener.address;
    this.splitters = { send: new LineSplitter(maxLineBytes), recv: new LineSplitter(maxLineBytes) };
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    upstream.on('error', (error) => this.end('upstream', error));
    upstream.on('close', () => this.end('upstream'));
  }

  stop(): Promise<RecorderSummary> {
    this.end('stopped');
    return this.done;
  }

  accept(socket: net.Socket): void {
    if (this.client !== undefined || this.endedBy !== undefined) {
      socket.destroy();
      return;
    }
    this.client = socket;
    this.startedAt = performance.now();
    void this.listener.stopAccepting();
    socket.on('error', (error) => this.end('client', error));
    socket.on('close', () => this.end('client'));
    this.pipe(socket, this.upstream, 'send');
    this.pipe(this.upstream, socket, 'recv');
    this.upstream.resume();
  }

  private pipe(from: net.Socket, to: net.Socket, dir: Direction): void {
    from.on('data', (chunk: Buffer) => {
      if (to.writable && !to.write(chunk)) {
        from.pause();
        to.once('drain', () => from.resume());
      }
      this.record(dir, chunk);
    });
    // A half-close is passed on; the session ends when the sockets close.
    from.on('end', () => to.end());
  }

  private record(dir: Direction, chunk: Buffer): void {
    if (this.traceError !== undefined) return;
    for (const item of this.splitters[dir].push(chunk)) {
      if (item.kind === 'overflow') this.writeLine(dir, { 'x-qjob-unparsed': item.prefix, 'x-qjob-overlong': true });
      else this.writeText(dir, item.text);
    }
  }

  private writeText(dir: Direction, text: string): void {
    if (text.trim() === '') return;
    this.writeLine(dir, recordedMessage(text));
  }

  private writeLine(dir: Direction, msg: QmpMessage): void {
    if (this.traceError !== undefined) return;
    // Seconds, to the microsecond, as in the sample traces.
    const t = Math.round((performance.now() - this.startedAt) * 1000) / 1e6;
    try {
      try {
        this.writer.write({ dir, t, msg });
      } catch (error) {
        // A message the trace format cannot hold (it should not happen after recordedMessage) goes in as text.
        if (!(error instanceof RangeError) || 'x-qjob-unparsed' in msg) throw error;
        this.writer.write({ dir, t, msg: { 'x-qjob-unparsed': '(a message qjob could not serialise)' } });
      }
    } catch (error) {
      // A trace that cannot be written (disk full) ends the session rather than the process.
      this.traceError = `cannot write the trace ${this.writer.path}: ${(error as Error).message}`;
      this.end('stopped');
    }
  }

  /** Ends the session once: closes both sockets, then the trace. */
  private end(by: RecorderEnd, error?: Error): void {
    if (this.endedBy === undefined) {
      this.endedBy = by;
      if (error !== undefined) this.error = `${by}: ${error.message}`;
    }
    if (this.finished) return;
    this.finished = true;
    void this.finish();
  }

  private async finish(): Promise<void> {
    const sockets = [this.upstream, this.client].filter((s): s is net.Socket => s !== undefined);
    for (const socket of sockets) {
      socket.end();
      // Read on, so the peer's end is seen (an upstream still waiting for a client is paused).
      socket.resume();
    }
    await Promise.all(sockets.map((socket) => closed(socket, 1000)));
    await this.listener.close();
    for (const dir of ['send', 'recv'] as const) {
      if (this.client !== undefined) this.writeText(dir, this.splitters[dir].rest());
    }
    try {
      this.writer.close();
    } catch (error) {
      this.traceError ??= `cannot close the trace ${this.writer.path}: ${(error as Error).message}`;
    }
    const summary: RecorderSummary = {
      endedBy: this.endedBy ?? 'stopped',
      lines: this.writer.lines,
      ...(this.error === undefined ? {} : { error: this.error }),
      ...(this.traceError === undefined ? {} : { traceError: this.traceError }),
    };
    this.resolveDone(summary);
  }
}

/** Resolves when the socket has closed, destroying it if it has not within `graceMs`. */
function closed(socket: net.Socket, graceMs: number): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => socket.destroy(), graceMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
