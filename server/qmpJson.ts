/**
 * QMP's JSON input as QEMU reads it (qobject/json-lexer.c, json-streamer.c, json-parser.c; the same
 * in 7.2 and 10.0): a byte-level lexer with QEMU's extensions (single-quoted strings, `\'`), a streamer
 * that cuts the token stream into messages by counting brackets, and a parser that turns one message's
 * tokens into a value or an error. The limits are QEMU's and so are the error texts:
 *
 * - a message nests at most MAX_NESTING (1024) brackets: "JSON nesting depth limit exceeded";
 * - it has at most MAX_TOKEN_COUNT (2 Mi) tokens: "JSON token count limit exceeded";
 * - its tokens total at most MAX_TOKEN_SIZE (64 MiB) bytes, and one token may not grow past that
 *   either: "JSON token size limit exceeded";
 * - a byte no token can take: "JSON parse error, stray '<token so far>'", after which the lexer skips
 *   to the next structural character or control byte (a newline, or 0xFF, resynchronises);
 * - parse errors: "JSON parse error, expecting value", "... invalid keyword 'x'", "... duplicate key",
 *   "... invalid UTF-8 sequence in string", and the others of json-parser.c.
 *
 * After a limit or an error the streamer forgets what it had and starts over with the next token, so
 * what remains of an over-deep message is read as further (bad) messages, one error each, as QEMU does.
 * Nothing here recurses deeper than MAX_NESTING, throws on input, or buffers more than the limits allow.
 *
 * Values: objects, arrays, strings, booleans and null as in JavaScript. A number that is an int64 is a
 * JS number; any other number (a uint64 above int64, or a float, even `1.0`) is a QNum, so argument
 * checks can refuse it where QAPI wants an integer, and its text survives being echoed as an `id`.
 */

export const MAX_NESTING = 1024;
export const MAX_TOKEN_COUNT = 2 * 1024 * 1024;
export const MAX_TOKEN_SIZE = 64 * 1024 * 1024;

/** A JSON number that is not an int64: `u64` (2^63 .. 2^64-1) or `double` (a float, or an integer beyond uint64). */
export class QNum {
  constructor(
    readonly kind: 'u64' | 'double',
    /** The value as a double (u64 values above 2^53 lose precision here, not in `text`). */
    readonly value: number,
    /** How QEMU prints it: the integer's digits, or `%.17g` of the double. */
    readonly text: string,
  ) {}
  toJSON(): number {
    return this.value;
  }
  toString(): string {
    return this.text;
  }
}

export type QValue = null | boolean | number | string | QNum | QValue[] | { [key: string]: QValue };

/** A JSON object as the parser makes it (not an array, not a QNum). */
export function isQDict(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof QNum);
}

export type JsonItem = { readonly kind: 'value'; readonly value: QValue } | { readonly kind: 'error'; readonly desc: string };

// ---- lexer ----

const enum S {
  Start,
  Recovery,
  Dq,
  DqEscape,
  Sq,
  SqEscape,
  Zero,
  Sign,
  Digits,
  Mantissa,
  MantissaDigits,
  ExpE,
  ExpSign,
  ExpDigits,
  Keyword,
}

const enum T {
  LCurly = 100,
  RCurly,
  LSquare,
  RSquare,
  Colon,
  Comma,
  Integer,
  Float,
  Keyword,
  String,
  Error,
  /** A token the lexer gave up on for its size (QEMU passes its lexer state as the type). */
  Oversized,
}

const LOOKAHEAD = 0x100;
/** Whitespace consumed at the start: the token so far is dropped. */
const SKIP = 0x200;

const isDigit = (b: number): boolean => b >= 0x30 && b <= 0x39;

