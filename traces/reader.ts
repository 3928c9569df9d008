/**
 * Reads trace files as a stream of lines, never the whole file at once (docs/trace-format.md):
 *  - `wire` traces (`*.jsonl`): `{"dir", "t", "msg"}` per line, an optional `{"meta"}` first line.
 *    Anything else is unusable input and stops the read with a TraceInputError naming file:line.
 *  - `log` traces (`*.out`, `*.log`): QEMU iotests-style logs, read by traces/iotests.ts; lines that
 *    are not QMP objects are skipped.
 */
import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { isMetaLine, type MetaLine, type TraceLine, type TraceMeta } from './format.ts';
import { iotestsLine } from './iotests.ts';

export type TraceStyle = 'wire' | 'log';

/** Input that cannot be read as a trace: the file, the 1-based line (0: the file as a whole), why. */
export class TraceInputError extends Error {
  override readonly name = 'TraceInputError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(line > 0 ? `${file}:${line}: ${reason}` : `${file}: ${reason}`);
  }
}

/** The extensions a directory walk collects. */
export const TRACE_EXTENSIONS: readonly string[] = ['.jsonl', '.out', '.log'];

/** `log` for iotests-style `.out` / `.log` files, `wire` for everything else. */
export function styleForPath(path: string): TraceStyle {
  const ext = extname(path).toLowerCase();
  return ext === '.out' || ext === '.log' ? 'log' : 'wire';
}

/** Longest line accepted (characters); QMP's largest replies are a few hundred KiB. */
export const MAX_LINE_CHARS = 64 * 1024 * 1024;

/**
 * Calls `onLine` for every line of the file (without "\n" or "\r\n"), 1-based numbers. Reads 1 MiB
 * chunks; a multi-byte character split across chunks is decoded whole.
 */
export async function forEachLine(path: string, onLine: (text: string, lineNo: number) => void): Promise<number> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let lineNo = 0;
  const emit = (text: string, start: number, end: number): void => {
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
    onLine(text.slice(start, end), ++lineNo);
  };
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
      const text = carry + decoder.write(chunk as Buffer);
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        emit(text, start, nl);
        start = nl + 1;
      }
      carry = start === 0 ? text : text.slice(start);
      if (carry.length > MAX_LINE_CHARS) throw new TraceInputError(path, lineNo + 1, `line longer than ${MAX_LINE_CHARS} characters`);
    }
  } catch (err) {
    if (err instanceof TraceInputError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new TraceInputError(path, 0, `cannot read: ${code ?? (err instanceof Error ? err.message : String(err))}`);
  }
  carry += decoder.end();
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
 * One line of a wire trace: the trace line, the meta line (only allowed as the first line), or
 * undefined for a blank line. Throws TraceInputError for anything else.
 */
export function parseWireLine(text: string, lineNo: number, file: string, first: boolean): TraceLine | MetaLine | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    if (text.trim().length === 0) return undefined;
    throw new TraceInputError(file, lineNo, `not JSON: ${shorten(text)}`);
  }
  if (isTraceLine(value)) return value;
  if (isMetaLine(value) && typeof value.meta === 'object' && value.meta !== null) {
    if (first) return value;
    throw new TraceInputError(file, lineNo, 'a {"meta"} line is only allowed as the first line');
  }
  throw new TraceInputError(file, lineNo, `not a trace line (expected {"dir": "send"|"recv", "t": <seconds>, "msg": {...}}): ${shorten(text)}`);
}

export interface ReadOptions {
  /** Default: from the file's extension (styleForPath). */
  readonly style?: TraceStyle;
  /** Receives the first line's meta, when there is one. */
  readonly onMeta?: (meta: TraceMeta) => void;
}

/** Streams a trace file's message lines to `onLine`. Returns the number of lines read. */
export async function readTrace(
  path: string,
  onLine: (line: TraceLine, lineNo: number) => void,
  options: ReadOptions = {},
): Promise<number> {
  const style = options.style ?? styleForPath(path);
  if (style === 'log') {
    return forEachLine(path, (text, lineNo) => {
      const line = iotestsLine(text);
      if (line) onLine(line, lineNo);
    });
  }
  let first = true;
  return forEachLine(path, (text, lineNo) => {
    const item = parseWireLine(text, lineNo, path, first);
    if (item === undefined) return;
    first = false;
    if ('meta' in item) options.onMeta?.(item.meta);
    else onLine(item, lineNo);
  });
}

function shorten(text: string, max = 120): string {
  const s = text.trim();
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
