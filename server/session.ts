/**
 * One QMP session with the model server, over any line transport: the greeting, capabilities
 * negotiation, the checks QEMU's dispatcher makes on each message (qapi/qmp-dispatch.c), commands,
 * and events (only once negotiated, as QEMU sends them). Replies echo the command's `id`.
 */
import type { ModelServer } from './modelServer.ts';
import { JsonStream } from './jsonStream.ts';
import { generic, type ServerError } from './errors.ts';
import type { TimedEvent } from './engine.ts';

export interface SessionIo {
  write(line: string): void;
  /** Ends the connection (after `quit`, or a message too large to parse). */
  close(): void;
}

const ALLOWED_MEMBERS = new Set(['execute', 'exec-oob', 'arguments', 'id', 'control']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class QmpServerSession {
  private negotiated = false;
  private oob = false;
  private closed = false;
  private readonly stream = new JsonStream();

  constructor(
    private readonly server: ModelServer,
    private readonly io: SessionIo,
  ) {}

  get commandMode(): boolean {
    return this.negotiated && !this.closed;
  }

  greet(): void {
    const v = this.server.engine.version;
    this.send({ QMP: { version: { qemu: { micro: v.micro, minor: v.minor, major: v.major }, package: this.server.packageName }, capabilities: ['oob'] } });
  }

  /** Bytes from the client, as text. */
  receive(chunk: string): void {
    for (const item of this.stream.push(chunk)) {
      if (this.closed) return;
      if (item.kind === 'overflow') {
        this.send({ error: generic('JSON parse error, message too large') });
        this.close();
        return;
      }
      this.message(item.text);
    }
  }

  deliver(events: readonly TimedEvent[]): void {
    if (!this.commandMode) return;
    for (const e of events) this.send({ timestamp: e.timestamp, event: e.event, data: e.data });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.server.disconnect(this);
    this.io.close();
  }

  private message(text: string): void {
    // A hung server reads on and answers nothing, as QEMU's monitor in its grouped-transaction hang.
    if (this.server.engine.isHung) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      this.send({ error: generic(`JSON parse error, ${(error as Error).message}`) });
      return;
    }
    if (!isObject(value)) {
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
    if (args !== undefined && !isObject(args)) return reply({ error: generic("QMP input member 'arguments' must be an object") });
    if (hasOob && !this.oob) return reply({ error: generic(`QMP input member 'exec-oob' is unexpected`) });
    if (hasOob) return reply({ error: generic(`The command ${command} does not support OOB`) });
    if (!this.negotiated) {
      if (command !== 'qmp_capabilities') {
        return reply({ error: { class: 'CommandNotFound', desc: "Expecting capabilities negotiation with 'qmp_capabilities'" } });
      }
      const enable = isObject(args) ? args['enable'] : undefined;
      if (enable !== undefined) {
        if (!Array.isArray(enable)) return reply({ error: generic("Invalid parameter type for 'enable', expected: array") });
        for (const cap of enable) {
          if (cap !== 'oob') return reply({ error: generic(`Parameter 'enable' does not accept value '${String(cap)}'`) });
        }
        this.oob = enable.includes('oob');
      }
      const extra = isObject(args) ? Object.keys(args).find((k) => k !== 'enable') : undefined;
      if (extra !== undefined) return reply({ error: generic(`Parameter '${extra}' is unexpected`) });
      this.negotiated = true;
      return reply({ return: {} });
    }
    if (command === 'qmp_capabilities') {
      return reply({ error: { class: 'CommandNotFound', desc: 'Capabilities negotiation is already complete, command ignored' } });
    }
    const result = this.server.execute(command, args);
    if (result.hung) return;
    reply(result.reply);
    if (result.quit) this.server.quit();
  }

  private send(msg: Record<string, unknown>): void {
    if (this.closed) return;
    this.io.write(JSON.stringify(msg));
  }
}