/** The lexer's transition: a state, or a token type (| LOOKAHEAD when the byte is not part of it). */
function next(state: S, b: number): number {
  switch (state) {
    case S.Start:
      if (b === 0x22) return S.Dq;
      if (b === 0x27) return S.Sq;
      if (b === 0x30) return S.Zero;
      if (b >= 0x31 && b <= 0x39) return S.Digits;
      if (b === 0x2d) return S.Sign;
      if (b === 0x7b) return T.LCurly;
      if (b === 0x7d) return T.RCurly;
      if (b === 0x5b) return T.LSquare;
      if (b === 0x5d) return T.RSquare;
      if (b === 0x2c) return T.Comma;
      if (b === 0x3a) return T.Colon;
      if (b >= 0x61 && b <= 0x7a) return S.Keyword;
      if (b === 0x20 || b === 0x09 || b === 0x0d || b === 0x0a) return SKIP;
      return T.Error;
    case S.Recovery:
      if (b === 0x09) return S.Recovery;
      if (b < 0x20 || b >= 0xfe) return S.Start | LOOKAHEAD;
      if (b === 0x5b || b === 0x5d || b === 0x7b || b === 0x7d || b === 0x3a || b === 0x2c) return S.Start | LOOKAHEAD;
      return S.Recovery;
    case S.Dq:
    case S.Sq:
      if (b < 0x20 || b > 0xfd) return T.Error;
      if (b === 0x5c) return state === S.Dq ? S.DqEscape : S.SqEscape;
      if (b === (state === S.Dq ? 0x22 : 0x27)) return T.String;
      return state;
    case S.DqEscape:
      return b < 0x20 || b > 0xfd ? T.Error : S.Dq;
    case S.SqEscape:
      return b < 0x20 || b > 0xfd ? T.Error : S.Sq;
    case S.Zero:
      if (isDigit(b)) return T.Error;
      if (b === 0x2e) return S.Mantissa;
      return b < 0x80 ? T.Integer | LOOKAHEAD : T.Error;
    case S.Sign:
      if (b === 0x30) return S.Zero;
      if (b >= 0x31 && b <= 0x39) return S.Digits;
      return T.Error;
    case S.Digits:
      if (isDigit(b)) return S.Digits;
      if (b === 0x65 || b === 0x45) return S.ExpE;
      if (b === 0x2e) return S.Mantissa;
      return b < 0x80 ? T.Integer | LOOKAHEAD : T.Error;
    case S.Mantissa:
      return isDigit(b) ? S.MantissaDigits : T.Error;
    case S.MantissaDigits:
      if (isDigit(b)) return S.MantissaDigits;
      if (b === 0x65 || b === 0x45) return S.ExpE;
      return b < 0x80 ? T.Float | LOOKAHEAD : T.Error;
    case S.ExpE:
      if (b === 0x2d || b === 0x2b) return S.ExpSign;
      return isDigit(b) ? S.ExpDigits : T.Error;
    case S.ExpSign:
      return isDigit(b) ? S.ExpDigits : T.Error;
    case S.ExpDigits:
      if (isDigit(b)) return S.ExpDigits;
      return b < 0x80 ? T.Float | LOOKAHEAD : T.Error;
    case S.Keyword:
      if (b >= 0x61 && b <= 0x7a) return S.Keyword;
      return b < 0x80 ? T.Keyword | LOOKAHEAD : T.Error;
  }
}

/** Growable bytes: the token being lexed, and the bytes of a message's tokens. */
class ByteBuffer {
  private buf = new Uint8Array(64);
  length = 0;
  push(b: number): void {
    if (this.length === this.buf.length) this.grow(this.length + 1);
    this.buf[this.length++] = b;
  }
  append(bytes: Uint8Array): void {
    if (this.length + bytes.length > this.buf.length) this.grow(this.length + bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }
  view(from = 0, to = this.length): Uint8Array {
    return this.buf.subarray(from, to);
  }
  clear(): void {
    this.length = 0;
    if (this.buf.length > 4096) this.buf = new Uint8Array(64);
  }
  private grow(need: number): void {
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(this.buf.subarray(0, this.length));
    this.buf = bigger;
  }
}

interface Token {
  readonly type: T;
  /** The token's bytes (strings, numbers, keywords); empty for structural tokens. */
  readonly bytes: Uint8Array;
}

/**
 * A message's tokens, packed: a type byte and an offset per token, their bytes in one buffer. Two
 * million tokens cost about 10 MiB, not the hundreds an object per token would.
 */
class TokenQueue {
  private types = new Uint8Array(64);
  private starts = new Int32Array(65);
  readonly bytes = new ByteBuffer();
  length = 0;

