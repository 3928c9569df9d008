/**
 * Reads trace files as a stream of lines, never the whole file at once (docs/trace-format.md). Four
 * input formats:
 *  - `wire` (`*.jsonl`): `{"dir", "t", "msg"}` per line, an optional `{"meta"}` first line. Anything
 *    else is unusable input and stops the read with a TraceInputError naming file:line.
 *  - `iotests` (`*.out`, `*.out.qcow2`, `*.log`, ...): QEMU iotests-style logs, read by traces/iotests.ts.
 *  - `transcript`: a pasted session, `->` / `<-` lines or qmp-shell's, read by traces/transcript.ts.
 *  - `libvirt`: a libvirt daemon log with the monitor's traffic, one session per monitor, read by
 *    traces/libvirt.ts (docs/libvirt.md).
 * The format follows the name and, where the name does not settle it, the first lines (`detectFormat`).
 * Every input must be UTF-8, nest at most 1024 levels (QEMU's limit) and hold at least one message.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { isMetaLine, type MetaLine, type TraceLine, type TraceMeta } from './format.ts';
import { LogReader } from './iotests.ts';
import { isLibvirtLogLine, LibvirtLogReader, libvirtSessionName, type LibvirtSession } from './libvirt.ts';
import { MAX_NESTING } from './logJson.ts';
import { excerpt } from './printable.ts';
import { MAX_LINE_CHARS, TraceInputError } from './traceInputError.ts';
import { TranscriptReader, isTranscriptLine } from './transcript.ts';

export { MAX_LINE_CHARS, TraceInputError } from './traceInputError.ts';

/** How the checker reads a trace's order: `wire` as it crossed the socket, `log` as a test printed it. */
export type TraceStyle = 'wire' | 'log';

/** The input formats `--input-format` names. */
export const INPUT_FORMATS = ['wire', 'iotests', 'transcript', 'libvirt'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

/**
 * The checker's reading of a format: wire traces keep the order messages crossed the socket, and so
 * does a libvirt log (one I/O thread per monitor logs each write and each read as it happens).
 */
export function styleOf(format: InputFormat): TraceStyle {
  return format === 'wire' || format === 'libvirt' ? 'wire' : 'log';
}

/** iotests reference outputs and their variants: `178.out`, `178.out.qcow2`, `026.out.nocache`, `051.pc.out`, `041.out.bad`. */
const IOTESTS_NAME = /\.(?:out(?:\.[A-Za-z0-9_-]+)?|log)$/i;

/** Whether a directory walk collects this file name. */
export function isTraceFileName(name: string): boolean {
  return /\.jsonl$/i.test(name) || IOTESTS_NAME.test(name);
}

/** The format a file's name settles (`*.jsonl`: wire), or undefined when its first lines must decide. */
export function formatForName(path: string): InputFormat | undefined {
  return /\.jsonl$/i.test(basename(path)) ? 'wire' : undefined;
}

/** `log` for iotests-style names (`*.out`, `*.out.<variant>`, `*.log`), `wire` for everything else. */
export function styleForPath(path: string): TraceStyle {
  return IOTESTS_NAME.test(basename(path)) ? 'log' : 'wire';
}

/** How much of a file `detectFormat` looks at. */
const SNIFF_BYTES = 64 * 1024;

/**
 * The format of a file: from its name when that settles it, else from its first lines: a wire line
 * (`{"dir": ...}` or `{"meta": ...}`) first means wire, a libvirt log record among the first five lines
 * a libvirt log, a `->` / `<-` / `(QEMU)` line a transcript, anything else an iotests-style log. A file that cannot be read from its start (a pipe)
 * goes by its name: `*.out`, `*.out.<variant>`, `*.log` are logs, anything else wire.
 */
export async function detectFormat(path: string): Promise<InputFormat> {
  const named = formatForName(path);
  if (named) return named;
  let text = '';
  try {
    const fh = await open(path, 'r');
    try {
      const buf = Buffer.alloc(SNIFF_BYTES);
      const { bytesRead } = await fh.read(buf, 0, SNIFF_BYTES, 0);
      text = buf.subarray(0, bytesRead).toString('utf8');
    } finally {
      await fh.close();
    }
  } catch {
    // Not seekable (a pipe) or not readable (the reader will say why): go by the name alone.
    return styleForPath(path) === 'log' ? 'iotests' : 'wire';
  }
  return detectFormatOfText(text);
}

/** detectFormat's decision on the start of a file's text. */
export function detectFormatOfText(text: string): InputFormat {
  const lines = text.split('\n');
  if (lines.length > 1) lines.pop(); // possibly cut in the middle
  const first = lines.find((l) => l.trim().length > 0);
  if (first !== undefined && first.trimStart().startsWith('{')) {
    try {
      const v: unknown = JSON.parse(first);
      if (isTraceLine(v) || isMetaLine(v)) return 'wire';
    } catch {
      // not a wire line
    }
  }
  // A log may start inside a record (` fd=-1` or ` len=... ret=...` lines continue one).
  if (lines.filter((l) => l.trim().length > 0).slice(0, 5).some(isLibvirtLogLine)) return 'libvirt';
  return lines.some(isTranscriptLine) ? 'transcript' : 'iotests';
}

/** Index of the first byte that is not UTF-8 in `bytes`, or -1 (an incomplete sequence at the end is not an error here). */
function invalidUtf8At(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let i = 0; i < n; ) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const len = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len === 0) return i;
    for (let k = 1; k < len; k++) {
      if (i + k >= n) return -1;
      const c = bytes[i + k]!;
      if ((c & 0xc0) !== 0x80) return i;
      if (k === 1 && ((b === 0xe0 && c < 0xa0) || (b === 0xed && c > 0x9f) || (b === 0xf0 && c < 0x90) || (b === 0xf4 && c > 0x8f))) return i;
    }
    i += len;
  }
  return -1;
}

