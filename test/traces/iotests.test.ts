/** Reading iotests-style logs: multi-line objects, progress dots, placeholders, VM relaunches. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceLine } from '../../traces/format.ts';
import { LogReader } from '../../traces/iotests.ts';
import { LogJsonParser, MAX_NESTING } from '../../traces/logJson.ts';
import { readTrace, TraceInputError } from '../../traces/reader.ts';
import { TranscriptReader } from '../../traces/transcript.ts';

const LOGS = join(import.meta.dirname, '..', 'fixtures', 'logs');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qjob-iotests-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Read = { line: TraceLine; lineNo: number }[];

async function readFile(path: string): Promise<Read> {
  const out: Read = [];
  await readTrace(path, (line, lineNo) => out.push({ line, lineNo }));
  return out;
}

/** Reads log text in memory, as LogReader sees it line by line. */
function readText(text: string): Read {
  const out: Read = [];
  const reader = new LogReader('mem.out', (line, lineNo) => out.push({ line, lineNo }));
  text.split('\n').forEach((l, i) => reader.line(l, i + 1));
  reader.end();
  return out;
}

function what(r: Read): string[] {
  return r.map(({ line: { msg } }) => String(msg['execute'] ?? msg['event'] ?? ('return' in msg ? 'return' : 'error' in msg ? 'error' : 'QMP')));
}

describe('multi-line (pretty-printed) objects', () => {
  it('reads bash-style pretty-printed events and replies with their first and last lines', async () => {
    const r = await readFile(join(LOGS, 'pretty-bash.out'));
    expect(what(r)).toEqual([
      'return',
      'JOB_STATUS_CHANGE',
      'JOB_STATUS_CHANGE',
      'return',
      'JOB_STATUS_CHANGE',
      'JOB_STATUS_CHANGE',
      'BLOCK_JOB_COMPLETED',
      'JOB_STATUS_CHANGE',
      'JOB_STATUS_CHANGE',
      'return',
    ]);
    expect(r[0]).toMatchObject({ lineNo: 5, line: { dir: 'recv', lastLine: 8 } });
    expect(r[1]).toMatchObject({ lineNo: 12, line: { lastLine: 22, msg: { data: { status: 'created', id: 'commit0' } } } });
    // Bare words the bash filters leave are read as strings.
    expect(r[1]!.line.msg['timestamp']).toEqual({ seconds: 'TIMESTAMP', microseconds: 'TIMESTAMP' });
    const nodes = r[9]!.line.msg['return'] as { image: Record<string, unknown> }[];
    expect(nodes[0]!.image['actual-size']).toBe('SIZE');
  });

  it('reads Python qmp_log output pretty-printed with indent, and skips objects that are not QMP', async () => {
    const r = await readFile(join(LOGS, 'qmp-log-python.out'));
    expect(r[0]).toMatchObject({ lineNo: 3, line: { dir: 'send', lastLine: 12, msg: { execute: 'blockdev-backup', arguments: { 'auto-finalize': false, 'job-id': 'job0' } } } });
    expect(r[1]).toMatchObject({ lineNo: 13, line: { dir: 'recv', lastLine: 15, msg: { return: {} } } });
    expect(r).toHaveLength(14);
    expect(r.at(-1)!.line.msg).toMatchObject({ event: 'JOB_STATUS_CHANGE', data: { status: 'null' } });
  });

  it('reads a command a bash test wrote in single quotes over several lines', () => {
    const r = readText("{ 'execute': 'block-commit',\n       'arguments': { 'device': 'disk',\n                      'speed': 65536 } }\n{\"return\": {}}");
    expect(r[0]).toEqual({ lineNo: 1, line: { dir: 'send', t: 0, lastLine: 3, msg: { execute: 'block-commit', arguments: { device: 'disk', speed: 65536 } } } });
    expect(r[1]!.lineNo).toBe(4);
  });

  it('keeps one-line messages without lastLine', () => {
    expect(readText('{"return": {}}')[0]!.line).toEqual({ dir: 'recv', t: 0, msg: { return: {} } });
  });
});

describe('glued and variant logs', () => {
  it("reads commands glued to unittest's progress characters", async () => {
    const r = await readFile(join(LOGS, 'progress-dots.out'));
    expect(r.map((x) => [x.lineNo, x.line.dir])).toEqual([
      [1, 'send'],
      [2, 'recv'],
      [3, 'recv'],
      [4, 'recv'],
      [5, 'send'],
      [6, 'recv'],
      [7, 'recv'],
      [8, 'recv'],
    ]);
    expect(r[4]!.line.msg).toEqual({ execute: 'job-finalize', arguments: { id: 'stream0' } });
  });

  it('reads iotests variant outputs (*.out.qcow2) as logs, not wire traces', async () => {
    const r = await readFile(join(LOGS, 'dots-variant.out.qcow2'));
    expect(r).toHaveLength(8);
  });
});

