/**
 * One QMP session with the model server, over any byte transport: the greeting, capabilities
 * negotiation, the checks QEMU's dispatcher makes on each message (qapi/qmp-dispatch.c), commands,
 * and events (only once negotiated, as QEMU sends them). Input is read as QEMU's JSON parser reads it
 * (qmpJson.ts: the same limits and error replies); replies echo the command's `id`. Nothing a client
 * sends ends the session or the server: a failure inside a command is that command's error reply.
 */
import type { CommandResult, TimedEvent } from './engine.ts';
import { generic, type ServerError } from './errors.ts';
import { formatQmpJson, isQDict, QmpJsonParser, type ParserStyle, type QValue } from './qmpJson.ts';

export interface SessionIo {
  write(line: string): void;
  /** Ends the connection (after `quit`). */
  close(): void;
}

/** What a session needs of the server it belongs to (ModelServer). */
export interface SessionHost {
  readonly version: { readonly major: number; readonly minor: number; readonly micro: number };
  readonly packageName: string;
  /** The server hung (QEMU's grouped-transaction hang): it reads on and answers nothing. */
  readonly isHung: boolean;
  execute(command: string, args: unknown): CommandResult;
  /** Called after the reply to a `quit` went out. */
  quit(): void;
  disconnect(session: QmpServerSession): void;
}

/**
 * QEMU 11.1 reads QMP with a push parser (errors carry line:column, the rest of a bad message is
 * skipped); 10.0 and older with the streamer. Releases between were not recorded: 11.0 on count as 11.1.
 */
export function parserStyle(version: { readonly major: number }): ParserStyle {
  return version.major >= 11 ? 'push' : 'streamer';
}

const ALLOWED_MEMBERS = new Set(['execute', 'exec-oob', 'arguments', 'id', 'control']);
const encoder = new TextEncoder();

export class QmpServerSession {
  private negotiated = false;
  private oob = false;
  private closed = false;
  private readonly parser: QmpJsonParser;

  constructor(
    private readonly host: SessionHost,
    private readonly io: SessionIo,
  ) {
    this.parser = new QmpJsonParser(parserStyle(host.version));
  }

  get commandMode(): boolean {
    return this.negotiated && !this.closed;
  }

  greet(): void {
    const v = this.host.version;
    this.send({ QMP: { version: { qemu: { micro: v.micro, minor: v.minor, major: v.major }, package: this.host.packageName }, capabilities: ['oob'] } });
  }

  /** Bytes from the client (a string is taken as its UTF-8 bytes). */
  receive(chunk: Uint8Array | string): void {
    const items = this.parser.feed(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
    for (const item of items) {
      if (this.closed) return;
      // A hung server reads on and answers nothing, as QEMU's monitor in its grouped-transaction hang.
      if (this.host.isHung) continue;
      if (item.kind === 'error') this.send({ error: generic(item.desc) });
      else this.handle(item.value);
    }
  }

  deliver(events: readonly TimedEvent[]): void {
    if (!this.commandMode) return;
    for (const e of events) this.send({ timestamp: e.timestamp, event: e.event, data: e.data });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.host.disconnect(this);
    this.io.close();
  }

  private handle(value: QValue): void {
    const id = isQDict(value) ? value['id'] : undefined;
    try {
      this.message(value);
    } catch (error) {
      // A bug of the model answers the message rather than ending the session.
      const body = { error: generic(`qjob model internal error: ${(error as Error).message}`) };
      this.send(id === undefined ? body : { id, ...body });
    }
  }

  private message(value: QValue): void {
    if (!isQDict(value)) {
      this.send({ error: generic('QMP input must be a JSON object') });
      return;
    }
    const id = value['id'];
    const reply = (body: { return: unknown } | { error: ServerError }): void => {
      if ('return' in body) this.send(id === undefined ? { return: body.return } : { return: body.return, id });
      else this.send(id === undefined ? { error: body.error } : { id, error: body.error });
    };
    const unexpected = Object.keys(value).find((k) => !ALLOWED_MEMBERS.has(k));
    if (unexpected !== undefined) return reply({ error: generic(`QMP input member '${unexpected}' is unexpected`) });
    const hasExec = 'execute' in value;
    const hasOob = 'exec-oob' in value;
    if (hasExec && hasOob) return reply({ error: generic("QMP input must not contain both 'execute' and 'exec-oob'") });
    if (!hasExec && !hasOob) return reply({ error: generic("QMP input lacks member 'execute'") });
    const command = hasExec ? value['execute'] : value['exec-oob'];
    if (typeof command !== 'string') return reply({ error: generic(`QMP input member '${hasExec ? 'execute' : 'exec-oob'}' must be a string`) });
    const args = value['arguments'];
    if (args !== undefined && !isQDict(args)) return reply({ error: generic("QMP input member 'arguments' must be an object") });
    if (hasOob && !this.oob) return reply({ error: generic(`QMP input member 'exec-oob' is unexpected`) });
    if (hasOob) return reply({ error: generic(`The command ${command} does not support OOB`) });
    if (!this.negotiated) {
      if (command !== 'qmp_capabilities') {
        return reply({ error: { class: 'CommandNotFound', desc: "Expecting capabilities negotiation with 'qmp_capabilities'" } });
      }
      const enable = args?.['enable'];
      if (enable !== undefined) {
        if (!Array.isArray(enable)) return reply({ error: generic("Invalid parameter type for 'enable', expected: array") });
        for (const [i, cap] of enable.entries()) {
          if (typeof cap !== 'string') return reply({ error: generic(`Invalid parameter type for 'enable[${i}]', expected: string`) });
          // QEMU names a list element's enum value 'null' here (7.2 and 10.0 alike).
          if (cap !== 'oob') return reply({ error: generic(`Parameter 'null' does not accept value '${cap}'`) });
        }
        this.oob = enable.includes('oob');
      }
      const extra = args === undefined ? undefined : Object.keys(args).find((k) => k !== 'enable');
      if (extra !== undefined) return reply({ error: generic(`Parameter '${extra}' is unexpected`) });
      this.negotiated = true;
      return reply({ return: {} });
    }
    if (command === 'qmp_capabilities') {
      return reply({ error: { class: 'CommandNotFound', desc: 'Capabilities negotiation is already complete, command ignored' } });
    }
    const result = this.host.execute(command, args);
    if (result.hung) return;
    reply(result.reply);
    if (result.quit) this.host.quit();
  }

  private send(msg: Record<string, unknown>): void {
    if (this.closed) return;
    this.io.write(formatQmpJson(msg));
  }
}