/** How many bytes at the end of `bytes` begin a character they do not complete (0 to 3). */
function incompleteTail(bytes: Uint8Array): number {
  for (let j = 1; j <= 3 && j <= bytes.length; j++) {
    const b = bytes[bytes.length - j]!;
    if ((b & 0xc0) === 0x80) continue;
    const len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return len > j ? j : 0;
  }
  return 0;
}

/**
 * Calls `onLine` for every line of the file (without "\n" or "\r\n"), 1-based numbers. Reads 1 MiB
 * chunks; a multi-byte character split across chunks is decoded whole. Bytes that are not UTF-8 stop
 * the read with a TraceInputError naming their line.
 */
export async function forEachLine(path: string, onLine: (text: string, lineNo: number) => void): Promise<number> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let carry = '';
  let lineNo = 0;
  let previous: Uint8Array = new Uint8Array(0);
  const emit = (text: string, start: number, end: number): void => {
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
    onLine(text.slice(start, end), ++lineNo);
  };
  const notUtf8 = (chunk: Uint8Array): TraceInputError => {
    // The decoder holds the incomplete character the previous chunk ended with: look at it too.
    const tail = previous.subarray(previous.length - incompleteTail(previous));
    const bytes = new Uint8Array(tail.length + chunk.length);
    bytes.set(tail);
    bytes.set(chunk, tail.length);
    let at = invalidUtf8At(bytes);
    if (at < 0) at = bytes.length - 1;
    let newlines = 0;
    for (let i = 0; i < at; i++) if (bytes[i] === 10) newlines++;
    return new TraceInputError(path, lineNo + 1 + newlines, `not UTF-8 text (byte 0x${bytes[at]!.toString(16).padStart(2, '0')})`);
  };
  let stream;
  try {
    stream = createReadStream(path, { highWaterMark: 1 << 20 });
    for await (const chunk of stream) {
      const bytes = chunk as Buffer;
      let decoded: string;
      try {
        decoded = decoder.decode(bytes, { stream: true });
      } catch {
        throw notUtf8(bytes);
      }
      previous = bytes;
      // Lines are cut from the decoded chunk itself, the carried start of a line joined to its first line
      // only: searching and slicing `carry + decoded`, a string V8 keeps as a rope of its two halves,
      // cost several times reading and decoding the chunk.
      let nl = decoded.indexOf('\n');
      if (nl < 0) carry += decoded;
      else {
        const first = carry + decoded.slice(0, nl);
        emit(first, 0, first.length);
        let start = nl + 1;
        for (nl = decoded.indexOf('\n', start); nl >= 0; nl = decoded.indexOf('\n', start)) {
          emit(decoded, start, nl);
          start = nl + 1;
        }
        carry = decoded.slice(start);
      }
      if (carry.length > MAX_LINE_CHARS) throw new TraceInputError(path, lineNo + 1, `line longer than ${MAX_LINE_CHARS} characters`);
    }
  } catch (err) {
    stream?.destroy();
    if (!(err instanceof Error) || !('code' in err) || err instanceof TraceInputError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new TraceInputError(path, 0, `cannot read: ${code ?? err.message}`);
  }
  try {
    carry += decoder.decode();
  } catch {
    throw new TraceInputError(path, lineNo + 1, 'not UTF-8 text (the file ends inside a character)');
  }
  if (carry.length > 0) emit(carry, 0, carry.length);
  return lineNo;
}

