/** Reading pasted sessions: `->` / `<-` lines and qmp-shell transcripts. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkTraceFile } from '../../conformance/index.ts';
import type { TraceLine } from '../../traces/format.ts';
import { readTrace } from '../../traces/reader.ts';
import { TranscriptReader } from '../../traces/transcript.ts';

const LOGS = join(import.meta.dirname, '..', 'fixtures', 'logs');

type Read = { line: TraceLine; lineNo: number }[];

function readText(text: string): Read {
  const out: Read = [];
  const reader = new TranscriptReader('paste.txt', (line, lineNo) => out.push({ line, lineNo }));
  text.split('\n').forEach((l, i) => reader.line(l, i + 1));
  reader.end();
  return out;
}

describe('-> / <- transcripts', () => {
  it('reads directions from the arrows, messages continued over lines, and skips prose', async () => {
    const out: Read = [];
    await readTrace(join(LOGS, 'arrows.txt'), (line, lineNo) => out.push({ line, lineNo }));
    expect(out.map((x) => [x.lineNo, x.line.dir, x.line.lastLine])).toEqual([
      [3, 'send', undefined],
      [4, 'recv', undefined],
      [5, 'send', 7],
      [8, 'recv', 9],
      [10, 'recv', 11],
      [12, 'recv', undefined],
      [13, 'send', undefined],
      [14, 'recv', 15],
    ]);
    expect(out[2]!.line.msg).toEqual({ execute: 'blockdev-backup', arguments: { 'job-id': 'job0', device: 'src', target: 'dst', sync: 'full', 'auto-dismiss': false } });
  });

  it('is checked as a log: the refused dismiss of a running job conforms', async () => {
    const r = await checkTraceFile(join(LOGS, 'arrows.txt'));
    expect(r).toMatchObject({ ok: true, style: 'log', messages: 8 });
  });

  it('reads examples pasted from QAPI comments', () => {
    const r = readText(['# Example:', '#', '#     -> { "execute": "job-pause",', '#          "arguments": { "id": "job0" } }', '#     <- { "return": {} }'].join('\n'));
    expect(r.map((x) => [x.lineNo, x.line.msg])).toEqual([
      [3, { execute: 'job-pause', arguments: { id: 'job0' } }],
      [5, { return: {} }],
    ]);
  });

  it('refuses an arrow that contradicts the message, and a message it cannot read', () => {
    expect(() => readText('-> { "return": {} }')).toThrow("paste.txt:1: '->' marks a message to QEMU, but this is a reply or event");
    expect(() => readText('<- { "return": { ... } }')).toThrow(/paste\.txt:1: a QMP message that cannot be read: unexpected '\.'/);
    expect(() => readText('-> { "execute": "query-jobs"')).toThrow('paste.txt:1: a QMP message not closed before the end of the file');
  });
});

describe('qmp-shell transcripts', () => {
  it('reads the banner as the greeting, typed commands, printed replies and Python-printed events', async () => {
    const out: Read = [];
    await readTrace(join(LOGS, 'qmp-shell.txt'), (line, lineNo) => out.push({ line, lineNo }));
    expect(out.map((x) => [x.lineNo, x.line.dir])).toEqual([
      [2, 'recv'],
      [4, 'send'],
      [5, 'recv'],
      [7, 'recv'],
      [8, 'recv'],
      [9, 'send'],
      [10, 'recv'],
      [11, 'send'],
      [12, 'recv'],
    ]);
    expect(out[0]!.line.msg).toEqual({ QMP: { version: { qemu: { major: 7, minor: 2, micro: 0 }, package: '' }, capabilities: [] } });
    expect(out[1]!.line.msg).toEqual({ execute: 'blockdev-backup', arguments: { 'job-id': 'job0', device: 'src', target: 'dst', sync: 'full', 'auto-dismiss': false } });
    expect(out[2]!.line.msg).toEqual({ return: {} });
    expect(out[3]!.line.msg).toEqual({ timestamp: { seconds: 1700000000, microseconds: 1 }, event: 'JOB_STATUS_CHANGE', data: { status: 'created', id: 'job0' } });
    const r = await checkTraceFile(join(LOGS, 'qmp-shell.txt'));
    expect(r).toMatchObject({ ok: true, release: '7.2', releaseFrom: 'greeting' });
  });

  it('uses the command qmp-shell -v printed instead of the typed line, and builds nested arguments', () => {
    const r = readText(['(QEMU) job-pause id=job0', '{"execute": "job-pause", "arguments": {"id": "job0"}}', '{"return": {}}', '(QEMU) x-cmd a.b=1 a.c={"d":[1]} e=text'].join('\n'));
    expect(r.map((x) => [x.lineNo, x.line.msg])).toEqual([
      [2, { execute: 'job-pause', arguments: { id: 'job0' } }],
      [3, { return: {} }],
      [4, { execute: 'x-cmd', arguments: { a: { b: 1, c: { d: [1] } }, e: 'text' } }],
    ]);
  });

  it('reads a transaction typed over several prompts', () => {
    const r = readText(['(QEMU) transaction(', 'TRANS> blockdev-backup job-id=j0 device=a target=b sync=full', 'TRANS> blockdev-backup job-id=j1 device=c target=d sync=full )', '{"return": {}}'].join('\n'));
    expect(r[0]).toMatchObject({
      lineNo: 3,
      line: {
        dir: 'send',
        msg: {
          execute: 'transaction',
          arguments: {
            actions: [
              { type: 'blockdev-backup', data: { 'job-id': 'j0', device: 'a', target: 'b', sync: 'full' } },
              { type: 'blockdev-backup', data: { 'job-id': 'j1', device: 'c', target: 'd', sync: 'full' } },
            ],
          },
        },
      },
    });
  });

  it('marks a second banner as a new session', () => {
    const r = readText(['Connected to QEMU 7.2.0', '(QEMU) query-jobs', '{"return": []}', 'Connected to QEMU 10.0.0', '(QEMU) query-jobs'].join('\n'));
    expect(r.filter((x) => x.line.newSession).map((x) => [x.lineNo, x.line.newSession])).toEqual([[4, { cause: 'greeting', line: 4 }]]);
  });

  it('refuses an argument that is not key=value', () => {
    expect(() => readText('(QEMU) job-pause job0')).toThrow('paste.txt:1: a qmp-shell command that cannot be read: not key=value: job0');
  });
});