  push(type: T, bytes: Uint8Array): void {
    if (this.length + 1 >= this.types.length) {
      const types = new Uint8Array(this.types.length * 2);
      types.set(this.types);
      this.types = types;
      const starts = new Int32Array(this.types.length + 1);
      starts.set(this.starts);
      this.starts = starts;
    }
    this.types[this.length] = type - T.LCurly;
    this.starts[this.length] = this.bytes.length;
    this.bytes.append(bytes);
    this.length++;
    this.starts[this.length] = this.bytes.length;
  }

  at(i: number): Token | undefined {
    if (i >= this.length) return undefined;
    return { type: (this.types[i]! + T.LCurly) as T, bytes: this.bytes.view(this.starts[i]!, this.starts[i + 1]!) };
  }

  clear(): void {
    this.length = 0;
    this.bytes.clear();
    if (this.types.length > 4096) {
      this.types = new Uint8Array(64);
      this.starts = new Int32Array(65);
    }
  }
}

const EMPTY = new Uint8Array(0);
const isStructural = (t: T): boolean => t >= T.LCurly && t <= T.Comma;

const decoder = new TextDecoder('utf-8', { fatal: false });
const text = (bytes: Uint8Array): string => decoder.decode(bytes);

/**
 * How a release reads a message once lexed. `streamer` (QEMU up to 10.x; 5.2, 7.2 and 10.0 recorded):
 * tokens are collected until the brackets balance, then parsed; after an error the rest of the message
 * is read as new messages. `push` (11.1 recorded): each token is parsed as it comes, an error names its
 * line and column ("3:14: JSON parse error, ...") and the rest of the message, up to where its brackets
 * balance, is skipped without further replies.
 */
export type ParserStyle = 'streamer' | 'push';

/** Lexer plus streamer-and-parser (or push parser): feed it bytes, it returns the messages (or errors) they complete. */
export class QmpJsonParser {
  private state = S.Start;
  private readonly token = new ByteBuffer();
  private readonly tokens = new TokenQueue();
  private tokenSize = 0;
  private braces = 0;
  private brackets = 0;
  private out: JsonItem[] = [];
  /** Position of the byte being lexed (column from 1, 0 on a newline) and where the current token began. */
  private x = 0;
  private y = 1;
  private startX = 1;
  private startY = 1;
  private readonly push: PushParser | undefined;

  constructor(readonly style: ParserStyle = 'streamer') {
    this.push = style === 'push' ? new PushParser((item) => this.out.push(item)) : undefined;
  }

  feed(chunk: Uint8Array): JsonItem[] {
    this.out = [];
    for (let i = 0; i < chunk.length; i++) this.byte(chunk[i]!);
    const out = this.out;
    this.out = [];
    return out;
  }

  /** The next token starts after this byte (QEMU 11.1 counts a token met by lookahead one column late). */
  private markStart(): void {
    this.startX = this.x + 1;
    this.startY = this.y;
  }

  private byte(b: number): void {
    this.x++;
    if (b === 0x0a) {
      this.x = 0;
      this.y++;
    }
    for (;;) {
      const n = next(this.state, b);
      const consumed = (n & LOOKAHEAD) === 0;
      const to = n & ~LOOKAHEAD;
      if (to === SKIP) {
        this.token.clear();
        this.state = S.Start;
        this.markStart();
        break;
      }
      if (consumed) this.token.push(b);
      if (to >= T.LCurly) {
        this.process(to as T, isStructural(to as T) ? EMPTY : this.token.view());
        this.token.clear();
        if (to === T.Error) {
          this.state = S.Recovery;
        } else {
          this.state = S.Start;
          this.markStart();
        }
      } else if (to === S.Recovery) {
        this.token.clear();
        this.state = S.Recovery;
      } else {
        if (to === S.Start && this.state === S.Recovery) this.markStart();
        this.state = to as S;
      }
      if (consumed) break;
    }
    if (this.token.length > MAX_TOKEN_SIZE) {
      this.process(T.Oversized, this.token.view());
      this.token.clear();
      this.state = S.Start;
      this.markStart();
    }
  }

