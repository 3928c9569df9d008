import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  connectQmp,
  QmpConnectError,
  QmpDisconnectedError,
  QmpProtocolError,
  QmpTimeoutError,
  type QmpEvent,
  type WireMessage,
} from '../../qmp/index.ts';
import { GREETING, startFakeServer, type FakeServer, type FakeServerOptions } from './fakeQmpServer.ts';

let servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function serve(options: FakeServerOptions = {}): Promise<FakeServer> {
  const server = await startFakeServer(options);
  servers.push(server);
  return server;
}

function event(name: string, data: Record<string, unknown>): QmpEvent {
  return { event: name, data, timestamp: { seconds: 1, microseconds: 2 } };
}

describe('connecting', () => {
  it('reads the greeting and exposes the QEMU version', async () => {
    const server = await serve();
    const qmp = await connectQmp(server.address);
    expect(qmp.greeting).toEqual(GREETING);
    expect(qmp.version.qemu).toEqual({ major: 7, minor: 2, micro: 0 });
    await qmp.close();
  });

  it('negotiates capabilities before it resolves, enabling the ones asked for', async () => {
    const server = await serve();
    const qmp = await connectQmp(server.address, { capabilities: ['oob'] });
    const peer = await server.peer();
    expect(peer.received).toEqual([{ execute: 'qmp_capabilities', arguments: { enable: ['oob'] }, id: 'c1' }]);
    await qmp.close();
  });

  /** A connection QEMU greets a second time after the client's first qmp_capabilities; the client has sent it again. */
  async function greetedTwice() {
    const server = await serve({ negotiate: false });
    const connecting = connectQmp(server.address, { timeoutMs: 5000 });
    const peer = await server.peer();
    const received = async (n: number) => {
      for (let i = 0; i < 1000 && peer.received.length < n; i++) await new Promise((r) => setTimeout(r, 5));
      expect(peer.received.length).toBeGreaterThanOrEqual(n);
    };
    await received(1);
    peer.send(GREETING);
    await received(2);
    return { connecting, peer };
  }

  it('negotiates again when QEMU greets the connection a second time and drops the first qmp_capabilities', async () => {
    const { connecting, peer } = await greetedTwice();
    expect(peer.received.map((c) => c['execute'])).toEqual(['qmp_capabilities', 'qmp_capabilities']);
    peer.send({ return: {}, id: peer.received[1]!['id'] });
    const qmp = await connecting;
    expect(qmp.version.qemu.major).toBeGreaterThan(0);
    await qmp.close();
  });

  it('takes the session as negotiated when the first qmp_capabilities was answered after the second greeting', async () => {
    const { connecting, peer } = await greetedTwice();
    // As QEMU 5.2 was seen to do: the first negotiation succeeds, the one sent again is refused.
    peer.send({ return: {}, id: peer.received[0]!['id'] });
    peer.send({ error: { class: 'CommandNotFound', desc: 'Capabilities negotiation is already complete, command ignored' }, id: peer.received[1]!['id'] });
    const qmp = await connecting;
    expect(qmp.version.qemu.major).toBeGreaterThan(0);
    await qmp.close();
  });

  it('fails negotiation that QEMU refuses on a session greeted once', async () => {
    const server = await serve({ negotiate: false });
    const connecting = connectQmp(server.address, { timeoutMs: 5000 });
    const peer = await server.peer();
    for (let i = 0; i < 1000 && peer.received.length < 1; i++) await new Promise((r) => setTimeout(r, 5));
    peer.send({ error: { class: 'CommandNotFound', desc: 'Capabilities negotiation is already complete, command ignored' }, id: peer.received[0]!['id'] });
    await expect(connecting).rejects.toThrow(/negotiation is already complete/);
  });

  it('leaves the session in negotiation mode when asked not to negotiate', async () => {
    const server = await serve();
    const qmp = await connectQmp(server.address, { negotiate: false });
    const peer = await server.peer();
    expect(peer.received).toEqual([]);
    await qmp.close();
  });

  it('accepts a path given as a QmpAddress object and a tcp address', async () => {
    const tcp = net.createServer((socket) => {
      socket.write(JSON.stringify(GREETING) + '\r\n');
      socket.on('data', () => socket.write('{"return": {}, "id": "c1"}\r\n'));
    });
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    const port = (tcp.address() as net.AddressInfo).port;
    const qmp = await connectQmp({ kind: 'tcp', host: '127.0.0.1', port });
    expect(qmp.address).toBe(`tcp:127.0.0.1:${port}`);
    await qmp.close();
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
  });

  it('rejects a missing socket with QmpConnectError naming the path', async () => {
    const missing = path.join(os.tmpdir(), `qjob-no-such-${process.pid}.sock`);
    const error = await connectQmp(`unix:${missing}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QmpConnectError);
    expect((error as QmpConnectError).failure).toBe('missing');
    expect((error as Error).message).toContain(`unix:${missing}`);
  });

  it('rejects a unix socket nobody listens on as refused', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qjob-stale-'));
    const live = path.join(dir, 'live.sock');
    const stale = path.join(dir, 'stale.sock');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(live, resolve));
    fs.linkSync(live, stale);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const error = await connectQmp(`unix:${stale}`).catch((e: unknown) => e);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(error).toBeInstanceOf(QmpConnectError);
    expect((error as QmpConnectError).failure).toBe('refused');
    expect((error as Error).message).toMatch(/^cannot connect to unix:.*stale\.sock: connection refused/);
  });

  it('rejects a refused tcp connection', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const error = await connectQmp(`tcp:127.0.0.1:${port}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QmpConnectError);
    expect((error as QmpConnectError).failure).toBe('refused');
    expect((error as Error).message).toContain(`tcp:127.0.0.1:${port}`);
  });

  it('times out when no greeting comes', async () => {
    const server = await serve({ greeting: null });
    const error = await connectQmp(server.address, { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QmpTimeoutError);
    expect((error as Error).message).toBe(`timed out after 100 ms waiting for the greeting from ${server.address}`);
  });

  it('rejects a first message that is not a greeting', async () => {
    const server = await serve({ greeting: { return: {} } });
    const error = await connectQmp(server.address).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QmpProtocolError);
    expect((error as QmpProtocolError).failure).toBe('no-greeting');
  });

  it('rejects a peer that hangs up before the greeting', async () => {
    const server = await serve({ greeting: null });
    const connecting = connectQmp(server.address).catch((e: unknown) => e);
    (await server.peer()).end();
    const error = await connecting;
    expect(error).toBeInstanceOf(QmpDisconnectedError);
    expect((error as Error).message).toBe(`${server.address} closed the connection while waiting for the greeting`);
  });

  it('rejects when qmp_capabilities answers an error', async () => {
    const server = await serve({
      negotiate: false,
      onCommand: () => ({ error: { class: 'GenericError', desc: 'nope' } }),
    });
    const error = await connectQmp(server.address).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QmpProtocolError);
    expect((error as QmpProtocolError).failure).toBe('negotiation-failed');
    expect((error as Error).message).toContain('GenericError: nope');
  });
});