function isTraceLine(value: unknown): value is TraceLine {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const msg = v['msg'];
  return (
    (v['dir'] === 'send' || v['dir'] === 'recv') &&
    typeof v['t'] === 'number' &&
    typeof msg === 'object' &&
    msg !== null &&
    !Array.isArray(msg)
  );
}

/**
 * Whether the text has more than `limit` opening brackets, in strings or not: the depth is at most their
 * number, so most long lines (query answers) are settled by a few native searches.
 */
function moreOpeningsThan(text: string, limit: number): boolean {
  let n = 0;
  for (let i = text.indexOf('{'); i >= 0; i = text.indexOf('{', i + 1)) if (++n > limit) return true;
  for (let i = text.indexOf('['); i >= 0; i = text.indexOf('[', i + 1)) if (++n > limit) return true;
  return false;
}

/** The 0-based column where a JSON text opens its (limit + 1)th level, or -1. */
export function tooDeepAt(text: string, limit = MAX_NESTING): number {
  if (text.length <= limit || !moreOpeningsThan(text, limit)) return -1;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > limit) return i;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
  }
  return -1;
}

/**
 * One line of a wire trace: the trace line, the meta line (only allowed as the first line), or
 * undefined for a blank line. Throws TraceInputError for anything else.
 */
export function parseWireLine(text: string, lineNo: number, file: string, first: boolean): TraceLine | MetaLine | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    if (text.trim().length === 0) return undefined;
    throw new TraceInputError(file, lineNo, `not JSON: ${excerpt(text)}`);
  }
  // The message nests at most MAX_NESTING levels; the line's own braces add one.
  const deep = tooDeepAt(text, MAX_NESTING + 1);
  if (deep >= 0) throw new TraceInputError(file, lineNo, `JSON nested deeper than ${MAX_NESTING} levels (QEMU's limit), at column ${deep + 1}`);
  if (isTraceLine(value)) return value;
  if (isMetaLine(value) && typeof value.meta === 'object' && value.meta !== null) {
    if (first) return value;
    throw new TraceInputError(file, lineNo, 'a {"meta"} line is only allowed as the first line');
  }
  throw new TraceInputError(file, lineNo, `not a trace line (expected {"dir": "send"|"recv", "t": <seconds>, "msg": {...}}): ${excerpt(text)}`);
}

export interface ReadOptions {
  /** Default: detectFormat. */
  readonly format?: InputFormat;
  /** Older spelling of `format`: `wire`, or `log` for an iotests-style log. */
  readonly style?: TraceStyle;
  /** Receives the first line's meta, when there is one. */
  readonly onMeta?: (meta: TraceMeta) => void;
  /** libvirt logs: read only this session (a key `libvirtSessions` lists); default: each in turn. */
  readonly session?: string;
}

/** The last file `libvirtSessions` read, kept while its size and time do not change: checking a log reads it once per session. */
let lastSessions: { readonly key: string; readonly sessions: LibvirtSession[] } | undefined;