  private process(type: T, bytes: Uint8Array): void {
    if (this.push) this.push.token(type, bytes, this.startY, this.startX);
    else this.stream(type, bytes);
  }

  /** The streamer (json_message_process_token up to 10.x). */
  private stream(type: T, bytes: Uint8Array): void {
    switch (type) {
      case T.LCurly:
        this.braces++;
        break;
      case T.RCurly:
        this.braces--;
        break;
      case T.LSquare:
        this.brackets++;
        break;
      case T.RSquare:
        this.brackets--;
        break;
      case T.Error:
        return this.emit({ kind: 'error', desc: `JSON parse error, stray '${text(bytes)}'` });
      default:
        break;
    }
    if (this.tokenSize + bytes.length + 1 > MAX_TOKEN_SIZE) return this.emit({ kind: 'error', desc: 'JSON token size limit exceeded' });
    if (this.tokens.length + 1 > MAX_TOKEN_COUNT) return this.emit({ kind: 'error', desc: 'JSON token count limit exceeded' });
    if (this.braces + this.brackets > MAX_NESTING) return this.emit({ kind: 'error', desc: 'JSON nesting depth limit exceeded' });
    this.tokens.push(type, bytes);
    this.tokenSize += bytes.length;
    if ((this.braces > 0 || this.brackets > 0) && this.braces >= 0 && this.brackets >= 0) return;
    this.emit(new Parser(this.tokens).parse());
  }

  private emit(item: JsonItem): void {
    this.braces = 0;
    this.brackets = 0;
    this.tokens.clear();
    this.tokenSize = 0;
    this.out.push(item);
  }
}

// ---- the push parser (11.1) ----

interface Frame {
  readonly kind: 'object' | 'array';
  readonly value: Record<string, QValue> | QValue[];
  expect: 'key-or-end' | 'key' | 'colon' | 'value' | 'value-or-end' | 'comma-or-end';
  key?: string;
  /** Where the frame's own value began (its bracket), for a duplicate key in its parent. */
  readonly line: number;
  readonly col: number;
}

const bracketDelta = (type: T): number => (type === T.LCurly || type === T.LSquare ? 1 : type === T.RCurly || type === T.RSquare ? -1 : 0);

class PushParser {
  private stack: Frame[] = [];
  /** After an error: brackets still open in the message being skipped. */
  private skipping = 0;
  private count = 0;
  private size = 0;

  constructor(private readonly emit: (item: JsonItem) => void) {}