describe('framing', () => {
  it('assembles a greeting and reply written one byte at a time, multi-byte characters included', async () => {
    const text = JSON.stringify({ ...GREETING, QMP: { ...GREETING.QMP, version: { ...GREETING.QMP.version, package: 'fäke ✓' } } }) + '\r\n';
    const server = await serve({ greeting: null, negotiate: false });
    const connecting = connectQmp(server.address, { negotiate: false });
    const peer = await server.peer();
    for (const byte of Buffer.from(text)) {
      peer.raw(Buffer.from([byte]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const qmp = await connecting;
    expect(qmp.version.package).toBe('fäke ✓');
    await qmp.close();
  });

  it('separates several messages written in one chunk', async () => {
    const server = await serve({
      onCommand: (_command, peer) => {
        peer.raw(
          [
            JSON.stringify(event('JOB_STATUS_CHANGE', { id: 'j0', status: 'created' })),
            JSON.stringify(event('JOB_STATUS_CHANGE', { id: 'j0', status: 'running' })),
            JSON.stringify({ return: {}, id: 'c2' }),
            '',
          ].join('\r\n'),
        );
        return undefined;
      },
    });
    const qmp = await connectQmp(server.address);
    const events = qmp.events();
    const reply = await qmp.execute('blockdev-backup');
    expect(reply).toEqual({ return: {}, id: 'c2' });
    expect(events.buffered.map((e) => e.data?.['status'])).toEqual(['created', 'running']);
    await qmp.close();
  });

  it('fails the connection on a line that is not JSON and rejects the waiting command', async () => {
    const server = await serve({ onCommand: (_c, peer) => peer.raw('garbage\r\n') });
    const qmp = await connectQmp(server.address);
    const error = await qmp.execute('query-jobs').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QmpProtocolError);
    expect((error as QmpProtocolError).failure).toBe('not-json');
    expect((error as Error).message).toBe(`${server.address} broke the QMP protocol: not JSON: "garbage"`);
    expect(qmp.closed).toBe(true);
    expect(qmp.closedBy).toBe(error);
  });

  it('fails the connection on JSON that is not an object', async () => {
    const server = await serve({ onCommand: (_c, peer) => peer.raw('[1,2]\n') });
    const qmp = await connectQmp(server.address);
    const error = await qmp.execute('query-jobs').catch((e: unknown) => e);
    expect((error as QmpProtocolError).failure).toBe('not-an-object');
  });

  it('fails the connection on a line longer than the cap, before the line ends', async () => {
    const server = await serve({ onCommand: (_c, peer) => peer.raw('{"return": "' + 'x'.repeat(5000)) });
    const qmp = await connectQmp(server.address, { maxLineBytes: 1024 });
    const error = await qmp.execute('query-jobs').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QmpProtocolError);
    expect((error as QmpProtocolError).failure).toBe('line-too-long');
    expect((error as Error).message).toContain('1024-byte limit');
  });
});

describe('commands', () => {
  it('gives each command a unique id and matches replies that come out of order', async () => {
    const held: Record<string, unknown>[] = [];
    const server = await serve({
      onCommand: (command, peer) => {
        held.push(command);
        if (held.length === 3) for (const c of held.reverse()) peer.send({ return: c['execute'], id: c['id'] });
        return undefined;
      },
    });
    const qmp = await connectQmp(server.address);
    const replies = await Promise.all([qmp.execute('a'), qmp.execute('b'), qmp.execute('c')]);
    expect(replies).toEqual([
      { return: 'a', id: 'c2' },
      { return: 'b', id: 'c3' },
      { return: 'c', id: 'c4' },
    ]);
    await qmp.close();
  });

  it('sends arguments, a caller-chosen id, and exec-oob', async () => {
    const server = await serve({ onCommand: () => ({ return: {} }) });
    const qmp = await connectQmp(server.address);
    await qmp.execute('job-pause', { id: 'j0' }, { id: 'mine' });
    await qmp.execute('x', undefined, { oob: true });
    const peer = await server.peer();
    expect(peer.received.slice(1)).toEqual([
      { execute: 'job-pause', arguments: { id: 'j0' }, id: 'mine' },
      { 'exec-oob': 'x', id: 'c2' },
    ]);
    await qmp.close();
  });

  it('refuses a caller-chosen id that a waiting command uses', async () => {
    const server = await serve();
    const qmp = await connectQmp(server.address);
    const first = qmp.execute('a', undefined, { id: 'x' }).catch((e: unknown) => e);
    await expect(qmp.execute('b', undefined, { id: 'x' })).rejects.toThrow("id 'x' is already used");
    await qmp.close();
    expect(await first).toBeInstanceOf(QmpDisconnectedError);
  });

  it('resolves an error reply as a value', async () => {
    const server = await serve({ onCommand: () => ({ error: { class: 'GenericError', desc: 'Job not found' } }) });
    const qmp = await connectQmp(server.address);
    expect(await qmp.execute('job-pause', { id: 'nope' })).toEqual({ error: { class: 'GenericError', desc: 'Job not found' }, id: 'c2' });
    await qmp.close();
  });

  it('times out a command without a reply and stays usable, ignoring the late reply', async () => {
    let count = 0;
    const server = await serve({
      onCommand: (command, peer) => {
        count += 1;
        if (count === 1) return undefined;
        peer.send({ return: 'late', id: 'c2' });
        return { return: 'second' };
      },
    });
    const qmp = await connectQmp(server.address);
    const error = await qmp.execute('query-jobs', undefined, { timeoutMs: 50 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QmpTimeoutError);
    expect((error as Error).message).toBe(`timed out after 50 ms waiting for the reply to 'query-jobs' (id c2) from ${server.address}`);
    expect(await qmp.execute('query-jobs')).toEqual({ return: 'second', id: 'c3' });
    await qmp.close();
  });

  it('ignores a reply with no id', async () => {
    const server = await serve({
      onCommand: (_c, peer) => {
        peer.send({ error: { class: 'GenericError', desc: 'JSON parse error' } });
        return { return: 1 };
      },
    });
    const qmp = await connectQmp(server.address);
    expect(await qmp.execute('x')).toEqual({ return: 1, id: 'c2' });
    await qmp.close();
  });

  it('rejects a command with QmpDisconnectedError when the peer hangs up before replying', async () => {
    const server = await serve({ onCommand: (_c, peer) => peer.end() });
    const qmp = await connectQmp(server.address);
    const error = await qmp.execute('blockdev-backup').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QmpDisconnectedError);
    expect((error as QmpDisconnectedError).byPeer).toBe(true);
    expect((error as Error).message).toBe(`${server.address} closed the connection while waiting for the reply to 'blockdev-backup' (id c2)`);
    await expect(qmp.execute('query-jobs')).rejects.toBe(qmp.closedBy);
  });

  it('rejects waiting commands when the client closes', async () => {
    const server = await serve();
    const qmp = await connectQmp(server.address);
    const waiting = qmp.execute('query-jobs').catch((e: unknown) => e);
    await qmp.close();
    const error = await waiting;
    expect(error).toBeInstanceOf(QmpDisconnectedError);
    expect((error as QmpDisconnectedError).byPeer).toBe(false);
    expect(qmp.closed).toBe(true);
  });
});

describe('events', () => {
  it('hands each event to listeners, streams and waits', async () => {
    const server = await serve();
    const qmp = await connectQmp(server.address);
    const peer = await server.peer();
    const seen: string[] = [];
    const off = qmp.onEvent((e) => seen.push(String(e.data?.['status'])));
    const stream = qmp.events();
    const running = qmp.waitForEvent({ event: 'JOB_STATUS_CHANGE', data: { status: 'running' } }, 1000);
    peer.send(event('JOB_STATUS_CHANGE', { id: 'j0', status: 'created' }));
    peer.send(event('JOB_STATUS_CHANGE', { id: 'j0', status: 'running' }));
    expect((await running).data).toEqual({ id: 'j0', status: 'running' });
    const statuses: unknown[] = [];
    for await (const e of stream) {
      statuses.push(e.data?.['status']);
      if (statuses.length === 2) break;
    }
    expect(statuses).toEqual(['created', 'running']);
    expect(seen).toEqual(['created', 'running']);
    off();
    await qmp.close();
  });

  it('steps through a stream to the next matching event', async () => {
    const server = await serve();
    const qmp = await connectQmp(server.address);
    const peer = await server.peer();
    const stream = qmp.events();
    for (const status of ['created', 'running', 'paused', 'running']) peer.send(event('JOB_STATUS_CHANGE', { id: 'j0', status }));
    expect((await stream.waitFor((e) => e.data?.['status'] === 'paused', 1000)).data?.['status']).toBe('paused');
    expect((await stream.next()).value?.data?.['status']).toBe('running');
    await qmp.close();
  });

  it('times out an event wait with the pattern in the message', async () => {
    const server = await serve();
    const qmp = await connectQmp(server.address);
    const error = await qmp.waitForEvent({ event: 'BLOCK_JOB_READY', data: { device: 'm0' } }, 30).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QmpTimeoutError);
    expect((error as Error).message).toBe(`timed out after 30 ms waiting for event BLOCK_JOB_READY {"device":"m0"} from ${server.address}`);
    await qmp.close();
  });

  it('rejects an event wait when the peer hangs up', async () => {
    const server = await serve();
    const qmp = await connectQmp(server.address);
    const waiting = qmp.waitForEvent({ event: 'SHUTDOWN' }, 5000);
    (await server.peer()).end();
    await expect(waiting).rejects.toBeInstanceOf(QmpDisconnectedError);
  });

  it('ends event streams when the client closes', async () => {
    const server = await serve();
    const qmp = await connectQmp(server.address);
    const stream = qmp.events();
    const next = stream.next();
    await qmp.close();
    expect(await next).toEqual({ value: undefined, done: true });
  });
});

describe('message hooks', () => {
  it('see every line in both directions, greeting first, with increasing times', async () => {
    const server = await serve({ onCommand: () => ({ return: [] }) });
    const seen: WireMessage[] = [];
    const qmp = await connectQmp(server.address, { onMessage: (m) => seen.push(m) });
    await qmp.execute('query-jobs');
    await qmp.close();
    expect(seen.map((m) => [m.dir, m.msg])).toEqual([
      ['recv', GREETING],
      ['send', { execute: 'qmp_capabilities', id: 'c1' }],
      ['recv', { return: {}, id: 'c1' }],
      ['send', { execute: 'query-jobs', id: 'c2' }],
      ['recv', { return: [], id: 'c2' }],
    ]);
    expect(seen[0]?.line).toBe(JSON.stringify(GREETING));
    const times = seen.map((m) => m.at);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });
});
