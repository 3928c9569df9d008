/**
 * libvirt daemon logs (libvirtd's or virtqemud's, with `log_filters="1:qemu.qemu_monitor"`) as traces
 * (docs/libvirt.md). A record starts with `<date> <time>+<zone>: <thread>: <level> : <function>:<line> : `
 * and may go on over further lines. Of them only the monitor's traffic is read:
 *
 *   QEMU_MONITOR_NEW: mon=0x... fd=N                      a monitor (one QMP connection) opens
 *   QEMU_MONITOR_IO_WRITE: mon=0x... buf={...}            a command written to QEMU; the next line says
 *    len=N ret=N errno=0                                  how much of it went out
 *   QEMU_MONITOR_RECV_REPLY: mon=0x... reply={...}        a reply
 *   QEMU_MONITOR_RECV_EVENT: mon=0x... event={...}        an event
 *   Line [{"QMP": ...}]                                   (debug) a line received; only the greeting,
 *                                                         which has no record of its own, is read here
 *
 * `QEMU_MONITOR_SEND_MSG` records the same commands when libvirt queues them (IO_WRITE when they leave),
 * and every received message is logged twice (the debug `Line [...]` and the info record): each message
 * is read once, from the record above. Everything else in the log is skipped.
 *
 * Every monitor is a session of its own: a log holds the sessions of several VMs, interleaved, and a
 * daemon restarted during a job opens a second monitor to the same QEMU. A session is named by its
 * monitor's pointer (`0x7f0e48006740`); a pointer used again after its monitor closed names a new
 * session, `0x7f0e48006740/2`. The greeting's `Line [...]` names no monitor: it belongs to the monitor
 * the same thread next reads from or writes to (each monitor has its I/O thread). Without a greeting,
 * a `query-version` reply gives the session's release (a greeting made of it is put first).
 * `t` is libvirt's timestamp, seconds since the Unix epoch.
 */
import type { QmpMessage, TraceLine } from './format.ts';
import { MAX_NESTING } from './logJson.ts';
import { excerpt } from './printable.ts';
import { TraceInputError } from './traceInputError.ts';

/** A record's first line: date, time and zone, thread, level, the function (`name:line`, not on all), message. */
const RECORD = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)([+-]\d\d)(\d\d): (\d+): (\w+) : (?:(\w+:\d+) : )?(.*)$/;

/** Whether a line starts a libvirt log record (what format detection looks for). */
export function isLibvirtLogLine(text: string): boolean {
  return RECORD.test(text);
}