  token(type: T, bytes: Uint8Array, line: number, col: number): void {
    if (type === T.Error) {
      // A byte no token takes ends whatever was going on; while skipping, silently.
      const wasSkipping = this.skipping > 0;
      this.reset();
      if (!wasSkipping) this.emit({ kind: 'error', desc: `${line}:${col}: JSON parse error, stray '${text(bytes)}'` });
      return;
    }
    if (this.skipping > 0) {
      this.skipping += bracketDelta(type);
      if (this.skipping <= 0) this.reset();
      return;
    }
    if (type === T.Oversized || this.size + bytes.length + 1 > MAX_TOKEN_SIZE) return this.fail(type, 'JSON token size limit exceeded');
    if (this.count + 1 > MAX_TOKEN_COUNT) return this.fail(type, 'JSON token count limit exceeded');
    this.count++;
    this.size += bytes.length;
    const at = (message: string): string => `${line}:${col}: JSON parse error, ${message}`;
    const top = this.stack[this.stack.length - 1];
    const expect = top?.expect ?? 'value';
    switch (expect) {
      case 'key-or-end':
      case 'key':
        if (type === T.RCurly && expect === 'key-or-end') return this.close();
        if (type !== T.String) return this.fail(type, at('expecting key'));
        {
          const key = decodeString(bytes);
          if (typeof key !== 'string') return this.fail(type, at(key.error));
          top!.key = key;
          top!.expect = 'colon';
        }
        return;
      case 'colon':
        if (type !== T.Colon) return this.fail(type, at("expecting ':'"));
        top!.expect = 'value';
        return;
      case 'comma-or-end':
        if (top!.kind === 'object') {
          if (type === T.RCurly) return this.close();
          if (type !== T.Comma) return this.fail(type, at("expected ',' or '}'"));
          top!.expect = 'key';
        } else {
          if (type === T.RSquare) return this.close();
          if (type !== T.Comma) return this.fail(type, at("expected ',' or ']'"));
          top!.expect = 'value';
        }
        return;
      case 'value-or-end':
        if (type === T.RSquare) return this.close();
        break;
      default:
        break;
    }
    // A value starts here.
    if (type === T.LCurly || type === T.LSquare) {
      if (this.stack.length + 1 > MAX_NESTING) return this.fail(type, 'JSON nesting depth limit exceeded');
      const object = type === T.LCurly;
      this.stack.push({ kind: object ? 'object' : 'array', value: object ? {} : [], expect: object ? 'key-or-end' : 'value-or-end', line, col });
      return;
    }
    let value: QValue;
    if (type === T.Integer || type === T.Float) value = number({ type, bytes });
    else if (type === T.String) {
      const s = decodeString(bytes);
      if (typeof s !== 'string') return this.fail(type, at(s.error));
      value = s;
    } else if (type === T.Keyword) {
      const word = text(bytes);
      if (word !== 'true' && word !== 'false' && word !== 'null') return this.fail(type, at(`invalid keyword '${word}'`));
      value = word === 'null' ? null : word === 'true';
    } else {
      return this.fail(type, at('expecting value'));
    }
    this.add(value, line, col);
  }

  private close(): void {
    const frame = this.stack.pop()!;
    this.add(frame.value, frame.line, frame.col);
  }

  private add(value: QValue, line: number, col: number): void {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) {
      const item: JsonItem = { kind: 'value', value };
      this.reset();
      this.emit(item);
      return;
    }
    if (top.kind === 'array') {
      (top.value as QValue[]).push(value);
    } else {
      const dict = top.value as Record<string, QValue>;
      const key = top.key!;
      if (Object.hasOwn(dict, key)) {
        this.fail(T.Comma, `${line}:${col}: JSON parse error, duplicate key`);
        return;
      }
      Object.defineProperty(dict, key, { value, enumerable: true, writable: true, configurable: true });
    }
    top.expect = 'comma-or-end';
  }

  /** Reports an error, then skips the rest of the message: until its brackets balance. */
  private fail(type: T, desc: string): void {
    const open = this.stack.length + bracketDelta(type);
    this.reset();
    this.skipping = Math.max(0, open);
    this.emit({ kind: 'error', desc });
  }

  private reset(): void {
    this.stack = [];
    this.skipping = 0;
    this.count = 0;
    this.size = 0;
  }
}

// ---- parser (json-parser.c) ----

class Parser {
  private pos = 0;
  /** QEMU keeps the first error only. */
  private error: string | undefined;

  constructor(private readonly tokens: TokenQueue) {}

  parse(): JsonItem {
    const value = this.value();
    if (this.error !== undefined || value === undefined) return { kind: 'error', desc: `JSON parse error, ${this.error ?? 'expecting value'}` };
    return { kind: 'value', value };
  }

  private fail(message: string): undefined {
    this.error ??= message;
    return undefined;
  }

  private peek(): Token | undefined {
    return this.tokens.at(this.pos);
  }

  private pop(): Token | undefined {
    return this.tokens.at(this.pos++);
  }

