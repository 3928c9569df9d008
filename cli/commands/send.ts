/**
 * `qjob send`: one-off QMP commands from the shell. Connects to a QMP server (QEMU, `qjob serve`, or
 * `qjob record` in front of either), reads the greeting, negotiates capabilities, sends each command
 * given as a JSON argument, waiting for its reply, and prints every reply and event, one JSON line
 * each, on stdout. Exit 0 when every reply is a `return`, 1 when one is an `error`, 2 on bad usage,
 * a connection that fails, or a reply that does not come within the time-out.
 */
import type net from 'node:net';
import type { Command } from 'commander';
import { DEFAULT_MAX_LINE_BYTES, isEvent, isGreeting, isReply, LineSplitter, openSocket, parseQmpAddress, parseQmpLine, QmpAddressError, type QmpMessage } from '../../qmp/index.ts';
import type { CommandSpec } from '../command.ts';
import { UsageError } from '../errors.ts';

interface SendOptions {
  to: string;
  timeout: string;
  events: string;
  negotiate: boolean;
}

function count(text: string, option: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${option}: expected a number of milliseconds, got '${text}'`);
  return Number(text);
}

function parseCommands(texts: readonly string[]): string[] {
  if (texts.length === 0) throw new UsageError('give at least one command, e.g. \'{"execute":"query-jobs"}\'');
  return texts.map((text, i) => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new UsageError(`command ${i + 1}: not JSON: ${(error as Error).message}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`command ${i + 1}: must be a JSON object, such as {"execute":"query-jobs"}`);
    return JSON.stringify(value);
  });
}

/** Lines from the server, as they complete, each with its parsed message. */
class Incoming {
  private readonly splitter = new LineSplitter(DEFAULT_MAX_LINE_BYTES);
  private readonly queue: { line: string; msg: QmpMessage | undefined }[] = [];
  private wake: (() => void) | undefined;
  closed = false;

  constructor(socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const item of this.splitter.push(chunk)) {
        const line = item.kind === 'line' ? item.text : `${item.prefix}...`;
        if (line.trim() !== '') this.queue.push({ line, msg: item.kind === 'line' ? parseQmpLine(line) : undefined });
      }
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', () => {});
    socket.resume();
  }

  /** The next line, or undefined when `deadline` (a Date.now() value) passes or the connection closes. */
  async next(deadline: number): Promise<{ line: string; msg: QmpMessage | undefined } | undefined> {
    for (;;) {
      const first = this.queue.shift();
      if (first) return first;
      const left = deadline - Date.now();
      if (this.closed || left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}

export const sendCommand: CommandSpec = {
  name: 'send',
  summary: 'send one or more QMP commands to a server and print the replies and events',
  description:
    'Connects to a QMP server (unix:PATH or tcp:HOST:PORT), negotiates capabilities, sends each command (a JSON object ' +
    'argument, e.g. \'{"execute":"query-jobs"}\') and waits for its reply, then prints every reply and event as JSON lines. ' +
    'Exit 0 when every reply is a return, 1 when one is an error, 2 on bad usage or a connection problem.',
  configure(cmd: Command) {
    cmd
      .requiredOption('--to <address>', 'the QMP server: unix:PATH, tcp:HOST:PORT, or qmp:unix:PATH / qmp:tcp:HOST:PORT')
      .option('--timeout <ms>', 'how long to wait for the greeting and for each reply', '10000')
      .option('--events <ms>', 'after the last reply, how long to go on printing events', '0')
      .option('--no-negotiate', 'send no qmp_capabilities first (to test negotiation itself)')
      .argument('<command...>', 'QMP commands, each a JSON object');
  },
  async run(cmd: Command) {
    const o = cmd.opts<SendOptions>();
    const commands = parseCommands(cmd.args);
    const timeoutMs = count(o.timeout, '--timeout');
    const eventsMs = count(o.events, '--events');
    let address;
    try {
      address = parseQmpAddress(o.to.startsWith('qmp:') ? o.to.slice(4) : o.to);
    } catch (error) {
      if (error instanceof QmpAddressError) throw new UsageError(`--to: ${error.message}`);
      throw error;
    }
    const socket = await openSocket(address, timeoutMs);
    const incoming = new Incoming(socket);
    const print = (line: string): void => void process.stdout.write(line + '\n');
    try {
      const greeting = await incoming.next(Date.now() + timeoutMs);
      if (!greeting?.msg || !isGreeting(greeting.msg)) {
        process.stderr.write(`qjob: ${o.to} sent no QMP greeting${greeting ? `: ${greeting.line.slice(0, 200)}` : ''}\n`);
        return 2;
      }
      const toSend = o.negotiate ? ['{"execute":"qmp_capabilities"}', ...commands] : commands;
      let failed = false;
      for (const [i, text] of toSend.entries()) {
        socket.write(text + '\n');
        const shown = !o.negotiate || i > 0;
        for (;;) {
          const got = await incoming.next(Date.now() + timeoutMs);
          if (got === undefined) {
            process.stderr.write(`qjob: no reply to ${text.slice(0, 200)} within ${timeoutMs} ms${incoming.closed ? ' (the server closed the connection)' : ''}\n`);
            return 2;
          }
          if (got.msg && isEvent(got.msg)) {
            print(got.line);
            continue;
          }
          if (shown || !(got.msg && isReply(got.msg) && 'return' in got.msg)) print(got.line);
          if (got.msg && isReply(got.msg)) {
            if ('error' in got.msg) failed = true;
            break;
          }
        }
      }
      const until = Date.now() + eventsMs;
      for (let got = await incoming.next(until); got !== undefined; got = await incoming.next(until)) print(got.line);
      return failed ? 1 : 0;
    } finally {
      socket.destroy();
    }
  },
};
