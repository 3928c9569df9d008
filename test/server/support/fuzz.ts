/**
 * The standing fuzz harness of the model server and the recorder: generators of hostile QMP input and
 * the properties they must keep. test/server/fuzz.test.ts runs it briefly in `npm test`,
 * test/server/fuzz.deep.test.ts at length in the deep suite.
 *
 * Seeded: the seed comes from QJOB_FUZZ_SEED or is drawn once, and a failure names it (and
 * fast-check's shrunk counterexample), so `QJOB_FUZZ_SEED=<seed> npx vitest run <file>` replays it.
 */
import fs from 'node:fs';
import net from 'node:net';
import fc from 'fast-check';
import { profileFor } from '../../../machines/index.ts';
import { FakeClock, ModelServer } from '../../../server/index.ts';
import type { ArgSchema, ArgType } from '../../../server/args.ts';
import { commandSchema } from '../../../server/schema.ts';

export const FUZZ_SEED = process.env['QJOB_FUZZ_SEED'] !== undefined ? Number(process.env['QJOB_FUZZ_SEED']) : Math.floor(Math.random() * 2 ** 31);

/** Runs a property with the harness's seed; a failure's message starts with the seed to replay it with. */
export async function check<T>(name: string, arb: fc.Arbitrary<T>, predicate: (value: T) => Promise<void> | void, numRuns: number): Promise<void> {
  try {
    await fc.assert(
      fc.asyncProperty(arb, async (v) => {
        await predicate(v);
      }),
      { seed: FUZZ_SEED, numRuns, endOnFailure: numRuns > 1000 },
    );
  } catch (error) {
    throw new Error(`fuzz "${name}" failed with QJOB_FUZZ_SEED=${FUZZ_SEED}:\n${(error as Error).message}`, { cause: error });
  }
}

// ---- input ----

const JOB_COMMANDS = ['blockdev-backup', 'drive-backup', 'blockdev-mirror', 'drive-mirror', 'block-stream', 'block-commit', 'blockdev-create', 'job-pause', 'job-resume', 'job-cancel', 'job-complete', 'job-finalize', 'job-dismiss', 'block-job-pause', 'block-job-resume', 'block-job-cancel', 'block-job-complete', 'block-job-set-speed', 'block-job-finalize', 'block-job-dismiss', 'query-jobs', 'query-block-jobs', 'transaction'];

const jsonScalar = fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 20 }), fc.boolean(), fc.constant(null));
const jsonValue = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof({ depthSize: 'small', withCrossShrink: true }, jsonScalar, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 8 }), tie('v'), { maxKeys: 4 })),
})).v;
const jobIds = fc.constantFrom('j0', 'j1', 'src', 'dst', 'nope');

/** A command with arguments that may be right, wrongly typed, missing or unknown. */
const command = fc.record({
  execute: fc.constantFrom(...JOB_COMMANDS),
  arguments: fc.dictionary(fc.constantFrom('id', 'device', 'job-id', 'target', 'sync', 'speed', 'force', 'auto-finalize', 'auto-dismiss', 'granularity', 'x-perf', 'actions', 'zz'), fc.oneof(jobIds, jsonValue, fc.constantFrom('full', 'none', 0, 1024, -1, 1e308, 2 ** 64)), { maxKeys: 6 }),
  id: fc.oneof(fc.string({ maxLength: 6 }), fc.integer()),
}).map((c) => Buffer.from(JSON.stringify(c) + '\n'));

/** One hostile piece of input, as bytes. */
export function hostilePiece(maxString: number, maxDepth: number): fc.Arbitrary<Buffer> {
  return fc.oneof(
    command,
    fc.integer({ min: 1, max: maxDepth }).map((d) => Buffer.from(`{"execute":"query-jobs","id":${'['.repeat(d)}${']'.repeat(d)}}\n`)),
    fc.integer({ min: 1, max: maxDepth }).map((d) => Buffer.from('{"a":'.repeat(d) + '1' + '}'.repeat(d) + '\n')),
    fc.integer({ min: 0, max: maxString }).map((n) => Buffer.from(`{"execute":"query-jobs","id":"${'x'.repeat(n)}"}\n`)),
    fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
    fc.constantFrom('\xff', '\xc3\x28', '\xc0\x80', '\xed\xa0\x80', '"\\ud800"', "'sq'", '\x00', '\r\n', '}', ']', ',', ':', '{', '[').map((s) => Buffer.from(s, 'latin1')),
    command.chain((c) => fc.integer({ min: 0, max: c.length }).map((k) => c.subarray(0, k))),
  );
}