  private value(): QValue | undefined {
    const token = this.peek();
    if (token === undefined) return this.fail('premature EOI');
    switch (token.type) {
      case T.LCurly:
        return this.object();
      case T.LSquare:
        return this.array();
      case T.Integer:
      case T.Float:
        this.pos++;
        return number(token);
      case T.String:
        this.pos++;
        return this.string(token);
      case T.Keyword: {
        this.pos++;
        const word = text(token.bytes);
        if (word === 'true') return true;
        if (word === 'false') return false;
        if (word === 'null') return null;
        return this.fail(`invalid keyword '${word}'`);
      }
      default:
        return this.fail('expecting value');
    }
  }

  private object(): QValue | undefined {
    this.pop();
    const dict: Record<string, QValue> = {};
    let token = this.peek();
    if (token === undefined) return this.fail('premature EOI');
    if (token.type === T.RCurly) {
      this.pop();
      return dict;
    }
    if (!this.pair(dict)) return undefined;
    token = this.pop();
    if (token === undefined) return this.fail('premature EOI');
    while (token.type !== T.RCurly) {
      if (token.type !== T.Comma) return this.fail('expected separator in dict');
      if (!this.pair(dict)) return undefined;
      token = this.pop();
      if (token === undefined) return this.fail('premature EOI');
    }
    return dict;
  }

  private pair(dict: Record<string, QValue>): boolean {
    if (this.peek() === undefined) return this.fail('premature EOI') ?? false;
    const key = this.value();
    if (typeof key !== 'string') return this.fail('key is not a string in object') ?? false;
    const colon = this.pop();
    if (colon === undefined) return this.fail('premature EOI') ?? false;
    if (colon.type !== T.Colon) return this.fail('missing : in object pair') ?? false;
    const value = this.value();
    if (value === undefined) return this.fail('Missing value in dict') ?? false;
    if (Object.hasOwn(dict, key)) return this.fail('duplicate key') ?? false;
    // defineProperty: a key "__proto__" is a member like any other.
    Object.defineProperty(dict, key, { value, enumerable: true, writable: true, configurable: true });
    return true;
  }

  private array(): QValue | undefined {
    this.pop();
    const list: QValue[] = [];
    let token = this.peek();
    if (token === undefined) return this.fail('premature EOI');
    if (token.type === T.RSquare) {
      this.pop();
      return list;
    }
    let item = this.value();
    if (item === undefined) return this.fail('expecting value');
    list.push(item);
    token = this.pop();
    if (token === undefined) return this.fail('premature EOI');
    while (token.type !== T.RSquare) {
      if (token.type !== T.Comma) return this.fail('expected separator in list');
      item = this.value();
      if (item === undefined) return this.fail('expecting value');
      list.push(item);
      token = this.pop();
      if (token === undefined) return this.fail('premature EOI');
    }
    return list;
  }

  private string(token: Token): string | undefined {
    const s = decodeString(token.bytes);
    return typeof s === 'string' ? s : this.fail(s.error);
  }
}

/** A string token, quotes included: escapes and (modified) UTF-8 decoded and checked as QEMU does. */
function decodeString(s: Uint8Array): string | { readonly error: string } {
  const quote = s[0]!;
  const end = s.length - 1;
  let out = '';
  let i = 1;
  while (i < end && s[i] !== quote) {
    const b = s[i]!;
    if (b === 0x5c) {
      const beg = i;
      const e = s[i + 1];
      i += 2;
      switch (e) {
        case 0x22:
          out += '"';
          break;
        case 0x27:
          out += "'";
          break;
        case 0x5c:
          out += '\\';
          break;
        case 0x2f:
          out += '/';
          break;
        case 0x62:
          out += '\b';
          break;
        case 0x66:
          out += '\f';
          break;
        case 0x6e:
          out += '\n';
          break;
        case 0x72:
          out += '\r';
          break;
        case 0x74:
          out += '\t';
          break;
        case 0x75: {
          let cp = hex4(s, i);
          i += 4;
          if (cp >= 0xd800 && cp <= 0xdbff && s[i] === 0x5c && s[i + 1] === 0x75) {
            const trailing = hex4(s, i + 2);
            if (trailing >= 0xdc00 && trailing <= 0xdfff) {
              cp = 0x10000 + ((cp & 0x3ff) << 10) + (trailing & 0x3ff);
              i += 6;
            } else {
              cp = -1;
            }
          }
          if (!validCodepoint(cp)) return { error: `${text(s.subarray(beg, Math.min(i, end + 1)))} is not a valid Unicode character` };
          out += String.fromCodePoint(cp);
          break;
        }
        default:
          return { error: 'invalid escape sequence in string' };
      }
      continue;
    }
    const [cp, next] = utf8Codepoint(s, i, end);
    if (cp < 0) return { error: 'invalid UTF-8 sequence in string' };
    out += String.fromCodePoint(cp);
    i = next;
  }
  return out;
}