/** The sessions of a libvirt log that hold messages, in the order they opened (one pass over the file). */
export async function libvirtSessions(path: string): Promise<LibvirtSession[]> {
  let key: string | undefined;
  try {
    const st = await stat(path);
    if (st.isFile()) key = `${path}\0${st.size}\0${st.mtimeMs}`;
  } catch {
    // forEachLine says why it cannot be read
  }
  if (key !== undefined && lastSessions?.key === key) return lastSessions.sessions;
  const reader = new LibvirtLogReader(path, () => {});
  await forEachLine(path, (text, lineNo) => reader.line(text, lineNo));
  reader.end();
  const sessions = [...reader.sessions.values()].filter((s) => s.messages > 0);
  if (key !== undefined) lastSessions = { key, sessions };
  return sessions;
}

/** What `qjob check` reports apart in a file: each session of a libvirt log (`<file>#mon=<key>`), else the file. */
export async function tracePartsOf(path: string, format: InputFormat): Promise<{ readonly name: string; readonly session?: string }[]> {
  if (format !== 'libvirt') return [{ name: path }];
  const sessions = await libvirtSessions(path);
  if (sessions.length === 0) return [{ name: path }]; // readTrace says why
  return sessions.map((s) => ({ name: libvirtSessionName(path, s.key), session: s.key }));
}

/**
 * Reads a libvirt log's sessions one after another (or only `only`): a first pass lists them, then one
 * pass per session. A session without a greeting but with a `query-version` answer starts with a
 * greeting made of that answer, numbered as the session's first message.
 */
async function readLibvirt(path: string, onLine: (line: TraceLine, lineNo: number) => void, only: string | undefined): Promise<number> {
  const all = await libvirtSessions(path);
  const sessions = only === undefined ? all : all.filter((s) => s.key === only);
  if (all.length === 0) throw new TraceInputError(path, 0, 'no QEMU monitor message (QEMU_MONITOR_IO_WRITE, _RECV_REPLY or _RECV_EVENT record): not read as libvirt (log_filters must include 1:qemu.qemu_monitor; see --input-format)');
  if (sessions.length === 0) throw new TraceInputError(path, 0, `no monitor ${only ?? ''} in this log`);
  let lines = 0;
  for (const s of sessions) {
    let first = true;
    const reader = new LibvirtLogReader(path, (key, line, lineNo) => {
      if (key !== s.key) return;
      if (first && !s.greeting && s.version !== undefined) onLine({ dir: 'recv', t: line.t, msg: { QMP: { version: s.version, capabilities: [] } } }, lineNo);
      first = false;
      onLine(line, lineNo);
    });
    lines = await forEachLine(path, (text, lineNo) => reader.line(text, lineNo));
    reader.end();
  }
  return lines;
}

/**
 * Streams a trace file's messages to `onLine`, with the line each starts on. Returns the number of
 * lines read. Throws TraceInputError for unusable input, a file with no message among it.
 */
export async function readTrace(
  path: string,
  onLine: (line: TraceLine, lineNo: number) => void,
  options: ReadOptions = {},
): Promise<number> {
  const format = options.format ?? (options.style === 'wire' ? 'wire' : options.style === 'log' ? 'iotests' : await detectFormat(path));
  if (format === 'libvirt') return readLibvirt(path, onLine, options.session);
  if (format !== 'wire') {
    const reader = format === 'iotests' ? new LogReader(path, onLine) : new TranscriptReader(path, onLine);
    const lines = await forEachLine(path, (text, lineNo) => reader.line(text, lineNo));
    reader.end();
    if (reader.messages === 0) {
      const what = format === 'iotests' ? 'QMP message (a JSON object with "execute", "return", "error" or "event" starting a line)' : 'QMP message (a "->" / "<-" line or a qmp-shell command)';
      throw new TraceInputError(path, 0, lines === 0 ? 'empty file: no QMP messages' : `no ${what} in its ${lines} line(s): not read as ${format} (see --input-format)`);
    }
    return lines;
  }
  let first = true;
  let messages = 0;
  const lines = await forEachLine(path, (text, lineNo) => {
    const item = parseWireLine(text, lineNo, path, first);
    if (item === undefined) return;
    first = false;
    if ('meta' in item) options.onMeta?.(item.meta);
    else {
      messages++;
      onLine(item, lineNo);
    }
  });
  if (messages === 0) throw new TraceInputError(path, 0, lines === 0 || first ? 'empty file: no QMP messages' : 'no QMP messages after the meta line');
  return lines;
}
