/**
 * A QMP client over a unix or TCP socket: reads the greeting, negotiates capabilities, matches replies
 * to commands by id, and hands events to streams and listeners. Framing is by newline (LineSplitter).
 * A QMP error reply is a value; what rejects is the connection failing, with a typed error naming the
 * address (errors.ts). After a protocol breach the connection is closed, since its framing is lost.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { formatQmpAddress, parseQmpAddress, type QmpAddress } from './address.ts';
import type { ExecuteOptions, QmpConnection, WireListener, WireMessage } from './connection.ts';
import { type EventMatcher } from './eventMatcher.ts';
import { EventStream } from './eventStream.ts';
import { connectErrorFrom, QmpDisconnectedError, QmpProtocolError, QmpTimeoutError, type QmpError } from './errors.ts';
import { DEFAULT_MAX_LINE_BYTES, LineSplitter } from './lineSplitter.ts';
import {
  isEvent,
  isGreeting,
  isQmpError,
  isReply,
  parseQmpLine,
  type QemuVersion,
  type QmpEvent,
  type QmpGreeting,
  type QmpMessage,
  type QmpResult,
} from './message.ts';

export interface QmpClientOptions {
  /** Limit for connecting, the greeting and `qmp_capabilities` together. Default 5000 ms. */
  readonly timeoutMs?: number;
  /** Default time-out of `execute`. Default 10000 ms. */
  readonly commandTimeoutMs?: number;
  /** Send `qmp_capabilities` after the greeting (default true); false leaves the session in negotiation mode. */
  readonly negotiate?: boolean;
  /** Capabilities to enable in `qmp_capabilities`, e.g. `['oob']`. */
  readonly capabilities?: readonly string[];
  /** Longest line accepted from the peer. Default 16 MiB. */
  readonly maxLineBytes?: number;
  /** Sees every line in both directions, the greeting included. */
  readonly onMessage?: WireListener;
}

const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;
/** setTimeout cannot wait longer; longer time-outs wait for ever. */
const MAX_TIMER_MS = 2_147_483_647;

/** Connects, reads the greeting and (by default) negotiates capabilities. */
export async function connectQmp(address: QmpAddress | string, options: QmpClientOptions = {}): Promise<QmpClient> {
  const target = typeof address === 'string' ? parseQmpAddress(address) : address;
  const socket = target.kind === 'unix' ? net.createConnection({ path: target.path }) : net.createConnection({ host: target.host, port: target.port });
  const client = new QmpClient(socket, formatQmpAddress(target), options);
  await client.ready;
  return client;
}

interface Pending {
  readonly command: string;
  readonly label: string;
  readonly resolve: (result: QmpResult<unknown>) => void;
  readonly reject: (error: QmpError) => void;
  readonly timer: ReturnType<typeof setTimeout> | undefined;
}

type Phase = 'connecting' | 'greeting' | 'open' | 'closed';

export class QmpClient implements QmpConnection {
  readonly address: string;
  /** Settles when the session is usable (after negotiation); `connectQmp` awaits it. */
  readonly ready: Promise<void>;
  private phase: Phase = 'connecting';
  private greetingMessage: QmpGreeting | undefined;
  /** Set while qmp_capabilities awaits its reply: called when a second greeting arrives. */
  private onRegreeting: (() => void) | undefined;
  private failure: QmpError | undefined;
  private readonly splitter: LineSplitter;
  private readonly pending = new Map<string, Pending>();
  private readonly streams = new Set<EventStream>();
  private readonly eventListeners = new Set<(event: QmpEvent) => void>();
  private readonly wireListeners = new Set<WireListener>();
  private readonly commandTimeoutMs: number;
  private nextId = 0;
  private readyCallbacks: { resolve: () => void; reject: (error: QmpError) => void } | undefined;
  private readonly socketClosed: Promise<void>;

  /** Use `connectQmp`; the constructor takes a socket that is still connecting. */
  constructor(
    private readonly socket: net.Socket,
    address: string,
    private readonly options: QmpClientOptions = {},
  ) {
    this.address = address;
    this.splitter = new LineSplitter(options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
    this.commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    if (options.onMessage !== undefined) this.wireListeners.add(options.onMessage);
    this.socketClosed = new Promise((resolve) => socket.once('close', () => resolve()));
    const greeted = new Promise<void>((resolve, reject) => {
      this.readyCallbacks = { resolve, reject };
    });
    // Swallowed here so an unawaited failure is not reported twice; `ready` re-raises it.
    greeted.catch(() => {});
    socket.on('connect', () => {
      if (this.phase === 'connecting') this.phase = 'greeting';
    });
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => this.socketError(error));
    socket.on('close', () => this.fail((what) => new QmpDisconnectedError(this.address, true, what)));
    this.ready = this.start(greeted);
  }

