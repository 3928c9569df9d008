import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TraceLine, TraceMeta } from '../../traces/format.ts';
import { directionOf, iotestsLine } from '../../traces/iotests.ts';
import { forEachLine, parseWireLine, readTrace, styleForPath, TraceInputError } from '../../traces/reader.ts';
import { scratchFolder } from '../support/scratch.ts';

const scratch = scratchFolder('qjob-reader-');
const file = scratch.file;

async function read(path: string): Promise<{ lines: { line: TraceLine; lineNo: number }[]; meta?: TraceMeta }> {
  const lines: { line: TraceLine; lineNo: number }[] = [];
  let meta: TraceMeta | undefined;
  await readTrace(path, (line, lineNo) => lines.push({ line, lineNo }), { onMeta: (m) => (meta = m) });
  return meta === undefined ? { lines } : { lines, meta };
}

const greeting = '{"dir":"recv","t":0.01,"msg":{"QMP":{"version":{"qemu":{"micro":22,"minor":2,"major":7},"package":""},"capabilities":["oob"]}}}';

describe('wire traces', () => {
  it('reads the meta line, then message lines with their line numbers', async () => {
    const path = await file('a.jsonl', `{"meta":{"scenario":"x","release":"7.2"}}\n${greeting}\n{"dir":"send","t":0.02,"msg":{"execute":"qmp_capabilities","id":"c1"}}\n`);
    const { lines, meta } = await read(path);
    expect(meta).toEqual({ scenario: 'x', release: '7.2' });
    expect(lines.map((l) => l.lineNo)).toEqual([2, 3]);
    expect(lines[1]!.line).toEqual({ dir: 'send', t: 0.02, msg: { execute: 'qmp_capabilities', id: 'c1' } });
  });

  it('accepts CRLF line ends, blank lines and a last line without newline', async () => {
    const path = await file('b.jsonl', `${greeting}\r\n\r\n{"dir":"recv","t":1,"msg":{"return":{},"id":"c1"}}`);
    const { lines } = await read(path);
    expect(lines.map((l) => l.lineNo)).toEqual([1, 3]);
  });

  it('decodes a multi-byte character split across read chunks', async () => {
    const pad = 'x'.repeat((1 << 20) - 60);
    const text = `{"dir":"recv","t":0,"msg":{"event":"X","data":{"pad":"${pad}","s":"é€"}}}\n`;
    const path = await file('c.jsonl', text);
    const { lines } = await read(path);
    expect((lines[0]!.line.msg['data'] as Record<string, string>)['s']).toBe('é€');
  });

  it('names file and line for a line that is not JSON', async () => {
    const path = await file('d.jsonl', `${greeting}\nnot json\n`);
    await expect(read(path)).rejects.toThrow(TraceInputError);
    await expect(read(path)).rejects.toThrow(`${path}:2: not JSON`);
  });

  it('names file and line for JSON that is not a trace line', async () => {
    const path = await file('e.jsonl', `${greeting}\n{"execute":"query-jobs"}\n`);
    const err = await read(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TraceInputError);
    expect((err as TraceInputError).line).toBe(2);
    expect((err as TraceInputError).message).toContain('not a trace line');
  });

  it('refuses a meta line that is not the first line', async () => {
    const path = await file('f.jsonl', `${greeting}\n{"meta":{}}\n`);
    await expect(read(path)).rejects.toThrow(':2: a {"meta"} line is only allowed as the first line');
  });

  it('reports an unreadable file with its name', async () => {
    await expect(read(join(scratch.dir, 'missing.jsonl'))).rejects.toThrow(/missing\.jsonl: cannot read: ENOENT/);
  });

  it('parses one line without reading a file', () => {
    expect(parseWireLine('  ', 1, 'x', true)).toBeUndefined();
    expect(parseWireLine('{"meta":{"a":1}}', 1, 'x', true)).toEqual({ meta: { a: 1 } });
    expect(() => parseWireLine('{"dir":"up","t":0,"msg":{}}', 4, 'x', false)).toThrow('x:4: not a trace line');
  });

  it('counts every line, blank ones included', async () => {
    const path = await file('g.jsonl', 'a\n\nb\n');
    const seen: [string, number][] = [];
    expect(await forEachLine(path, (text, n) => seen.push([text, n]))).toBe(3);
    expect(seen).toEqual([['a', 1], ['', 2], ['b', 3]]);
  });
});

describe('iotests-style logs', () => {
  it('takes the style from the extension, iotests variant outputs included', () => {
    expect(styleForPath('219.out')).toBe('log');
    expect(styleForPath('x.LOG')).toBe('log');
    expect(styleForPath('178.out.qcow2')).toBe('log');
    expect(styleForPath('026.out.nocache')).toBe('log');
    expect(styleForPath('x.jsonl')).toBe('wire');
  });

  it('gives each QMP object its direction from its keys', () => {
    expect(directionOf({ execute: 'job-pause' })).toBe('send');
    expect(directionOf({ 'exec-oob': 'x' })).toBe('send');
    expect(directionOf({ return: {} })).toBe('recv');
    expect(directionOf({ error: { class: 'GenericError', desc: '' } })).toBe('recv');
    expect(directionOf({ event: 'STOP' })).toBe('recv');
    expect(directionOf({ QMP: {} })).toBe('recv');
    expect(directionOf({ data: {} })).toBeUndefined();
  });

  it('reads Python-style lines with placeholders, and bash-style TIMESTAMP as a string', () => {
    const py = iotestsLine('{"data": {"id": "job0", "status": "created"}, "event": "JOB_STATUS_CHANGE", "timestamp": {"microseconds": "USECS", "seconds": "SECS"}}');
    expect(py?.dir).toBe('recv');
    expect(py?.msg['event']).toBe('JOB_STATUS_CHANGE');
    const bash = iotestsLine('{"timestamp": {"seconds":  TIMESTAMP, "microseconds":  TIMESTAMP}, "event": "JOB_STATUS_CHANGE", "data": {"status": "null", "id": "job0"}}');
    expect(bash?.msg['timestamp']).toEqual({ seconds: 'TIMESTAMP', microseconds: 'TIMESTAMP' });
    expect((bash?.msg['data'] as Record<string, string>)['status']).toBe('null');
  });

  it('ignores text, unknown objects and arrays', () => {
    for (const text of ['QA output created by 219', 'QMP_VERSION', '=== Testing ===', '{"data": {}}', '[1, 2]', '{broken', '']) {
      expect(iotestsLine(text)).toBeUndefined();
    }
  });

  it('streams a log file, skipping what is not QMP', async () => {
    const path = await file('t.out', 'Launching VM...\n{"execute": "job-pause", "arguments": {"id": "job0"}}\n{"return": {}}\n*** done\n');
    const { lines } = await read(path);
    expect(lines.map((l) => [l.lineNo, l.line.dir])).toEqual([
      [2, 'send'],
      [3, 'recv'],
    ]);
  });
});
