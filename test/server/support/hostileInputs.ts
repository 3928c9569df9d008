/**
 * Hostile QMP input and a way to collect what a QMP server answers to it, the same for a live QEMU and
 * the model server. Each case is sent after negotiation and followed by `query-jobs` with id `end-N`;
 * what came back before that reply is the case's answer. Cases that leave the parser inside a message
 * end with 0xFF and a newline, which resynchronises QEMU's lexer (as docs/interop/qmp-spec says).
 */
export interface HostileCase {
  readonly name: string;
  readonly bytes: Buffer;
}

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const cmd = (args: Record<string, unknown>, id: number | string): string => `{"execute":"block-job-set-speed","arguments":${JSON.stringify(args)},"id":${JSON.stringify(id)}}\n`;
const nest = (depth: number): string => `{"execute":"query-jobs","id":${'['.repeat(depth - 1)}1${']'.repeat(depth - 1)}}\n`;

export const HOSTILE_CASES: readonly HostileCase[] = [
  { name: 'id nested 5000 deep', bytes: b(nest(5001)) },
  { name: 'nesting 1024 is taken', bytes: b(nest(1024)) },
  { name: 'nesting 1025 is refused', bytes: b(nest(1025)) },
  { name: 'bare words', bytes: b('not json\n') },
  { name: 'trailing comma', bytes: b('{"a":1,}\n') },
  { name: 'single quotes', bytes: b("{'execute':'query-jobs','id':'sq'}\n") },
  { name: 'byte 0xFF in a string', bytes: b('{"execute":"query-jobs","id":"\xff"}\n') },
  { name: 'byte 0xFF before a message', bytes: b('\xff{"execute":"query-jobs","id":"after"}\n') },
  { name: 'control byte', bytes: b('\x01{"execute":"query-jobs","id":"ctl"}\n') },
  { name: 'upper-case keyword', bytes: b('NULL\n') },
  { name: 'duplicate key', bytes: b('{"execute":"query-jobs","id":"a","id":"b"}\n') },
  { name: 'key not a string', bytes: b('{1:2}\n') },
  { name: 'missing colon', bytes: b('{"a" 1}\n') },
  { name: 'missing comma', bytes: b('{"a":1 "b":2}\n') },
  { name: 'stray closers', bytes: b('}\n]\n:\n,\n') },
  { name: 'unbalanced, then resynchronised', bytes: b('{"execute":"query-jobs","id":[1,2}\n{"execute":"query-jobs","id":"lost"}\n\xff\n') },
  { name: 'scalars and arrays', bytes: b('[]\n"s"\n1\ntrue\nnul\n') },
  { name: 'invalid UTF-8', bytes: b('{"execute":"query-jobs","id":"\xc3\x28"}\n') },
  { name: 'overlong UTF-8', bytes: b('{"execute":"query-jobs","id":"\xc0\xaf"}\n') },
  { name: 'modified UTF-8 NUL', bytes: b('{"execute":"query-jobs","id":"\xc0\x80"}\n') },
  { name: 'encoded surrogate', bytes: b('{"execute":"query-jobs","id":"\xed\xa0\x80"}\n') },
  { name: 'noncharacter', bytes: b('{"execute":"query-jobs","id":"\xef\xbf\xbf"}\n') },
  { name: 'short \\u escape', bytes: b('{"execute":"query-jobs","id":"\\u12"}\n') },
  { name: 'unknown escape', bytes: b('{"execute":"query-jobs","id":"\\x"}\n') },
  { name: 'lone surrogate escape', bytes: b('{"execute":"query-jobs","id":"\\ud800"}\n') },
  { name: 'surrogate pair escape', bytes: b('{"execute":"query-jobs","id":"\\ud83d\\ude00"}\n') },
  { name: 'noncharacter escape', bytes: b('{"execute":"query-jobs","id":"\\ufffe"}\n') },
  { name: 'NUL escape', bytes: b('{"execute":"query-jobs","id":"\\u0000x\\u00e9"}\n') },
  { name: 'bad numbers', bytes: b('{"execute":"query-jobs","id":01}\n{"execute":"query-jobs","id":1.}\n{"execute":"query-jobs","id":-}\n{"execute":"query-jobs","id":1e}\n') },
  { name: 'numbers as ids', bytes: b('{"execute":"query-jobs","id":-0}\n{"execute":"query-jobs","id":1.0}\n{"execute":"query-jobs","id":1.5e+3}\n{"execute":"query-jobs","id":9223372036854775807}\n{"execute":"query-jobs","id":18446744073709551615}\n{"execute":"query-jobs","id":-9223372036854775809}\n') },
  { name: 'speed 1e308', bytes: b('{"execute":"block-job-set-speed","arguments":{"device":"x","speed":1e308},"id":1}\n') },
  { name: 'speed 2^64', bytes: b('{"execute":"block-job-set-speed","arguments":{"device":"x","speed":18446744073709551616},"id":2}\n') },
  { name: 'speed 1.0', bytes: b('{"execute":"block-job-set-speed","arguments":{"device":"x","speed":1.0},"id":3}\n') },
  { name: 'speed 2^63', bytes: b('{"execute":"block-job-set-speed","arguments":{"device":"x","speed":9223372036854775808},"id":4}\n') },
  { name: 'speed -1', bytes: b(cmd({ device: 'x', speed: -1 }, 5)) },
  { name: 'speed as a string', bytes: b(cmd({ device: 'x', speed: '1' }, 6)) },
  { name: 'speed missing', bytes: b(cmd({ device: 'x' }, 7)) },
  { name: 'member unexpected', bytes: b(cmd({ device: 'x', speed: 1, z: 1 }, 8)) },
  { name: 'force not a bool', bytes: b('{"execute":"block-job-cancel","arguments":{"device":"x","force":"yes"},"id":9}\n') },
  { name: 'job id not a string', bytes: b('{"execute":"job-pause","arguments":{"id":5},"id":10}\n') },
  { name: 'member __proto__', bytes: b('{"execute":"query-jobs","arguments":{"__proto__":1},"id":11}\n') },
  { name: 'arguments a float', bytes: b('{"execute":"query-jobs","arguments":1.5,"id":12}\n') },
  { name: 'execute not a string', bytes: b('{"execute":1,"id":13}\n') },
  { name: 'no execute', bytes: b('{}\n{"id":14}\n') },
  { name: 'unknown command', bytes: b('{"execute":"no-such-command","id":15}\n') },
  { name: 'exec-oob not enabled', bytes: b('{"exec-oob":"query-jobs","id":16}\n') },
  { name: 'member at top level unexpected', bytes: b('{"execute":"query-jobs","bogus":1,"id":17}\n') },
  { name: 'mirror granularity out of range', bytes: b('{"execute":"blockdev-mirror","arguments":{"device":"src","target":"dst","sync":"full","granularity":-1},"id":18}\n{"execute":"blockdev-mirror","arguments":{"device":"src","target":"dst","sync":"full","granularity":4294967296},"id":19}\n{"execute":"blockdev-mirror","arguments":{"device":"src","target":"dst","sync":"full","granularity":1.5},"id":20}\n') },
  { name: 'message split across writes', bytes: b('{"exe') },
];

