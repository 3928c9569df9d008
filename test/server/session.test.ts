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
      { error: { class: 'GenericError', desc: "JSON parse error, invalid keyword 'not'" } },
      { error: { class: 'GenericError', desc: "JSON parse error, invalid keyword 'json'" } },
      { error: { class: 'GenericError', desc: 'QMP input must be a JSON object' } },
      { id: 5, error: { class: 'GenericError', desc: "QMP input lacks member 'execute'" } },
      { id: 6, error: { class: 'GenericError', desc: "QMP input member 'arguments' must be an object" } },
      { id: 7, error: { class: 'GenericError', desc: "QMP input member 'bogus' is unexpected" } },
      { return: [], id: 8 },
    ]);
  });

  it('survives an id nested 5,000 deep, answering as QEMU 7.2 does, and goes on serving', () => {
    const { lines, send, closed } = open();
    send('{"execute":"qmp_capabilities"}\n');
    send(`{"execute":"query-jobs","id":${'['.repeat(5000)}1${']'.repeat(5000)}}\n`);
    send('{"execute":"query-jobs","id":"after"}\n');
    const errors = lines.slice(2, -1).map((m) => (m['error'] as { desc: string }).desc);
    expect(errors.filter((d) => d === 'JSON nesting depth limit exceeded')).toHaveLength(4);
    expect(errors.filter((d) => d === 'JSON parse error, expecting value')).toHaveLength(4100);
    expect(errors.filter((d) => d === 'QMP input must be a JSON object')).toHaveLength(1);
    expect(lines.at(-1)).toEqual({ return: [], id: 'after' });
    expect(closed()).toBe(false);
  });

  it('as QEMU 11.1, answers the same id with one error and skips the rest of the message', () => {
    const { lines, send } = open('11.1');
    send('{"execute":"qmp_capabilities"}\n');
    send(`{"execute":"query-jobs","id":${'['.repeat(5000)}1${']'.repeat(5000)}}\n`);
    send('{"execute":"query-jobs","id":"after"}\n');
    expect(lines.slice(2)).toEqual([{ error: { class: 'GenericError', desc: 'JSON nesting depth limit exceeded' } }, { return: [], id: 'after' }]);
  });

  it('refuses a speed QAPI does not take as an int64, as QEMU does', () => {
    const { lines, send } = open();
    send('{"execute":"qmp_capabilities"}\n');
    for (const speed of ['1e308', '18446744073709551616', '1.0', '9223372036854775808', '"1"']) {
      send(`{"execute":"blockdev-backup","arguments":{"job-id":"j","device":"src","target":"dst","sync":"full","speed":${speed}},"id":"b"}\n`);
      expect(lines.at(-1)).toEqual({ id: 'b', error: { class: 'GenericError', desc: "Invalid parameter type for 'speed', expected: integer" } });
    }
  });

  it('echoes an id exactly, numbers beyond int64 included', () => {
    const server = new ModelServer({ release: '7.2', clock: new FakeClock(), autoAdvance: false });
    const raw: string[] = [];
    const s = server.connect({ write: (l) => raw.push(l), close: () => {} });
    s.receive('{"execute":"qmp_capabilities"}\n{"execute":"query-jobs","id":18446744073709551615}\n{"execute":"query-jobs","id":0.1}\n');
    expect(raw.slice(2)).toEqual(['{"return":[],"id":18446744073709551615}', '{"return":[],"id":0.10000000000000001}']);
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
