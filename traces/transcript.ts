/**
 * Pasted QMP sessions (docs/trace-format.md, "Transcripts"):
 *  - `->` / `<-` lines as in QEMU's documentation (qapi/*.json examples) and bug reports:
 *    `-> { "execute": "job-pause", "arguments": { "id": "job0" } }`, `<- { "return": {} }`; a message
 *    may continue on the following lines; a leading `#` (a pasted QAPI comment) is dropped.
 *  - what `qmp-shell` prints: its banner (`Connected to QEMU 7.2.0`, read as the greeting), commands
 *    after its prompt (`(QEMU) job-pause id=job0`, `transaction(` ... `TRANS>` ... `)`), the JSON it
 *    prints (replies; with -v the command sent; with -p pretty-printed) and events, printed as Python
 *    dicts (`{'event': ..., 'data': {...}, 'timestamp': {...}}`, `True`, `None`).
 * Other lines are skipped. A message that plainly is QMP but cannot be read is an error.
 */
import type { Direction, QmpMessage, TraceLine } from './format.ts';
import { directionOf } from './iotests.ts';
import { LogJsonParser } from './logJson.ts';
import { excerpt } from './printable.ts';
import { MAX_LINE_CHARS, TraceInputError } from './traceInputError.ts';

const ARROW = /^([ \t]*#)?[ \t]*(->|<-)[ \t]*(?=\{)/;
const PROMPT = /^(?:\(QEMU\)|TRANS>)[ \t]?(.*)$/;
const BANNER = /^Connected to QEMU (\d+)\.(\d+)\.(\d+)\s*$/;

/** Whether a line is plainly part of a transcript (what detectFormat looks for). */
export function isTranscriptLine(line: string): boolean {
  return ARROW.test(line) || /^\(QEMU\) \S/.test(line) || BANNER.test(line);
}

interface Open {
  readonly parser: LogJsonParser;
  readonly dir: Direction | undefined;
  readonly line: number;
  readonly comment: boolean;
  readonly first: string;
  chars: number;
}

/** A qmp-shell argument value, as qmp-shell reads it: an integer, a boolean, JSON, else the text. */
function shellValue(text: string): unknown {
  if (/^[-+]?[0-9]+$/.test(text)) return Number(text);
  if (text.toLowerCase() === 'true') return true;
  if (text.toLowerCase() === 'false') return false;
  if (text.startsWith('{') || text.startsWith('[')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

/** `key=value` words into an arguments object (`a.b=1` nests), or why not. */
function shellArguments(words: readonly string[]): Record<string, unknown> | string {
  const args: Record<string, unknown> = {};
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq <= 0) return `not key=value: ${w}`;
    const path = w.slice(0, eq).split('.');
    let parent = args;
    for (const key of path.slice(0, -1)) {
      const next = parent[key];
      if (next === undefined) parent = parent[key] = {} as Record<string, unknown>;
      else if (typeof next === 'object' && next !== null && !Array.isArray(next)) parent = next as Record<string, unknown>;
      else return `"${key}" is both a value and an object`;
    }
    const last = path[path.length - 1]!;
    if (last === '__proto__' || path.includes('__proto__')) return 'a key named __proto__';
    parent[last] = shellValue(w.slice(eq + 1));
  }
  return args;
}

const SHELL_WORD = /(?:[^\s"']|"(?:\\.|[^"])*"|'(?:\\.|[^'])*')+/g;

/** Reads a transcript line by line (`line`, then `end`), calling `emit` for each message. */
export class TranscriptReader {
  messages = 0;
  private open: Open | undefined;
  /** A command typed at the prompt, emitted unless qmp-shell -v echoes it as JSON next. */
  private typed: { msg: QmpMessage; line: number } | undefined;
  private actions: unknown[] | undefined;
  private sessionMessages = 0;

  constructor(
    private readonly file: string,
    private readonly emit: (line: TraceLine, lineNo: number) => void,
  ) {}

  line(text: string, lineNo: number): void {
    if (this.open) {
      const body = this.open.comment ? text.replace(/^[ \t]*#/, '') : text;
      this.feed(this.open, body, 0, lineNo);
      return;
    }
    const arrow = ARROW.exec(text);
    if (arrow) {
      this.start(text, arrow[0].length, lineNo, arrow[2] === '->' ? 'send' : 'recv', arrow[1] !== undefined);
      return;
    }
    const brace = /^[ \t]*\{/.exec(text);
    if (brace) {
      this.start(text, brace[0].length - 1, lineNo, undefined, false);
      return;
    }
    const prompt = PROMPT.exec(text);
    if (prompt) {
      this.prompt(prompt[1]!.trim(), lineNo);
      return;
    }
    const banner = BANNER.exec(text);
    if (banner) {
      this.flushTyped();
      const [major, minor, micro] = [banner[1], banner[2], banner[3]].map(Number);
      this.out({ QMP: { version: { qemu: { major, minor, micro }, package: '' }, capabilities: [] } }, 'recv', lineNo, lineNo);
    }
  }

  end(): void {
    if (this.open) {
      const o = this.open;
      this.open = undefined;
      if (o.dir !== undefined || this.plainlyQmp(o)) throw new TraceInputError(this.file, o.line, `a QMP message not closed before the end of the file: ${excerpt(o.first)}`);
    }
    this.flushTyped();
  }

  private plainlyQmp(o: Open): boolean {
    return o.parser.topKeys.some((k) => ['execute', 'exec-oob', 'event', 'return', 'error', 'QMP'].includes(k)) || /["'](?:execute|exec-oob|event|return|error|QMP)["']\s*:/.test(o.first);
  }

  private start(text: string, at: number, lineNo: number, dir: Direction | undefined, comment: boolean): void {
    // qmp-shell prints events as Python dicts: read True / False / None too.
    const open: Open = { parser: new LogJsonParser(dir === undefined ? 'python' : 'placeholders'), dir, line: lineNo, comment, first: text, chars: 0 };
    this.open = open;
    this.feed(open, text, at, lineNo);
  }

  private feed(o: Open, text: string, at: number, lineNo: number): void {
    o.chars += text.length;
    const r = o.parser.feed(text, at);
    if (r.kind === 'more' && o.chars <= MAX_LINE_CHARS) return;
    this.open = undefined;
    if (r.kind === 'done') {
      const dir = directionOf(r.value);
      if (o.dir !== undefined && dir !== o.dir) {
        throw new TraceInputError(this.file, o.line, `'${o.dir === 'send' ? '->' : '<-'}' marks a message ${o.dir === 'send' ? 'to' : 'from'} QEMU, but this is ${dir === undefined ? 'no QMP message' : dir === 'send' ? 'a command' : 'a reply or event'}: ${excerpt(o.first)}`);
      }
      if (dir) this.message(r.value, dir, o.line, lineNo);
      return;
    }
    const why = r.kind === 'error' ? `${r.reason} (line ${lineNo}, column ${r.column + 1})` : `longer than ${MAX_LINE_CHARS} characters`;
    if ((r.kind === 'error' && r.tooDeep) || o.dir !== undefined || this.plainlyQmp(o)) {
      throw new TraceInputError(this.file, r.kind === 'error' && r.tooDeep ? lineNo : o.line, `a QMP message that cannot be read: ${why}: ${excerpt(o.first)}`);
    }
  }

  private prompt(cmdline: string, lineNo: number): void {
    this.flushTyped();
    if (cmdline === '') return;
    const words = cmdline.match(SHELL_WORD) ?? [];
    if (words[0] === 'transaction(') {
      this.actions = [];
      words.shift();
    }
    if (this.actions) {
      const close = words[words.length - 1] === ')';
      if (close) words.pop();
      if (words.length > 0) {
        const data = shellArguments(words.slice(1));
        if (typeof data === 'string') throw new TraceInputError(this.file, lineNo, `a qmp-shell command that cannot be read: ${data}`);
        this.actions.push({ type: words[0], data });
      }
      if (close) {
        this.typed = { msg: { execute: 'transaction', arguments: { actions: this.actions } }, line: lineNo };
        this.actions = undefined;
      }
      return;
    }
    const args = shellArguments(words.slice(1));
    if (typeof args === 'string') throw new TraceInputError(this.file, lineNo, `a qmp-shell command that cannot be read: ${args}`);
    this.typed = { msg: { execute: words[0], arguments: args }, line: lineNo };
  }

  private flushTyped(): void {
    const t = this.typed;
    this.typed = undefined;
    if (t) this.out(t.msg, 'send', t.line, t.line);
  }

  private message(msg: QmpMessage, dir: Direction, line: number, lastLine: number): void {
    const typed = this.typed;
    if (typed && dir === 'send' && msg['execute'] === typed.msg['execute']) {
      // qmp-shell -v printed the command it sent: that is exact, the typed line is not needed.
      this.typed = undefined;
    } else this.flushTyped();
    this.out(msg, dir, line, lastLine);
  }

  private out(msg: QmpMessage, dir: Direction, line: number, lastLine: number): void {
    const greeting = 'QMP' in msg;
    const fresh = greeting && this.sessionMessages > 0;
    if (greeting) this.sessionMessages = 0;
    else this.sessionMessages++;
    this.messages++;
    this.emit(
      {
        dir,
        t: 0,
        msg,
        ...(lastLine > line ? { lastLine } : {}),
        ...(fresh ? { newSession: { cause: 'greeting' as const, line } } : {}),
      },
      line,
    );
  }
}