const MONITOR = /^QEMU_MONITOR_(NEW|CLOSE|IO_WRITE|RECV_REPLY|RECV_EVENT): mon=(0x[0-9a-fA-F]+|\(nil\))(?: (fd|buf|reply|event)=(.*))?$/;
const WRITE_RESULT = /^\s*len=(\d+) ret=(-?\d+) errno=(\d+)\s*$/;
const GREETING_LINE = /^Line \[(\{\s*"QMP".*)\]$/;

/** What one pass learns about a session. */
export interface LibvirtSession {
  /** The monitor's pointer, `/2`, `/3` ... when a closed monitor's pointer is used again. */
  readonly key: string;
  /** The line that opened it (QEMU_MONITOR_NEW), or its first message's. */
  readonly line: number;
  messages: number;
  commands: number;
  replies: number;
  events: number;
  greeting: boolean;
  /** The `query-version` answer, when the session asked. */
  version?: unknown;
}

/** The name a session is reported under: `<file>#mon=<key>`. */
export function libvirtSessionName(file: string, key: string): string {
  return `${file}#mon=${key}`;
}

interface LogRecord {
  readonly lineNo: number;
  readonly t: number;
  readonly thread: string;
  readonly text: string;
  more: string[];
}

function epochSeconds(date: string, time: string, zh: string, zm: string): number {
  const ms = Date.parse(`${date}T${time}${zh}:${zm}`);
  return Number.isFinite(ms) ? ms / 1000 : 0;
}

function isObject(v: unknown): v is QmpMessage {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads a libvirt log line by line (`line`, then `end`) and calls `emit` with each monitor message,
 * the key of the session it belongs to and the line it starts on. Throws TraceInputError for a
 * monitor record whose message cannot be read.
 */
export class LibvirtLogReader {
  /** Monitor messages emitted so far (greetings included). */
  messages = 0;
  readonly sessions = new Map<string, LibvirtSession>();
  private record: LogRecord | undefined;
  /** Pointer → key of its current session. */
  private readonly current = new Map<string, string>();
  private readonly closed = new Set<string>();
  /** Thread → key of the session it last served. */
  private readonly threads = new Map<string, string>();
  /** Thread → a greeting it read and no monitor claimed yet. */
  private readonly greetings = new Map<string, { msg: QmpMessage; lineNo: number; t: number }>();
  /** Key → a command whose write went out only in part. */
  private readonly partial = new Map<string, { msg: QmpMessage; lineNo: number; t: number }>();
  /** Key → ids of `query-version` commands not answered yet. */
  private readonly versionIds = new Map<string, Set<string>>();

  constructor(
    private readonly file: string,
    private readonly emit: (key: string, line: TraceLine, lineNo: number) => void,
  ) {}

  line(text: string, lineNo: number): void {
    const m = RECORD.exec(text);
    if (!m) {
      this.record?.more.push(text);
      return;
    }
    this.flush();
    this.record = { lineNo, t: epochSeconds(m[1]!, m[2]!, m[3]!, m[4]!), thread: m[5]!, text: m[8]!, more: [] };
  }

  end(): void {
    this.flush();
  }

  private flush(): void {
    const r = this.record;
    this.record = undefined;
    if (!r) return;
    if (r.text.startsWith('QEMU_MONITOR_')) this.onMonitor(r);
    else if (r.text.startsWith('Line [')) {
      const g = GREETING_LINE.exec(r.text);
      if (g) {
        const msg = this.parse(g[1]!, r, 'greeting');
        this.greetings.set(r.thread, { msg, lineNo: r.lineNo, t: r.t });
      }
    }
  }

  private parse(json: string, r: LogRecord, what: string): QmpMessage {
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      throw new TraceInputError(this.file, r.lineNo, `${what}: not JSON: ${excerpt(json)}`);
    }
    if (!isObject(value)) throw new TraceInputError(this.file, r.lineNo, `${what}: not a JSON object: ${excerpt(json)}`);
    if (tooDeep(value)) throw new TraceInputError(this.file, r.lineNo, `${what}: JSON nested deeper than ${MAX_NESTING} levels (QEMU's limit)`);
    return value;
  }

  private session(pointer: string, lineNo: number, fresh: boolean): string {
    let key = this.current.get(pointer);
    if (key === undefined || (fresh && (this.closed.has(pointer) || this.sessions.get(key)!.messages > 0))) {
      let n = 1;
      for (const s of this.sessions.keys()) if (s === pointer || s.startsWith(`${pointer}/`)) n++;
      key = n === 1 ? pointer : `${pointer}/${n}`;
      this.sessions.set(key, { key, line: lineNo, messages: 0, commands: 0, replies: 0, events: 0, greeting: false });
      this.current.set(pointer, key);
      this.closed.delete(pointer);
    }
    return key;
  }

  private out(key: string, line: TraceLine, lineNo: number): void {
    const s = this.sessions.get(key)!;
    s.messages++;
    this.messages++;
    this.emit(key, line, lineNo);
  }

  private onMonitor(r: LogRecord): void {
    const m = MONITOR.exec(r.text);
    if (!m) return; // QEMU_MONITOR_SEND_MSG and anything else: not read
    const [, kind, pointer, , value] = m;
    if (kind === 'NEW') {
      this.session(pointer!, r.lineNo, true);
      return;
    }
    if (kind === 'CLOSE') {
      this.closed.add(pointer!);
      return;
    }
    const key = this.session(pointer!, r.lineNo, false);
    const s = this.sessions.get(key)!;
    this.threads.set(r.thread, key);
    const greeting = this.greetings.get(r.thread);
    if (greeting) {
      this.greetings.delete(r.thread);
      s.greeting = true;
      this.out(key, { dir: 'recv', t: greeting.t, msg: greeting.msg }, greeting.lineNo);
    }
    const what = `QEMU_MONITOR_${kind!}`;
    if (value === undefined) throw new TraceInputError(this.file, r.lineNo, `${what} without its message`);
    if (kind === 'IO_WRITE') {
      const result = r.more.length > 0 ? WRITE_RESULT.exec(r.more[0]!) : null;
      if (!result) throw new TraceInputError(this.file, r.lineNo, `${what}: no "len=... ret=... errno=..." line after the buffer`);
      const len = Number(result[1]);
      const ret = Number(result[2]);
      const pending = this.partial.get(key);
      if (ret <= 0) return; // nothing went out (EAGAIN): libvirt writes it again
      const cmd = pending ?? { msg: this.parse(value.trim(), r, what), lineNo: r.lineNo, t: r.t };
      if (ret < len) {
        this.partial.set(key, cmd);
        return;
      }
      this.partial.delete(key);
      s.commands++;
      if (cmd.msg['execute'] === 'query-version' && cmd.msg['id'] !== undefined) {
        const ids = this.versionIds.get(key) ?? new Set<string>();
        ids.add(JSON.stringify(cmd.msg['id']));
        this.versionIds.set(key, ids);
      }
      this.out(key, { dir: 'send', t: cmd.t, msg: cmd.msg }, cmd.lineNo);
      return;
    }
    const msg = this.parse(value, r, what);
    if (kind === 'RECV_EVENT') s.events++;
    else {
      s.replies++;
      const ids = this.versionIds.get(key);
      if (ids && msg['id'] !== undefined && ids.delete(JSON.stringify(msg['id'])) && 'return' in msg && s.version === undefined) s.version = msg['return'];
    }
    this.out(key, { dir: 'recv', t: r.t, msg }, r.lineNo);
  }
}

function tooDeep(value: unknown): boolean {
  // JSON.parse has already read it: count levels without recursion limits of our own.
  const stack: { v: unknown; d: number }[] = [{ v: value, d: 1 }];
  while (stack.length > 0) {
    const { v, d } = stack.pop()!;
    if (d > MAX_NESTING) return true;
    if (typeof v === 'object' && v !== null) for (const c of Object.values(v)) if (typeof c === 'object' && c !== null) stack.push({ v: c, d: d + 1 });
  }
  return false;
}
