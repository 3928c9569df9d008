/**
 * QEMU iotests-style logs (`tests/qemu-iotests/*.out`, `*.out.qcow2`, `*.out.bad`, ...): QMP objects
 * with no direction, mixed with free text (docs/trace-format.md).
 *
 * - An object starts a line (after any unittest progress characters, `..{"execute": ...}`) and may
 *   span lines: pretty-printed JSON, or a command as a bash test wrote it (`{ 'execute': ...`).
 * - Python tests sort keys and filter timestamps to `"SECS"` / `"USECS"` (valid JSON, kept as is);
 *   bash filters leave bare words (`TIMESTAMP`, `SIZE`, `(filtered)`), read as strings (traces/logJson.ts).
 * - Objects that are not QMP messages (`{}`, `{"bitmaps": ...}`) and text are skipped; an object that
 *   is plainly a QMP message (it has an `execute`, `event`, `return`, ... key) but cannot be read
 *   stops the read with a TraceInputError, since skipping it would shift the replies after it.
 * - A new QEMU session (a VM relaunch) is marked on the first message that belongs to it
 *   (`TraceLine.newSession`): a greeting, bash's filtered greeting `QMP_VERSION`, a `qmp_capabilities`
 *   that succeeds after messages of an earlier session, a command after `quit` was answered, or an
 *   object after unittest's progress characters: those print when a test case ends, and the next test
 *   case runs its own VM (setUp / tearDown), so a job id seen again there names a new job.
 * - A log of the bash harness (common.qemu) is marked on every message from its first sign on
 *   (`TraceLine.harness`): an event whose timestamp `_filter_qmp` left as a bare `TIMESTAMP` word, or
 *   the `QMP_VERSION` line it prints for a greeting. Python tests print `"SECS"` there, and no greeting.
 *   That harness prints only the events a test waits for among those it names in `$capture_events`.
 */
import type { Direction, QmpMessage, SessionStart, TraceLine } from './format.ts';
import { LogJsonParser } from './logJson.ts';
import { excerpt } from './printable.ts';
import { MAX_LINE_CHARS, TraceInputError } from './traceInputError.ts';

/** The direction a QMP object travelled, from its keys; undefined when it is not a QMP message. */
export function directionOf(msg: QmpMessage): Direction | undefined {
  if ('execute' in msg || 'exec-oob' in msg) return 'send';
  if ('event' in msg || 'return' in msg || 'error' in msg || 'QMP' in msg) return 'recv';
  return undefined;
}