/** The rest of the split message, sent as its own write. */
export const SPLIT_REST = b('cute":"query-jobs","id":"joined"}');

export type Reply = Record<string, unknown>;
/** Replies, run-length encoded: `[reply, times]`. */
export type Runs = [Reply, number][];

export function runLength(replies: readonly Reply[]): Runs {
  const out: Runs = [];
  for (const r of replies) {
    const last = out[out.length - 1];
    if (last && JSON.stringify(last[0]) === JSON.stringify(r)) last[1] += 1;
    else out.push([r, 1]);
  }
  return out;
}

/**
 * Runs every case over `send` / `next` (a negotiated connection): returns each case's replies,
 * run-length encoded, by case name. `next` resolves with the next message the server sent.
 */
export async function collect(send: (bytes: Buffer) => void, next: () => Promise<Reply>): Promise<Record<string, Runs>> {
  const out: Record<string, Runs> = {};
  for (const [n, c] of HOSTILE_CASES.entries()) {
    send(c.bytes);
    if (c.bytes === HOSTILE_CASES[HOSTILE_CASES.length - 1]!.bytes) send(SPLIT_REST);
    send(Buffer.from(`\n{"execute":"query-jobs","id":"end-${n}"}\n`));
    const replies: Reply[] = [];
    for (;;) {
      const m = await next();
      if (m['id'] === `end-${n}`) break;
      if ('event' in m) continue;
      replies.push(m);
    }
    out[c.name] = runLength(replies);
  }
  return out;
}

/** A line reader over a stream of bytes: JSON objects, one a line. */
export class LineQueue {
  private buffer = '';
  private readonly lines: Reply[] = [];
  private waiter: (() => void) | undefined;

  push(chunk: Buffer): void {
    this.buffer += chunk.toString('utf8');
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (line !== '') this.lines.push(JSON.parse(line) as Reply);
    }
    this.waiter?.();
  }

  async next(timeoutMs = 10_000): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    while (this.lines.length === 0) {
      if (Date.now() > deadline) throw new Error('no reply within the time-out');
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, 50);
      });
    }
    return this.lines.shift()!;
  }
}
