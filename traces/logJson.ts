/**
 * JSON as logs print it, read one line at a time: an object may span lines (pretty-printed by
 * Python's `json.dumps(indent=...)`, or a command as a bash test wrote it). Beyond JSON it takes what
 * QEMU's own parser takes (single-quoted strings, `\'`) and what iotests filters leave in value places:
 * a bare word (`TIMESTAMP`, `SIZE`) or a parenthesised one (`(filtered)`), read as that text, a string.
 *
 * Nesting is bounded as QEMU bounds it (qobject/json-streamer.c, MAX_NESTING): more than 1024 open
 * brackets is an error, so what it returns can be walked recursively. A string may not span lines.
 */

/** QEMU's limit on open `{` and `[` in one message. */
export const MAX_NESTING = 1024;

type Frame =
  | { readonly kind: 'obj'; readonly value: Record<string, unknown>; key: string; state: 'first' | 'key' | 'colon' | 'value' | 'next' }
  | { readonly kind: 'arr'; readonly value: unknown[]; state: 'first' | 'value' | 'next' };

export type FeedResult =
  /** The object is complete; `end` is the index in the line just after its closing brace. */
  | { readonly kind: 'done'; readonly value: Record<string, unknown>; readonly end: number }
  /** Still open at the end of the line: feed the next one. */
  | { readonly kind: 'more' }
  /** Not JSON (or nested deeper than MAX_NESTING: `tooDeep`), at `column` (0-based) of the line fed last. */
  | { readonly kind: 'error'; readonly reason: string; readonly column: number; readonly tooDeep: boolean };

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const WORD = /[A-Za-z_][A-Za-z0-9_.-]*/y;
const PAREN = /\([^()]*\)/y;
const ESCAPES: Readonly<Record<string, string>> = { '"': '"', "'": "'", '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** Reads one object that starts with `{`, fed line by line. Make a new one per object. */
export class LogJsonParser {
  private readonly stack: Frame[] = [];
  private started = false;
  /** Keys of the outermost object read so far. */
  readonly topKeys: string[] = [];

  /** `python`: also read Python's `True`, `False` and `None` (a dict printed with `print()`). */
  constructor(private readonly words: 'placeholders' | 'python' = 'placeholders') {}

  /** Feeds one line, from `start` (where the object's `{` is, on the first line). */
  feed(line: string, start = 0): FeedResult {
    const fail = (reason: string, column: number, tooDeep = false): FeedResult => ({ kind: 'error', reason, column, tooDeep });
    let i = start;
    const n = line.length;
    while (i < n) {
      const c = line[i]!;
      if (c === ' ' || c === '\t' || c === '\r') {
        i++;
        continue;
      }
      const top = this.stack[this.stack.length - 1];
      if (!this.started) {
        if (c !== '{') return fail('expected {', i);
        this.started = true;
      } else if (!top) {
        return fail('text after the end of the object', i);
      }
      // Structural characters.
      if (c === '{' || c === '[') {
        if (top && !this.wantsValue(top)) return fail(`unexpected '${c}'`, i);
        if (this.stack.length >= MAX_NESTING) return fail(`nested deeper than ${MAX_NESTING} levels (QEMU's limit)`, i, true);
        this.stack.push(c === '{' ? { kind: 'obj', value: {}, key: '', state: 'first' } : { kind: 'arr', value: [], state: 'first' });
        i++;
        continue;
      }
      if (!top) return fail(`unexpected '${c}'`, i);
      if (c === '}' || c === ']') {
        const ok = c === '}' ? top.kind === 'obj' && (top.state === 'first' || top.state === 'next') : top.kind === 'arr' && (top.state === 'first' || top.state === 'next');
        if (!ok) return fail(`unexpected '${c}'`, i);
        this.stack.pop();
        i++;
        if (this.stack.length === 0) return { kind: 'done', value: top.value as Record<string, unknown>, end: i };
        this.put(top.value);
        continue;
      }
      if (c === ':') {
        if (top.kind !== 'obj' || top.state !== 'colon') return fail("unexpected ':'", i);
        top.state = 'value';
        i++;
        continue;
      }
      if (c === ',') {
        if (top.state !== 'next') return fail("unexpected ','", i);
        top.state = top.kind === 'obj' ? 'key' : 'value';
        i++;
        continue;
      }
      // Tokens.
      if (c === '"' || c === "'") {
        const s = readString(line, i);
        if (typeof s === 'string') return fail(s, i);
        i = s.end;
        if (top.kind === 'obj' && (top.state === 'first' || top.state === 'key')) {
          top.key = s.value;
          top.state = 'colon';
          if (this.stack.length === 1) this.topKeys.push(s.value);
        } else if (this.wantsValue(top)) this.put(s.value);
        else return fail('unexpected string', i);
        continue;
      }
      if (!this.wantsValue(top)) return fail(`unexpected '${c}'`, i);
      let m: RegExpExecArray | null;
      NUMBER.lastIndex = i;
      WORD.lastIndex = i;
      PAREN.lastIndex = i;
      if ((c === '-' || (c >= '0' && c <= '9')) && (m = NUMBER.exec(line))) {
        this.put(Number(m[0]));
        i += m[0].length;
      } else if ((m = WORD.exec(line))) {
        const w = m[0];
        const py = this.words === 'python';
        this.put(w === 'true' || (py && w === 'True') ? true : w === 'false' || (py && w === 'False') ? false : w === 'null' || (py && w === 'None') ? null : w);
        i += w.length;
      } else if (c === '(' && (m = PAREN.exec(line))) {
        this.put(m[0]);
        i += m[0].length;
      } else {
        return fail(`unexpected '${c}'`, i);
      }
    }
    return { kind: 'more' };
  }

  private wantsValue(top: Frame): boolean {
    return top.kind === 'obj' ? top.state === 'value' : top.state === 'first' || top.state === 'value';
  }

  private put(value: unknown): void {
    const top = this.stack[this.stack.length - 1]!;
    if (top.kind === 'obj') setKey(top.value, top.key, value);
    else top.value.push(value);
    top.state = 'next';
  }
}

/** The string token at `line[at]` (a quote) and the index after it, or why it is not one. */
function readString(line: string, at: number): { value: string; end: number } | string {
  const quote = line[at]!;
  let out = '';
  let from = at + 1;
  for (let i = at + 1; i < line.length; i++) {
    const ch = line.charCodeAt(i);
    if (ch < 0x20) return 'a control character in a string';
    const c = line[i]!;
    if (c === quote) return { value: out + line.slice(from, i), end: i + 1 };
    if (c !== '\\') continue;
    out += line.slice(from, i);
    const e = line[i + 1];
    if (e === 'u') {
      const hex = line.slice(i + 2, i + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) return 'a bad \\u escape in a string';
      out += String.fromCharCode(parseInt(hex, 16));
      i += 5;
    } else {
      const r = e === undefined ? undefined : ESCAPES[e];
      if (r === undefined) return 'a bad escape in a string';
      out += r;
      i += 1;
    }
    from = i + 1;
  }
  return 'a string not closed on its line';
}