/** Where a log line's object starts: after indentation and unittest's progress characters. */
const OBJECT_START = /^[ \t]*([.sFExu]+)?\{/;
/** Keys only a QMP message has at its top level. */
const QMP_KEY = /["'](?:execute|exec-oob|event|return|error|QMP)["']\s*:/;
/** A timestamp as bash's `_filter_qmp` leaves it: a bare word, not a JSON string. */
const BASH_TIMESTAMP = /"(?:micro)?seconds":\s*TIMESTAMP\b/;
/** Messages held while deciding whether a `qmp_capabilities` opened a new session. */
const MAX_HELD = 10_000;

interface Found {
  readonly msg: QmpMessage;
  readonly dir: Direction;
  readonly line: number;
  readonly lastLine: number;
}

interface Open {
  readonly parser: LogJsonParser;
  readonly lines: { readonly text: string; readonly lineNo: number }[];
  chars: number;
}

/**
 * Reads a log line by line (`line`, then `end`), calling `emit` for each QMP message with the line
 * it starts on. Throws TraceInputError for a QMP message it cannot read.
 */
export class LogReader {
  /** QMP messages emitted so far. */
  messages = 0;
  private open: Open | undefined;
  // Session tracking.
  private sessionMessages = 0;
  /** A greeting or the end of a test case, seen before the next message: that message starts a session. */
  private boundary: SessionStart | undefined;
  private quit: 'no' | 'sent' | 'answered' = 'no';
  private held: Found[] | undefined;
  /** A sign of the bash harness was seen: messages from now on are marked. */
  private bash = false;

  constructor(
    private readonly file: string,
    private readonly emit: (line: TraceLine, lineNo: number) => void,
  ) {}

  line(text: string, lineNo: number): void {
    const queue = [{ text, lineNo }];
    for (let item = queue.shift(); item; item = queue.shift()) {
      const retry = this.one(item.text, item.lineNo);
      if (retry) queue.unshift(...retry);
    }
  }

  /** Call after the last line: an object still open is text unless it is plainly QMP. */
  end(): void {
    while (this.open) {
      const open = this.open;
      this.open = undefined;
      const first = open.lines[0]!;
      if (this.plainlyQmp(open)) throw new TraceInputError(this.file, first.lineNo, `a QMP message not closed before the end of the file: ${excerpt(first.text)}`);
      for (const l of open.lines.slice(1)) this.line(l.text, l.lineNo);
    }
    if (this.held) this.release(true);
  }

  /** Reads one line; returns lines to read again when an object that seemed to start was only text. */
  private one(text: string, lineNo: number): { text: string; lineNo: number }[] | undefined {
    let open = this.open;
    let start = 0;
    if (!open) {
      const m = OBJECT_START.exec(text);
      if (!m) {
        if (text.trim() === 'QMP_VERSION') {
          this.bash = true;
          this.sessionBoundary({ cause: 'greeting', line: lineNo });
        }
        return undefined;
      }
      start = m[0].length - 1;
      if (m[1] !== undefined) this.sessionBoundary({ cause: 'test-case', line: lineNo });
      open = this.open = { parser: new LogJsonParser(), lines: [], chars: 0 };
    }
    open.lines.push({ text, lineNo });
    open.chars += text.length;
    const r = open.parser.feed(text, start);
    if (r.kind === 'more' && open.chars <= MAX_LINE_CHARS) return undefined;
    this.open = undefined;
    if (r.kind === 'done') {
      const first = open.lines[0]!.lineNo;
      const dir = directionOf(r.value);
      if (!this.bash && dir === 'recv' && 'event' in r.value) this.bash = open.lines.some((l) => BASH_TIMESTAMP.test(l.text));
      if (dir) this.found({ msg: r.value, dir, line: first, lastLine: lineNo });
      return undefined;
    }
    const reason = r.kind === 'error' ? `${r.reason} (line ${lineNo}, column ${r.column + 1})` : `longer than ${MAX_LINE_CHARS} characters`;
    if (r.kind === 'error' && r.tooDeep) throw new TraceInputError(this.file, lineNo, `JSON ${r.reason}`);
    const first = open.lines[0]!;
    if (this.plainlyQmp(open)) throw new TraceInputError(this.file, first.lineNo, `a QMP message that cannot be read: ${reason}: ${excerpt(first.text)}`);
    return open.lines.slice(1);
  }

  private plainlyQmp(open: Open): boolean {
    const keys = open.parser.topKeys;
    if (keys.some((k) => k === 'execute' || k === 'exec-oob' || k === 'event' || k === 'return' || k === 'error' || k === 'QMP')) return true;
    return open.lines.length === 1 && QMP_KEY.test(open.lines[0]!.text);
  }

  /** A greeting (or bash's `QMP_VERSION`) or a test case's end: a new session when messages came before. */
  private sessionBoundary(at: SessionStart): void {
    if (this.held) this.release(true);
    this.boundary = at;
  }

  private found(f: Found): void {
    if (this.held) {
      this.held.push(f);
      const reply = 'return' in f.msg || 'error' in f.msg;
      if (reply) this.release(!('error' in f.msg));
      else if (this.held.length > MAX_HELD) this.release(true);
      return;
    }
    if ('QMP' in f.msg) {
      this.boundary = { cause: 'greeting', line: f.line };
      if (this.sessionMessages === 0) {
        this.out(f, undefined);
        return;
      }
    }
    if (this.boundary !== undefined) {
      const at = this.boundary;
      this.boundary = undefined;
      this.out(f, this.sessionMessages > 0 ? at : undefined, true);
      return;
    }
    const command = f.dir === 'send' ? f.msg['execute'] ?? f.msg['exec-oob'] : undefined;
    if (command === 'qmp_capabilities' && this.sessionMessages > 0) {
      this.held = [f];
      return;
    }
    if (command !== undefined && this.quit === 'answered') {
      this.out(f, { cause: 'quit', line: f.line }, true);
      return;
    }
    this.out(f, undefined);
  }

  /** Emits the held `qmp_capabilities` (first of a new session when `fresh`) and what followed it. */
  private release(fresh: boolean): void {
    const held = this.held!;
    this.held = undefined;
    const [caps, ...rest] = held;
    this.out(caps!, fresh ? { cause: 'capabilities', line: caps!.line } : undefined, fresh);
    for (const f of rest) this.found(f);
  }

  private out(f: Found, newSession: SessionStart | undefined, restart = false): void {
    if (restart) {
      this.sessionMessages = 0;
      this.quit = 'no';
    }
    if (!('QMP' in f.msg)) this.sessionMessages++;
    const command = f.dir === 'send' ? f.msg['execute'] : undefined;
    if (command === 'quit') this.quit = 'sent';
    else if (this.quit === 'sent' && 'return' in f.msg) this.quit = 'answered';
    this.messages++;
    const line: TraceLine = {
      dir: f.dir,
      t: 0,
      msg: f.msg,
      ...(f.lastLine > f.line ? { lastLine: f.lastLine } : {}),
      ...(newSession ? { newSession } : {}),
      ...(this.bash ? { harness: 'bash' as const } : {}),
    };
    this.emit(line, f.line);
  }
}

/**
 * One log line as a trace line (`t` is 0: logs carry no arrival times), or undefined when the line
 * holds no complete QMP object. For whole logs use LogReader, which also reads objects spanning lines.
 */
export function iotestsLine(text: string): TraceLine | undefined {
  let found: TraceLine | undefined;
  const reader = new LogReader('<line>', (line) => (found ??= line));
  try {
    reader.line(text, 1);
  } catch {
    return undefined;
  }
  return found;
}