describe('VM relaunches', () => {
  it('marks the first message of each new QEMU: a successful qmp_capabilities, or QMP_VERSION', async () => {
    const r = await readFile(join(LOGS, 'relaunch-bash.out'));
    const marks = r.filter((x) => x.line.newSession).map((x) => [x.lineNo, x.line.newSession]);
    expect(marks).toEqual([
      [21, { cause: 'capabilities', line: 21 }],
      [38, { cause: 'greeting', line: 37 }],
    ]);
    // Events QEMU printed after quit belong to the session that quit.
    expect(r.find((x) => x.lineNo === 17)!.line.newSession).toBeUndefined();
    expect(r.map((x) => x.lineNo)).toEqual([...r.map((x) => x.lineNo)].sort((a, b) => a - b));
  });

  it("marks the first message after unittest's progress characters: the next test case runs its own VM", async () => {
    const r = await readFile(join(LOGS, 'test-cases-python.out'));
    expect(r.filter((x) => x.line.newSession).map((x) => [x.lineNo, x.line.newSession])).toEqual([
      [5, { cause: 'test-case', line: 5 }],
      // `..{}` is no QMP message: the test case it ends still starts a session with the next one.
      [10, { cause: 'test-case', line: 9 }],
    ]);
    expect(r).toHaveLength(10);
  });

  it('marks no session for progress characters before the first message', () => {
    const r = readText(['..{"execute": "query-jobs"}', '{"return": []}', '{"execute": "query-jobs"}', '{"return": []}'].join('\n'));
    expect(r.some((x) => x.line.newSession)).toBe(false);
  });

  it('does not start a session on a qmp_capabilities that QEMU refused (same connection)', () => {
    const r = readText(
      [
        '{"execute": "qmp_capabilities"}',
        '{"return": {}}',
        '{"execute": "query-jobs"}',
        '{"return": []}',
        '{"execute": "qmp_capabilities"}',
        '{"data": {"id": "j", "status": "created"}, "event": "JOB_STATUS_CHANGE"}',
        '{"error": {"class": "CommandNotFound", "desc": "Capabilities negotiation is already complete, command ignored"}}',
      ].join('\n'),
    );
    expect(r.some((x) => x.line.newSession)).toBe(false);
    expect(r.map((x) => x.lineNo)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('starts a session with the next command after quit was answered, and with a greeting', () => {
    const r = readText(
      [
        '{"execute": "quit"}',
        '{"return": {}}',
        '{"event": "SHUTDOWN", "data": {"guest": false}}',
        '{"execute": "query-jobs"}',
        '{"return": []}',
        '{"QMP": {"version": {"qemu": {"major": 7, "minor": 2, "micro": 0}}, "capabilities": []}}',
        '{"execute": "query-jobs"}',
      ].join('\n'),
    );
    expect(r.filter((x) => x.line.newSession).map((x) => [x.lineNo, x.line.newSession])).toEqual([
      [4, { cause: 'quit', line: 4 }],
      [6, { cause: 'greeting', line: 6 }],
    ]);
  });
});

describe('the bash harness', () => {
  const marks = (r: Read) => r.map((x) => [x.lineNo, x.line.harness ?? '-']);

  it("marks every message from the first event whose timestamp bash's filter left bare", async () => {
    const r = await readFile(join(LOGS, 'relaunch-bash.out'));
    expect(marks(r).slice(0, 4)).toEqual([
      [5, '-'],
      [6, '-'],
      [7, '-'],
      [11, 'bash'],
    ]);
    expect(r.slice(3).every((x) => x.line.harness === 'bash')).toBe(true);
  });

  it('marks a pretty-printed event, and every message after a filtered greeting', async () => {
    expect(marks(await readFile(join(LOGS, 'pretty-bash.out'))).slice(0, 2)).toEqual([
      [5, '-'],
      [12, 'bash'],
    ]);
    expect(readText('QMP_VERSION\n{"return": {}}\n{"execute": "query-jobs"}')[0]!.line.harness).toBe('bash');
  });

  it('marks nothing in logs of the Python harness, or where TIMESTAMP is a string', async () => {
    for (const name of ['qmp-log-python.out', 'progress-dots.out', 'test-cases-python.out']) {
      const read = await readFile(join(LOGS, name));
      expect(read.length, name).toBeGreaterThan(0);
      expect(read.some((x) => x.line.harness !== undefined), name).toBe(false);
    }
    const quoted = '{"timestamp": {"seconds": "TIMESTAMP", "microseconds": "TIMESTAMP"}, "event": "JOB_STATUS_CHANGE", "data": {"status": "created", "id": "j"}}';
    expect(readText(quoted)[0]!.line.harness).toBeUndefined();
    expect(readText(quoted.replaceAll('"TIMESTAMP"', 'TIMESTAMP'))[0]!.line.harness).toBe('bash');
  });
});

describe('text that looks like JSON', () => {
  it('reads on after a brace that only opened text', () => {
    const r = readText(['{ this is prose', '{', '"a": 1,', 'Formatting image', '{"return": {}}'].join('\n'));
    expect(r.map((x) => x.lineNo)).toEqual([5]);
  });

  it('reads the lines of an object never closed again, when it was not QMP', () => {
    const r = readText(['{"bitmaps": [', '{"return": {}}'].join('\n'));
    expect(r.map((x) => x.lineNo)).toEqual([2]);
  });

  it('refuses a QMP message it cannot read, naming its line', () => {
    expect(() => readText('text\n{"return": {}, oops}')).toThrow(/mem\.out:2: a QMP message that cannot be read: unexpected 'o' \(line 2, column 16\)/);
    expect(() => readText('{"execute": "job-pause",\n  "arguments": {"id": "j"}')).toThrow(/mem\.out:1: a QMP message not closed before the end of the file/);
  });
});

describe('nesting', () => {
  const nest = (n: number): string => `{"event": "X", "data": {"x": ${'['.repeat(n - 2)}${']'.repeat(n - 2)}}}`;

  it(`reads ${MAX_NESTING} levels and refuses more, naming the line, as QEMU does`, async () => {
    expect(readText(nest(MAX_NESTING))).toHaveLength(1);
    expect(() => readText(`text\n${nest(MAX_NESTING + 1)}`)).toThrow(/mem\.out:2: JSON nested deeper than 1024 levels/);
    const path = join(dir, 'deep.out');
    await writeFile(path, `{"return": {}}\n${nest(100_000)}\n`);
    const err = await readFile(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TraceInputError);
    expect((err as TraceInputError).line).toBe(2);
  });

  it('counts braces and brackets together, over lines', () => {
    const p = new LogJsonParser();
    let r = p.feed('{"a": [');
    for (let i = 2; i < MAX_NESTING; i++) r = p.feed(i % 2 ? '[' : '{"k":');
    expect(r.kind).toBe('more');
    expect(p.feed('[')).toMatchObject({ kind: 'error', tooDeep: true });
  });
});

describe('LogJsonParser', () => {
  it("reads QEMU's single-quoted strings and escapes, and placeholders in value places only", () => {
    expect(new LogJsonParser().feed(`{'a': 'it\\'s', "b": "\\u00e9\\n", 'c': (filtered), 'd': [SIZE, -1.5e3, true, null]}`)).toEqual({
      kind: 'done',
      value: { a: "it's", b: 'é\n', c: '(filtered)', d: ['SIZE', -1500, true, null] },
      end: 81,
    });
    expect(new LogJsonParser().feed('{SIZE: 1}')).toMatchObject({ kind: 'error', column: 1 });
  });

  it('reads Python literals only when asked', () => {
    expect(new LogJsonParser('python').feed("{'x': True, 'y': None}")).toMatchObject({ value: { x: true, y: null } });
    expect(new LogJsonParser().feed("{'x': True}")).toMatchObject({ value: { x: 'True' } });
  });

  it('keeps a "__proto__" key as data', () => {
    const r = new LogJsonParser().feed('{"__proto__": {"polluted": 1}}');
    expect(r.kind).toBe('done');
    const v = (r as { value: Record<string, unknown> }).value;
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
  });

  it('refuses strings that span lines and text after the object', () => {
    expect(new LogJsonParser().feed('{"a": "open')).toMatchObject({ kind: 'error', reason: 'a string not closed on its line' });
    expect(new LogJsonParser().feed('{"a": 1,}')).toMatchObject({ kind: 'error', reason: "unexpected '}'" });
  });
});

describe('any text', () => {
  // Pieces of logs, JSON and transcripts, glued at random: the readers end or refuse, never crash.
  const piece = fc.constantFrom('{', '}', '[', ']', ':', ',', '"', "'", '\\', ' ', '\n', '..', '-> ', '<- ', '(QEMU) ', 'x=1', 'QMP_VERSION', 'TIMESTAMP', '(filtered)', '"execute"', '"return"', '"event"', "'quit'", '"qmp_capabilities"', '1', 'true', 'True', '\u001b', '\u00e9');
  const text = fc.array(piece, { maxLength: 80 }).map((p) => p.join(''));
  const SEED = 20261204;

  for (const [name, make] of [
    ['LogReader', (emit: (l: TraceLine, n: number) => void) => new LogReader('fuzz', emit)],
    ['TranscriptReader', (emit: (l: TraceLine, n: number) => void) => new TranscriptReader('fuzz', emit)],
  ] as const) {
    it(`${name} reads anything or throws a TraceInputError naming a line within the text (seed ${SEED})`, () => {
      fc.assert(
        fc.property(text, (t) => {
          const lines = t.split('\n');
          const seen: number[] = [];
          const reader = make((_line, n) => seen.push(n));
          try {
            lines.forEach((l, i) => reader.line(l, i + 1));
            reader.end();
          } catch (err) {
            expect(err).toBeInstanceOf(TraceInputError);
            const e = err as TraceInputError;
            expect(e.line).toBeGreaterThanOrEqual(1);
            expect(e.line).toBeLessThanOrEqual(lines.length);
            // eslint-disable-next-line no-control-regex
            expect(e.message).not.toMatch(/[\u0000-\u001f]/);
          }
          for (const n of seen) expect(n).toBeLessThanOrEqual(lines.length);
        }),
        { seed: SEED, numRuns: 2000, includeErrorInReport: true },
      );
    });
  }
});