  get greeting(): QmpGreeting {
    if (this.greetingMessage === undefined) throw new Error(`no greeting from ${this.address} yet`);
    return this.greetingMessage;
  }

  get version(): QemuVersion {
    return this.greeting.QMP.version;
  }

  get closed(): boolean {
    return this.phase === 'closed';
  }

  /** The error that ended the connection, if it did not end by `close()`. */
  get closedBy(): QmpError | undefined {
    return this.failure;
  }

  execute<T = unknown>(command: string, args?: Record<string, unknown>, options: ExecuteOptions = {}): Promise<QmpResult<T>> {
    if (this.phase === 'closed') {
      return Promise.reject(this.failure ?? new QmpDisconnectedError(this.address, false, `the reply to '${command}'`));
    }
    let id = options.id;
    if (id !== undefined && this.pending.has(id)) {
      return Promise.reject(new Error(`id '${id}' is already used by a command waiting for its reply`));
    }
    while (id === undefined || this.pending.has(id)) id = `c${++this.nextId}`;
    const label = `the reply to '${command}' (id ${id})`;
    const message: Record<string, unknown> = { [options.oob === true ? 'exec-oob' : 'execute']: command };
    if (args !== undefined) message['arguments'] = args;
    message['id'] = id;
    const timeoutMs = options.timeoutMs ?? this.commandTimeoutMs;
    const key = id;
    return new Promise<QmpResult<T>>((resolve, reject) => {
      const timer =
        timeoutMs > MAX_TIMER_MS
          ? undefined
          : setTimeout(() => {
              this.pending.delete(key);
              reject(new QmpTimeoutError(this.address, label, timeoutMs));
            }, timeoutMs);
      this.pending.set(key, { command, label, resolve: resolve as (result: QmpResult<unknown>) => void, reject, timer });
      this.write(message);
    });
  }

  events(): EventStream {
    const stream: EventStream = new EventStream(this.address, () => this.streams.delete(stream));
    if (this.phase === 'closed') stream.end(this.failure);
    else this.streams.add(stream);
    return stream;
  }

