import { describe, expect, it } from 'vitest';
import { FakeClock, ModelServer } from '../../server/index.ts';

/** A session on an in-memory line transport. */
function open(release = '7.2'): { lines: Record<string, unknown>[]; send: (text: string) => void; closed: () => boolean; server: ModelServer } {
  const server = new ModelServer({ release, clock: new FakeClock(), autoAdvance: false });
  const lines: Record<string, unknown>[] = [];
  let closed = false;
  const session = server.connect({ write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>), close: () => (closed = true) });
  return { lines, send: (t) => session.receive(t), closed: () => closed, server };
}

describe('a QMP session with the model server', () => {
  it('greets with the release and the package qjob model', () => {
    const { lines } = open('10.0');
    expect(lines[0]).toEqual({ QMP: { version: { qemu: { micro: 0, minor: 0, major: 10 }, package: 'qjob model' }, capabilities: ['oob'] } });
  });

  it('refuses commands until qmp_capabilities, then refuses qmp_capabilities', () => {
    const { lines, send } = open();
    send('{"execute":"query-jobs","id":1}\n');
    send('{"execute":"qmp_capabilities","id":2}\n');
    send('{"execute":"qmp_capabilities","id":3}\n');
    expect(lines.slice(1)).toEqual([
      { id: 1, error: { class: 'CommandNotFound', desc: "Expecting capabilities negotiation with 'qmp_capabilities'" } },
      { return: {}, id: 2 },
      { id: 3, error: { class: 'CommandNotFound', desc: 'Capabilities negotiation is already complete, command ignored' } },
    ]);
  });

  it('sends no events before negotiation, and a command\'s events before its reply', () => {
    const { lines, send } = open();
    send('{"execute":"qmp_capabilities"}{"execute":"blockdev-backup","arguments":{"job-id":"j0","device":"src","target":"dst","sync":"full"},"id":"b"}');
    const kinds = lines.slice(2).map((m) => ('event' in m ? 'event' : 'reply'));
    expect(kinds.slice(-1)).toEqual(['reply']);
    expect(kinds.filter((k) => k === 'event')).toHaveLength(9);
    expect(lines[2]).toMatchObject({ event: 'JOB_STATUS_CHANGE', data: { status: 'created', id: 'j0' }, timestamp: { seconds: expect.any(Number), microseconds: expect.any(Number) } });
  });

  it('answers malformed input as QEMU does and keeps the session', () => {
    const { lines, send } = open();
    send('{"execute":"qmp_capabilities"}\n');
    send('not json\n');
    send('[1, 2]\n');
    send('{"id": 5}\n');
    send('{"execute": "query-jobs", "arguments": [], "id": 6}\n');
    send('{"execute": "query-jobs", "bogus": 1, "id": 7}\n');
    send('{"exe');
    send('cute": "query-jobs", "id": 8}');
    expect(lines.slice(2)).toEqual([
      { error: expect.objectContaining({ class: 'GenericError', desc: expect.stringMatching(/^JSON parse error/) }) },
      { error: { class: 'GenericError', desc: 'QMP input must be a JSON object' } },
      { id: 5, error: { class: 'GenericError', desc: "QMP input lacks member 'execute'" } },
      { id: 6, error: { class: 'GenericError', desc: "QMP input member 'arguments' must be an object" } },
      { id: 7, error: { class: 'GenericError', desc: "QMP input member 'bogus' is unexpected" } },
      { return: [], id: 8 },
    ]);
  });

  it('cancels the jobs and closes on quit', () => {
    let quit = false;
    const server = new ModelServer({ release: '7.2', clock: new FakeClock(), autoAdvance: false, onQuit: () => (quit = true) });
    const lines: Record<string, unknown>[] = [];
    let closed = false;
    const s = server.connect({ write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>), close: () => (closed = true) });
    s.receive('{"execute":"qmp_capabilities"}\n{"execute":"blockdev-backup","arguments":{"job-id":"j0","device":"src","target":"dst","sync":"full","speed":1}}\n');
    s.receive('{"execute":"quit","id":"q"}\n');
    const after = lines.slice(lines.findIndex((m) => m['id'] === 'q'));
    expect(after.map((m) => m['event'] ?? 'reply')).toEqual(['reply', 'SHUTDOWN', 'JOB_STATUS_CHANGE', 'BLOCK_JOB_CANCELLED', 'JOB_STATUS_CHANGE', 'JOB_STATUS_CHANGE']);
    expect(closed && quit).toBe(true);
  });
});