/** Hostile pieces joined, then cut into chunks at arbitrary points (how a socket may deliver them). */
export function hostileStream(maxString: number, maxDepth: number): fc.Arbitrary<Buffer[]> {
  return fc.array(hostilePiece(maxString, maxDepth), { minLength: 1, maxLength: 8 }).chain((pieces) => {
    const all = Buffer.concat(pieces);
    return fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, all.length - 1) }), { maxLength: 6 }).map((cuts) => {
      const points = [0, ...cuts.filter((c) => c < all.length).sort((a, b) => a - b), all.length];
      return points.slice(1).map((p, i) => all.subarray(points[i]!, p));
    });
  });
}

/** Resynchronises any parser state (0xFF is a lexer error in every state) and asks for a reply. */
export const PROBE = Buffer.from('\xff\n{"execute":"query-jobs","id":"probe"}\n', 'latin1');

// ---- properties ----

type Msg = Record<string, unknown>;

function checkLine(line: string): Msg {
  const msg = JSON.parse(line) as Msg;
  const ok =
    'QMP' in msg ||
    'event' in msg ||
    'return' in msg ||
    (typeof msg['error'] === 'object' && typeof (msg['error'] as Msg)['class'] === 'string' && typeof (msg['error'] as Msg)['desc'] === 'string');
  if (!ok) throw new Error(`not a QMP message: ${line.slice(0, 200)}`);
  return msg;
}

/**
 * Feeds chunks to an in-process session: nothing throws, every line out is a QMP message, the session
 * stays open, and after the probe the server answers it.
 */
export function sessionSurvives(release: string, chunks: readonly Buffer[]): void {
  const server = new ModelServer({ release, clock: new FakeClock(), autoAdvance: false });
  const out: Msg[] = [];
  let closed = false;
  const session = server.connect({ write: (l) => out.push(checkLine(l)), close: () => (closed = true) });
  session.receive('{"execute":"qmp_capabilities"}\n');
  for (const c of chunks) session.receive(c);
  const before = out.length;
  session.receive(PROBE);
  if (closed) {
    // Only `quit` closes a session; the fuzzer never sends it.
    throw new Error('the session was closed');
  }
  const probe = out.slice(before).find((m) => m['id'] === 'probe');
  if (server.engine.isHung) return; // a grouped-transaction hang, as QEMU's: answers nothing, by design
  if (!probe || !('return' in probe)) throw new Error(`no reply to the probe; last: ${JSON.stringify(out.slice(-3)).slice(0, 400)}`);
}

/** A wrong value for a member of this type, and the error QEMU (7.2, 10.0) gives for it. */
export function wrongValue(type: ArgType, name: string): fc.Arbitrary<{ value: unknown; json?: string; desc: string }> {
  const invalidType = (expected: string): string => `Invalid parameter type for '${name}', expected: ${expected}`;
  if (type === 'any') return fc.constant({ value: undefined, desc: '' });
  if (typeof type === 'object' && 'enum' in type) {
    return fc.oneof(
      fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.constant([])).map((value) => ({ value, desc: invalidType('string') })),
      fc.string({ maxLength: 8 }).filter((s) => !type.enum.includes(s) && !s.includes("'")).map((value) => ({ value, desc: `Parameter '${name}' does not accept value '${value}'` })),
    );
  }
  if (typeof type === 'object') return fc.oneof(fc.integer(), fc.string({ maxLength: 4 }), fc.constant([])).map((value) => ({ value, desc: invalidType('object') }));
  const notInt = fc.oneof(
    fc.string({ maxLength: 4 }).map((value) => ({ value })),
    fc.boolean().map((value) => ({ value })),
    fc.constant({ value: null }),
    fc.constantFrom('1.0', '1e308', '18446744073709551616', '0.5').map((json) => ({ value: undefined, json })),
  );
  switch (type) {
    case 'int':
      return fc.oneof(notInt, fc.constant({ value: undefined, json: '9223372036854775808' })).map((v) => ({ ...v, desc: invalidType('integer') }));
    case 'uint64':
    case 'size':
      return notInt.map((v) => ({ ...v, desc: `Parameter '${name}' expects ${type}` }));
    case 'uint32':
      return fc.oneof(notInt.map((v) => ({ ...v, desc: `Parameter '${name}' expects uint64` })), fc.constantFrom(-1, 2 ** 32).map((value) => ({ value, desc: `Parameter '${name}' expects uint32_t` })));
    case 'str':
      return fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.constant({})).map((value) => ({ value, desc: invalidType('string') }));
    case 'bool':
      return fc.oneof(fc.integer(), fc.string({ maxLength: 4 }), fc.constant(null)).map((value) => ({ value, desc: invalidType('boolean') }));
    case 'object':
      return fc.oneof(fc.integer(), fc.string({ maxLength: 4 }), fc.constant([])).map((value) => ({ value, desc: invalidType('object') }));
    case 'array':
      return fc.oneof(fc.integer(), fc.string({ maxLength: 4 }), fc.constant({})).map((value) => ({ value, desc: invalidType('array') }));
  }
}