  onEvent(listener: (event: QmpEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  async waitForEvent(matcher: EventMatcher, timeoutMs: number): Promise<QmpEvent> {
    const stream = this.events();
    try {
      return await stream.waitFor(matcher, timeoutMs);
    } finally {
      stream.end();
    }
  }

  onMessage(listener: WireListener): () => void {
    this.wireListeners.add(listener);
    return () => this.wireListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.phase !== 'closed') {
      this.shutDown(undefined, (waitingFor) => new QmpDisconnectedError(this.address, false, waitingFor));
      this.socket.end();
      const timer = setTimeout(() => this.socket.destroy(), 1000);
      await this.socketClosed;
      clearTimeout(timer);
      return;
    }
    await this.socketClosed;
  }

  private async start(greeted: Promise<void>): Promise<void> {
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const started = performance.now();
    const timer = setTimeout(() => {
      const what = this.phase === 'connecting' ? 'the connection' : 'the greeting';
      this.fail(() => new QmpTimeoutError(this.address, what, timeoutMs));
    }, timeoutMs);
    try {
      await greeted;
    } finally {
      clearTimeout(timer);
    }
    if (this.options.negotiate === false) return;
    const capabilities = this.options.capabilities ?? [];
    const remaining = Math.max(1, timeoutMs - (performance.now() - started));
    let failure: QmpError;
    try {
      const args = capabilities.length > 0 ? { enable: capabilities } : undefined;
      let result: QmpResult<unknown> | undefined;
      let renegotiated = false;
      // QEMU sometimes greets a fresh connection twice, resetting the session in between; a
      // qmp_capabilities that raced the second greeting is then never answered, so negotiate again.
      for (let attempt = 0; result === undefined; attempt++) {
        const left = Math.max(1, timeoutMs - (performance.now() - started));
        const regreeted = new Promise<undefined>((resolve) => (this.onRegreeting = () => resolve(undefined)));
        const reply = this.execute('qmp_capabilities', args, { timeoutMs: attempt === 0 ? remaining : left });
        result = attempt < 3 ? await Promise.race([reply, regreeted]) : await reply;
        this.onRegreeting = undefined;
        if (result === undefined) {
          reply.catch(() => undefined);
          renegotiated = true;
        }
      }
      if (!isQmpError(result)) return;
      // The qmp_capabilities sent before the second greeting may have been taken after all: then the
      // one sent again is refused as coming too late, and the session is negotiated.
      if (renegotiated && result.error.class === 'CommandNotFound' && /negotiation is already complete/.test(result.error.desc)) return;
      failure = new QmpProtocolError(this.address, 'negotiation-failed', `qmp_capabilities answered ${result.error.class}: ${result.error.desc}`);
    } catch (error) {
      failure = error as QmpError;
    }
    // A client that never became usable is not handed out, so its socket is closed here.
    this.fail(() => failure);
    throw failure;
  }

  private write(message: QmpMessage): void {
    const line = JSON.stringify(message);
    this.socket.write(line + '\n');
    this.notify({ dir: 'send', at: performance.now(), line, msg: message });
  }

  private receive(chunk: Buffer): void {
    for (const item of this.splitter.push(chunk)) {
      if (this.phase === 'closed') return;
      if (item.kind === 'overflow') {
        this.breach('line-too-long', `a line passed the ${this.splitter.maxLineBytes}-byte limit (it began ${JSON.stringify(item.prefix.slice(0, 80))})`);
        return;
      }
      if (item.text.trim() === '') continue;
      const msg = parseQmpLine(item.text);
      this.notify({ dir: 'recv', at: performance.now(), line: item.text, msg });
      if (msg === undefined) {
        const notJson = parseJson(item.text) === undefined;
        this.breach(notJson ? 'not-json' : 'not-an-object', `${notJson ? 'not JSON' : 'not a JSON object'}: ${JSON.stringify(item.text.slice(0, 80))}`);
        return;
      }
      this.dispatch(msg, item.text);
    }
  }

  private dispatch(msg: QmpMessage, text: string): void {
    if (this.phase === 'greeting' || this.greetingMessage === undefined) {
      if (!isGreeting(msg)) {
        this.breach('no-greeting', `the first message is not a greeting: ${JSON.stringify(text.slice(0, 80))}`);
        return;
      }
      this.greetingMessage = msg;
      this.phase = 'open';
      this.readyCallbacks?.resolve();
      return;
    }
    if (isGreeting(msg)) {
      this.onRegreeting?.();
      return;
    }
    if (isReply(msg)) {
      const id = msg['id'];
      const waiting = typeof id === 'string' ? this.pending.get(id) : undefined;
      // A reply nobody waits for (timed out, or QEMU's id-less parse error) is left to message hooks.
      if (waiting === undefined || typeof id !== 'string') return;
      this.pending.delete(id);
      if (waiting.timer !== undefined) clearTimeout(waiting.timer);
      waiting.resolve(msg);
      return;
    }
    if (isEvent(msg)) {
      for (const stream of this.streams) stream.push(msg);
      for (const listener of this.eventListeners) listener(msg);
    }
  }

  private notify(message: WireMessage): void {
    for (const listener of this.wireListeners) listener(message);
  }

  private breach(failure: QmpProtocolError['failure'], detail: string): void {
    const error = new QmpProtocolError(this.address, failure, detail);
    this.fail(() => error);
  }

  private socketError(error: NodeJS.ErrnoException): void {
    if (this.phase === 'connecting') {
      const failure = connectErrorFrom(error, this.address);
      this.fail(() => failure);
      return;
    }
    // ECONNRESET, EPIPE: the peer went away ('close' follows).
    this.fail((what) => new QmpDisconnectedError(this.address, true, what));
  }

  /**
   * Ends the connection after a failure. `make` builds the error, given what was being waited for:
   * each waiting command's reply, the greeting, or nothing in particular (event streams, `closedBy`).
   */
  private fail(make: (waitingFor: string | undefined) => QmpError): void {
    if (this.phase === 'closed') return;
    const error = make(this.greetingMessage === undefined ? 'the greeting' : undefined);
    this.failure = error;
    this.shutDown(error, make);
    this.socket.destroy();
  }

  private shutDown(error: QmpError | undefined, make: (waitingFor: string) => QmpError): void {
    this.phase = 'closed';
    for (const waiting of this.pending.values()) {
      if (waiting.timer !== undefined) clearTimeout(waiting.timer);
      waiting.reject(make(waiting.label));
    }
    this.pending.clear();
    for (const stream of [...this.streams]) stream.end(error);
    this.streams.clear();
    this.readyCallbacks?.reject(error ?? make('the greeting'));
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