function hex4(s: Uint8Array, at: number): number {
  let cp = 0;
  for (let k = 0; k < 4; k++) {
    const c = s[at + k];
    if (c === undefined) return -1;
    const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
    if (d < 0) return -1;
    cp = cp * 16 + d;
  }
  return cp;
}

/** QEMU refuses surrogates, noncharacters and anything beyond U+10FFFF (util/unicode.c). */
function validCodepoint(cp: number): boolean {
  if (cp < 0 || cp > 0x10ffff) return false;
  if ((cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) === 0xfffe) return false;
  return !(cp >= 0xd800 && cp <= 0xdfff);
}

const MIN_CODEPOINT = [0x80, 0x800, 0x10000, 0x200000, 0x4000000];

/** One code point of modified UTF-8 (C0 80 is U+0000; overlong forms otherwise refused); -1 if invalid. */
function utf8Codepoint(s: Uint8Array, at: number, end: number): [number, number] {
  const first = s[at]!;
  if (first < 0x80) return [first, at + 1];
  if (first >= 0xfe || (first & 0x40) === 0) return [-1, at + 1];
  let len = 0;
  let mask = 0x80;
  for (; first & mask; mask >>= 1) len++;
  let cp = first & (mask - 1);
  let p = at + 1;
  for (let k = 1; k < len; k++) {
    const b = p < end ? s[p]! : 0;
    if ((b & 0xc0) !== 0x80) return [-1, p];
    p++;
    cp = cp * 64 + (b & 0x3f);
  }
  if (!validCodepoint(cp)) return [-1, p];
  if (cp < MIN_CODEPOINT[len - 2]! && !(cp === 0 && len === 2)) return [-1, p];
  return [cp, p];
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** JSON_INTEGER: an int64 if it fits, else a uint64, else a double; JSON_FLOAT: a double. */
function number(token: Token): number | QNum {
  const t = text(token.bytes);
  if (token.type === T.Integer) {
    if (t.length < 16) return Number(t);
    const big = BigInt(t);
    if (big >= INT64_MIN && big <= INT64_MAX) return Number(big);
    if (big > 0n && big <= UINT64_MAX) return new QNum('u64', Number(big), t);
  }
  const value = Number(t);
  return new QNum('double', value, formatDouble(value));
}

/** C's `%.17g`, as QEMU's JSON writer prints a double. */
export function formatDouble(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'nan' : value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const strip = (digits: string): string => (digits.includes('.') ? digits.replace(/\.?0+$/, '') : digits);
  const [mantissa, e] = value.toExponential(16).split('e') as [string, string];
  const x = Number(e);
  if (x < -4 || x >= 17) return `${strip(mantissa)}e${x < 0 ? '-' : '+'}${String(Math.abs(x)).padStart(2, '0')}`;
  return strip(value.toFixed(16 - x));
}

/** Serialises a reply: JSON, with QNums as QEMU prints them. Values come from the parser or the engine. */
export function formatQmpJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof QNum) return value.text;
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : formatDouble(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (Array.isArray(value)) return `[${value.map(formatQmpJson).join(',')}]`;
      return `{${Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${JSON.stringify(k)}:${formatQmpJson(v)}`)
        .join(',')}}`;
    default:
      return 'null';
  }
}