/** A valid value of the type (for the members left right while one is made wrong). */
function rightValue(type: ArgType): unknown {
  if (typeof type === 'object') return 'enum' in type ? type.enum[0] : {};
  return { str: 'nope', int: 0, uint64: 0, uint32: 0, size: 0, bool: false, object: {}, array: [], any: null }[type];
}

export interface WrongArgCase {
  readonly command: string;
  readonly member: string;
  readonly line: string;
  readonly desc: string;
}

/** Every served command with a schema, one member made wrong (or one unknown member added). */
export function wrongArgument(release: string): fc.Arbitrary<WrongArgCase> {
  const profile = profileFor(release);
  const server = new ModelServer({ release, clock: new FakeClock(), autoAdvance: false });
  const entries = server.engine
    .commands()
    .map((c) => [c, commandSchema(profile, c)] as const)
    .filter((e): e is readonly [string, ArgSchema] => e[1] !== undefined);
  return fc.constantFrom(...entries).chain(([cmd, schema]) => {
    const members = Object.entries(schema).filter(([, spec]) => spec.type !== 'any');
    const base = Object.fromEntries(Object.entries(schema).filter(([, s]) => s.required === true).map(([n, s]) => [n, rightValue(s.type)]));
    const unknown = fc.constant({ command: cmd, member: 'zz', line: JSON.stringify({ execute: cmd, arguments: { ...base, zz: 1 }, id: 'w' }), desc: "Parameter 'zz' is unexpected" });
    if (members.length === 0) return unknown;
    return fc.oneof(
      unknown,
      fc.constantFrom(...members).chain(([member, spec]) =>
        wrongValue(spec.type, member).map((w) => {
          const args = JSON.stringify({ ...base, [member]: w.value ?? '@@' }).replace('"@@"', w.json ?? 'null');
          return { command: cmd, member, line: `{"execute":${JSON.stringify(cmd)},"arguments":${args},"id":"w"}`, desc: w.desc };
        }),
      ),
    );
  });
}

/** Sends one wrongly typed command; the reply must be QEMU's GenericError for it. */
export function wrongArgumentRefused(release: string, c: WrongArgCase): void {
  const server = new ModelServer({ release, clock: new FakeClock(), autoAdvance: false });
  const out: Msg[] = [];
  const session = server.connect({ write: (l) => out.push(JSON.parse(l) as Msg), close: () => {} });
  session.receive(`{"execute":"qmp_capabilities"}\n${c.line}\n`);
  const reply = out.find((m) => m['id'] === 'w');
  const expected = { id: 'w', error: { class: 'GenericError', desc: c.desc } };
  if (JSON.stringify(reply) !== JSON.stringify(expected)) throw new Error(`${c.line}\n  expected ${JSON.stringify(expected)}\n  got      ${JSON.stringify(reply)}`);
}

/** Connects a raw client, sends `chunks` then the probe, and resolves when the probe is answered. */
export function socketClient(path: string, chunks: readonly Buffer[], timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ path });
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to the probe within ${timeoutMs} ms; got ${text.slice(-300)}`));
    }, timeoutMs);
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on('data', (d: Buffer) => {
      text += d.toString('utf8');
      if (text.includes('"id":"probe"')) {
        clearTimeout(timer);
        socket.end();
        resolve();
      }
    });
    socket.once('connect', () => {
      socket.write('{"execute":"qmp_capabilities"}\n');
      for (const c of chunks) socket.write(c);
      socket.write(PROBE);
    });
  });
}

/** The trace's lines, each checked to be whole JSON. */
export function traceLines(file: string): Msg[] {
  const text = fs.readFileSync(file, 'utf8');
  if (text !== '' && !text.endsWith('\n')) throw new Error('the trace does not end with a newline');
  return text
    .split('\n')
    .slice(0, -1)
    .map((l) => JSON.parse(l) as Msg);
}

/** Lines a side sent that the recorder must record: every non-blank one, the last even without its newline. */
export function recordableLines(bytes: Buffer): number {
  const lines = bytes.toString('utf8').split('\n');
  return lines.filter((l) => l.replace(/\r$/, '').trim() !== '').length;
}
