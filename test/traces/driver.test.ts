/** The scenario driver record-corpus, replay and verify share, against a scripted QMP server. */
import { afterEach, describe, expect, it } from 'vitest';
import { qmpTarget } from '../../targets/index.ts';
import { driveSteps, openDriven, type DriveOptions, type Driven } from '../../traces/driver.ts';
import type { ScenarioStep } from '../../traces/scenario.ts';
import { SessionTrace } from '../../traces/sessionTrace.ts';
import { startFakeServer, type FakePeer, type FakeServer } from '../qmp/fakeQmpServer.ts';

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function startServer(): Promise<FakeServer> {
  const held: { id?: unknown } = {};
  const server = await startFakeServer({ onCommand: (command, peer) => script(command, peer, held) });
  servers.push(server);
  return server;
}

const change = (id: string, status: string) => ({ event: 'JOB_STATUS_CHANGE', data: { id, status }, timestamp: { seconds: 1, microseconds: 0 } });

/**
 * The server: `emit` sends the events in its arguments, then answers; `hold` is answered only when the
 * next command arrives (after that command's own reply would be too late); `never` is never answered.
 */
function script(command: Record<string, unknown>, peer: FakePeer, held: { id?: unknown }): unknown {
  const args = (command['arguments'] ?? {}) as { events?: unknown[] };
  if (held.id !== undefined) {
    peer.send({ return: {}, id: held.id });
    held.id = undefined;
  }
  switch (command['execute']) {
    case 'emit':
      for (const e of args.events ?? []) peer.send(e);
      return { return: {} };
    case 'hold':
      held.id = command['id'];
      return undefined;
    case 'never':
      return undefined;
    default:
      return { return: [] };
  }
}

async function drive(steps: readonly ScenarioStep[], options: DriveOptions = {}): Promise<Driven & { trace: SessionTrace }> {
  const server = await startServer();
  const trace = new SessionTrace((release) => ({ scenario: 'driver-test', ...(release === undefined ? {} : { release }) }));
  const driven = await openDriven(qmpTarget({ kind: 'unix', path: server.path }), { scenario: 'driver-test' }, { trace: () => trace });
  try {
    return { ...(await driveSteps(driven, steps, options)), trace };
  } finally {
    await driven.close();
  }
}

describe('driveSteps', () => {
  it('records the session from the greeting on, and keeps each reply by step', async () => {
    const r = await drive([{ cmd: 'query-jobs' }, { cmd: 'emit' }]);
    expect(r.result).toEqual({ outcome: 'done' });
    expect(r.trace.meta.release).toBe('7.2');
    expect(r.trace.lines[0]!.msg).toHaveProperty('QMP');
    expect(r.trace.lines.filter((l) => l.dir === 'send').map((l) => l.msg['execute'])).toEqual(['qmp_capabilities', 'query-jobs', 'emit']);
    expect([...r.replies.entries()]).toEqual([
      [0, { return: [], id: expect.any(String) }],
      [1, { return: {}, id: expect.any(String) }],
    ]);
  });

  it('sends a pipelined command before the previous reply has come', async () => {
    const r = await drive([{ cmd: 'hold' }, { cmd: 'query-jobs', pipeline: true }], { replyTimeoutMs: 1000 });
    expect(r.result).toEqual({ outcome: 'done' });
  });

  it('waits for each reply when nothing is pipelined: a held reply hangs the session at that step', async () => {
    const r = await drive([{ cmd: 'query-jobs' }, { cmd: 'hold' }, { cmd: 'query-jobs' }], { replyTimeoutMs: 300 });
    expect(r.result).toMatchObject({ outcome: 'hung', step: 1 });
    expect(r.replies.has(0)).toBe(true);
  });

  it('matches events that arrived inside the command, before its reply', async () => {
    const steps: ScenarioStep[] = [{ cmd: 'emit', args: { events: [change('a', 'created'), change('a', 'running')] } }, { wait: 'JOB_STATUS_CHANGE', data: { id: 'a', status: 'running' }, timeout: 1 }];
    expect((await drive(steps)).result).toEqual({ outcome: 'done' });
  });

  it('does not match events from before the last command', async () => {
    const steps: ScenarioStep[] = [{ cmd: 'emit', args: { events: [change('a', 'running')] } }, { cmd: 'query-jobs' }, { wait: 'JOB_STATUS_CHANGE', data: { id: 'a' }, timeout: 0.2 }];
    const r = await drive(steps);
    expect(r.result).toEqual({ outcome: 'failed', step: 2, detail: 'no JOB_STATUS_CHANGE {"id":"a"} within 200 ms' });
  });

  const outOfOrder: ScenarioStep[] = [
    { cmd: 'emit', args: { events: [change('a', 'running'), change('b', 'running'), change('a', 'concluded')] } },
    { wait: 'JOB_STATUS_CHANGE', data: { id: 'a', status: 'concluded' }, timeout: 0.2 },
    { wait: 'JOB_STATUS_CHANGE', data: { id: 'b', status: 'running' }, timeout: 0.2 },
    { wait: 'JOB_STATUS_CHANGE', data: { id: 'a', status: 'running' }, timeout: 0.2 },
  ];

  it('unconsumed waits match any event no earlier wait matched, in any order', async () => {
    expect((await drive(outOfOrder, { waits: 'unconsumed' })).result).toEqual({ outcome: 'done' });
    const twice: ScenarioStep[] = [outOfOrder[0]!, outOfOrder[1]!, outOfOrder[1]!];
    expect((await drive(twice, { waits: 'unconsumed' })).result).toMatchObject({ outcome: 'failed', step: 2 });
  });

  it("per-job waits match other jobs' events in any order, and one job's events only in order", async () => {
    // b's running came before a's concluded: another job, so it still matches; a's running came before a's concluded: it does not.
    expect((await drive(outOfOrder, { waits: 'per-job' })).result).toMatchObject({ outcome: 'failed', step: 3 });
    expect((await drive(outOfOrder.slice(0, 3), { waits: 'per-job' })).result).toEqual({ outcome: 'done' });
  });

  it('says the connection closed when it closes during a wait', async () => {
    const server = await startServer();
    const trace = new SessionTrace(() => ({ scenario: 'closing' }));
    const driven = await openDriven(qmpTarget({ kind: 'unix', path: server.path }), {}, { trace: () => trace });
    try {
      const peer = await server.peer();
      setTimeout(() => peer.end(), 100);
      const r = await driveSteps(driven, [{ cmd: 'query-jobs' }, { wait: 'BLOCK_JOB_READY', timeout: 0.5 }, { cmd: 'query-jobs' }]);
      expect(r.result).toEqual({ outcome: 'failed', step: 1, detail: 'the connection closed while waiting for BLOCK_JOB_READY' });
    } finally {
      await driven.close();
    }
  });
});
