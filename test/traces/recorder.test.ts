import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectQmp, parseQmpAddress, QmpDisconnectedError, type QmpMessage, type WireMessage } from '../../qmp/index.ts';
import { qemuTarget, type Session } from '../../targets/index.ts';
import { isMetaLine, type MetaLine, type TraceLine } from '../../traces/format.ts';
import { startRecorder, type Recorder, type RecorderOptions } from '../../traces/recorder.ts';
import { GREETING, startFakeServer, type FakeServer, type FakeServerOptions } from '../qmp/fakeQmpServer.ts';
import { describeQemu, RELEASES } from '../support/qemu.ts';
import { checkTraceFile } from '../../conformance/index.ts';
import { FakeClock, listenQmp, ModelServer } from '../../server/index.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
let dir: string;
let cleanups: (() => Promise<unknown>)[] = [];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qjob-rec-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

let counter = 0;
function fresh(name: string): string {
  counter += 1;
  return path.join(dir, `${counter}-${name}`);
}

async function fakeUpstream(options: FakeServerOptions = {}): Promise<FakeServer> {
  const server = await startFakeServer(options);
  cleanups.push(() => server.close());
  return server;
}

async function record(upstream: string, extra: Partial<RecorderOptions> = {}): Promise<{ recorder: Recorder; out: string }> {
  const out = fresh('trace.jsonl');
  const recorder = await startRecorder({ upstream: parseQmpAddress(upstream), listen: { kind: 'unix', path: fresh('rec.sock') }, out, ...extra });
  cleanups.push(() => recorder.stop());
  return { recorder, out };
}

/** Parses a trace file, checking that every line is complete JSON. */
function readTrace(file: string): (TraceLine | MetaLine)[] {
  const text = fs.readFileSync(file, 'utf8');
  expect(text === '' || text.endsWith('\n')).toBe(true);
  return text
    .split('\n')
    .slice(0, -1)
    .map((line) => JSON.parse(line) as TraceLine | MetaLine);
}

function messages(lines: (TraceLine | MetaLine)[]): TraceLine[] {
  return lines.filter((line): line is TraceLine => !isMetaLine(line));
}

function rawClient(address: string): Promise<{ socket: net.Socket; received: () => string }> {
  const socket = net.createConnection({ path: address.slice('unix:'.length) });
  let text = '';
  socket.on('data', (chunk) => (text += chunk.toString('utf8')));
  return new Promise((resolve) => socket.once('connect', () => resolve({ socket, received: () => text })));
}

async function until(condition: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('the recorder', () => {
  it('forwards a session and writes the meta line, then each message with dir, t and msg', async () => {
    const upstream = await fakeUpstream({ onCommand: () => ({ return: [] }) });
    const { recorder, out } = await record(upstream.address, { meta: { scenario: 'demo', release: '7.2' } });
    const qmp = await connectQmp(recorder.address);
    expect(qmp.greeting).toEqual(GREETING);
    expect(await qmp.execute('query-jobs')).toEqual({ return: [], id: 'c2' });
    await qmp.close();
    expect(await recorder.done).toEqual({ endedBy: 'client', lines: 5 });
    const [meta, ...rest] = readTrace(out);
    expect(meta).toMatchObject({ meta: { recorder: 'qjob record', scenario: 'demo', release: '7.2' } });
    expect(typeof (meta as MetaLine).meta.recorded).toBe('string');
    expect(rest.map((line) => [(line as TraceLine).dir, (line as TraceLine).msg])).toEqual([
      ['recv', GREETING],
      ['send', { execute: 'qmp_capabilities', id: 'c1' }],
      ['recv', { return: {}, id: 'c1' }],
      ['send', { execute: 'query-jobs', id: 'c2' }],
      ['recv', { return: [], id: 'c2' }],
    ]);
    const times = rest.map((line) => (line as TraceLine).t);
    expect(times.every((t) => t >= 0 && t < 5)).toBe(true);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('forwards bytes unchanged, whatever their framing, and records a message once its line is complete', async () => {
    const upstream = await fakeUpstream({
      negotiate: false,
      greeting: { raw: '{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": []}}\r\n' },
    });
    const { recorder, out } = await record(upstream.address);
    const client = await rawClient(recorder.address);
    const peer = await upstream.peer();
    await until(() => client.received().includes('\r\n'), 'the greeting');
    client.socket.write('{"execute": "qmp_capa');
    // Forwarded at once, recorded only when the line is complete.
    await until(() => peer.bytes() === '{"execute": "qmp_capa', 'the first half to be forwarded');
    expect(messages(readTrace(out))).toHaveLength(1);
    client.socket.write('bilities", "id": 7}\n');
    peer.raw('{"return": {}, "id": 7}\r\n{"event": "X", "data": {}, "timestamp": {"seconds": 1, "microseconds": 0}}\r\n{"ev');
    peer.raw('ent": "Y"}\r\n');
    await until(() => client.received().includes('"Y"'), 'the events');
    expect(peer.bytes()).toBe('{"execute": "qmp_capabilities", "id": 7}\n');
    client.socket.end();
    await recorder.done;
    expect(client.received()).toBe(
      '{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": []}}\r\n' +
        '{"return": {}, "id": 7}\r\n{"event": "X", "data": {}, "timestamp": {"seconds": 1, "microseconds": 0}}\r\n{"event": "Y"}\r\n',
    );
    expect(messages(readTrace(out)).map((line) => [line.dir, line.msg])).toEqual([
      ['recv', { QMP: { version: { qemu: { micro: 0, minor: 2, major: 7 }, package: '' }, capabilities: [] } }],
      ['send', { execute: 'qmp_capabilities', id: 7 }],
      ['recv', { return: {}, id: 7 }],
      ['recv', { event: 'X', data: {}, timestamp: { seconds: 1, microseconds: 0 } }],
      ['recv', { event: 'Y' }],
    ]);
  });

  it('forwards a line that is not a JSON object and records it as x-qjob-unparsed', async () => {
    const upstream = await fakeUpstream({ greeting: { raw: 'garbage\r\n[1]\r\n\r\n' } });
    const { recorder, out } = await record(upstream.address);
    const client = await rawClient(recorder.address);
    await until(() => client.received() === 'garbage\r\n[1]\r\n\r\n', 'the garbage');
    client.socket.write('also garbage\n');
    client.socket.end();
    await recorder.done;
    expect(messages(readTrace(out)).map((line) => [line.dir, line.msg])).toEqual([
      ['recv', { 'x-qjob-unparsed': 'garbage' }],
      ['recv', { 'x-qjob-unparsed': '[1]' }],
      ['send', { 'x-qjob-unparsed': 'also garbage' }],
    ]);
  });

  it('forwards a line over the length cap and records its beginning, marked overlong', async () => {
    const long = '{"return": "' + 'x'.repeat(3000) + '"}\r\n';
    const upstream = await fakeUpstream({ greeting: { raw: long } });
    const { recorder, out } = await record(upstream.address, { maxLineBytes: 1024 });
    const client = await rawClient(recorder.address);
    await until(() => client.received() === long, 'the long line');
    client.socket.end();
    await recorder.done;
    const [line] = messages(readTrace(out));
    expect(line?.msg['x-qjob-overlong']).toBe(true);
    expect(String(line?.msg['x-qjob-unparsed'])).toMatch(/^\{"return": "x+$/);
  });

  it('records a last line left without its newline when the session ends', async () => {
    const upstream = await fakeUpstream({ greeting: { raw: '{"QMP": {}}' } });
    const { recorder, out } = await record(upstream.address);
    const client = await rawClient(recorder.address);
    await until(() => client.received() === '{"QMP": {}}', 'the greeting');
    (await upstream.peer()).end();
    expect((await recorder.done).endedBy).toBe('upstream');
    expect(messages(readTrace(out)).map((line) => line.msg)).toEqual([{ QMP: {} }]);
  });

  it('creates its unix socket with mode 0600 and removes it when the session ends', async () => {
    const upstream = await fakeUpstream();
    const { recorder } = await record(upstream.address);
    const socketPath = recorder.address.slice('unix:'.length);
    const stat = fs.statSync(socketPath);
    expect(stat.isSocket()).toBe(true);
    expect(stat.mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(path.dirname(socketPath)).filter((name) => name.startsWith('.qjob-record-'))).toEqual([]);
    await recorder.stop();
    expect(fs.existsSync(socketPath)).toBe(false);
  });

  it('refuses to listen where a file already exists, and leaves the file alone', async () => {
    const upstream = await fakeUpstream();
    const taken = fresh('taken.sock');
    fs.writeFileSync(taken, 'mine');
    await expect(startRecorder({ upstream: parseQmpAddress(upstream.address), listen: { kind: 'unix', path: taken }, out: fresh('x.jsonl') })).rejects.toThrow(
      `cannot listen on unix:${taken}: a file already exists there`,
    );
    expect(fs.readFileSync(taken, 'utf8')).toBe('mine');
  });

  it('listens on 127.0.0.1 when a tcp address gives no host, and reports the port it got', async () => {
    const upstream = await fakeUpstream();
    const { recorder } = await record(upstream.address, { listen: parseQmpAddress('tcp::0', { defaultHost: '127.0.0.1' }) });
    expect(recorder.address).toMatch(/^tcp:127\.0\.0\.1:[1-9]\d*$/);
    const qmp = await connectQmp(recorder.address);
    await qmp.close();
    expect((await recorder.done).endedBy).toBe('client');
  });

  it('serves one client: a second connection is turned away while the first goes on', async () => {
    const upstream = await fakeUpstream({ onCommand: () => ({ return: 'ok' }) });
    const { recorder } = await record(upstream.address);
    const first = await connectQmp(recorder.address);
    const second = await connectQmp(recorder.address, { timeoutMs: 1000 }).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(Error);
    expect(await first.execute('x')).toEqual({ return: 'ok', id: 'c2' });
    await first.close();
  });

  it('ends the session and disconnects the client when the upstream goes away', async () => {
    const upstream = await fakeUpstream();
    const { recorder } = await record(upstream.address);
    const qmp = await connectQmp(recorder.address);
    const waiting = qmp.execute('query-jobs').catch((e: unknown) => e);
    (await upstream.peer()).end();
    expect(await waiting).toBeInstanceOf(QmpDisconnectedError);
    expect((await recorder.done).endedBy).toBe('upstream');
  });

  it('stops on request, disconnecting both sides and closing the trace', async () => {
    const upstream = await fakeUpstream();
    const { recorder, out } = await record(upstream.address);
    const qmp = await connectQmp(recorder.address);
    const summary = await recorder.stop();
    expect(summary).toEqual({ endedBy: 'stopped', lines: 3 });
    await until(() => qmp.closed, 'the client to be disconnected');
    expect(readTrace(out)).toHaveLength(4);
  });

  it('passes an id nested 5,000 deep through to the server, records it and every reply, and goes on', async () => {
    const server = new ModelServer({ release: '7.2', clock: new FakeClock(), autoAdvance: false });
    const upstream = await listenQmp(server, { kind: 'unix', path: fresh('model.sock') });
    cleanups.push(() => upstream.close());
    const { recorder, out } = await record(upstream.address);
    const client = await rawClient(recorder.address);
    const deep = `{"execute":"query-jobs","id":${'['.repeat(5000)}1${']'.repeat(5000)}}`;
    client.socket.write('{"execute":"qmp_capabilities"}\n' + deep + '\n{"execute":"query-jobs","id":"after"}\n');
    await until(() => client.received().includes('"id":"after"'), 'the reply after the deep message', 10_000);
    const replies = client.received().trim().split('\n').slice(2, -1);
    expect(replies).toHaveLength(4105);
    client.socket.end();
    const summary = await recorder.done;
    expect(summary).toEqual({ endedBy: 'client', lines: 2 + 4105 + 1 + 3 });
    const lines = messages(readTrace(out));
    expect(lines.filter((l) => l.dir === 'send').map((l) => l.msg)).toEqual([{ execute: 'qmp_capabilities' }, { 'x-qjob-unparsed': deep }, { execute: 'query-jobs', id: 'after' }]);
    expect(lines.filter((l) => l.dir === 'recv' && (l.msg['error'] as { desc?: string } | undefined)?.desc === 'JSON nesting depth limit exceeded')).toHaveLength(4);
  }, 30_000);

  it('fails at start when the upstream cannot be reached', async () => {
    const missing = fresh('no-upstream.sock');
    await expect(startRecorder({ upstream: { kind: 'unix', path: missing }, listen: { kind: 'unix', path: fresh('r.sock') }, out: fresh('o.jsonl') })).rejects.toThrow(
      `cannot connect to unix:${missing}: no socket exists at that path`,
    );
  });
});

/** Runs `qjob record` as a child process; resolves once it prints where it listens. */
async function recordCli(args: string[]): Promise<{ child: ChildProcess; stderr: () => string; exited: Promise<{ code: number | null; signal: string | null }> }> {
  const child = spawn(process.execPath, ['bin/qjob.js', 'record', ...args], { cwd: repo, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  await new Promise<void>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('\n')) resolve();
    });
    void exited.then(({ code }) => reject(new Error(`qjob record exited with ${code}: ${stderr}`)));
  });
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  return { child, stderr: () => stderr, exited };
}

for (const release of RELEASES) {
  describeQemu(release, (qemu) => {
    /** A daemon whose monitor is free for the recorder: the target's own client is disconnected again. */
    async function daemon(): Promise<{ session: Session; upstream: string }> {
      const session = await qemuTarget({ binary: qemu.path }).open();
      cleanups.push(() => session.close());
      await session.client.close();
      return { session, upstream: `unix:${session.folder}/qmp.sock` };
    }

    it('records a backup through the proxy as valid JSON lines, greeting first', async () => {
      const { upstream } = await daemon();
      const { recorder, out } = await record(upstream, { meta: { release } });
      const seen: WireMessage[] = [];
      const qmp = await connectQmp(recorder.address, { onMessage: (m) => seen.push(m) });
      const gone = qmp.waitForEvent({ event: 'JOB_STATUS_CHANGE', data: { id: 'j0', status: 'null' } }, 5000);
      await qmp.execute('blockdev-backup', { 'job-id': 'j0', device: 'src', target: 'dst', sync: 'full' });
      await gone;
      await qmp.execute('query-jobs');
      await qmp.close();
      await recorder.done;
      const [meta, ...lines] = readTrace(out);
      expect(isMetaLine(meta)).toBe(true);
      const trace = lines as TraceLine[];
      expect(trace[0]?.dir).toBe('recv');
      expect(trace[0]?.msg['QMP']).toMatchObject({ version: { qemu: { major: Number(release.split('.')[0]), minor: Number(release.split('.')[1]) } } });
      // The trace holds exactly what the client saw, in the same order.
      expect(trace.map((line) => [line.dir, line.msg])).toEqual(seen.map((m) => [m.dir, m.msg]));
      const statuses = trace.map((line) => line.msg).filter((msg) => msg['event'] === 'JOB_STATUS_CHANGE');
      expect(statuses.map((msg) => (msg['data'] as QmpMessage)['status']).filter((s) => s !== 'paused' && s !== 'running')).toEqual([
        'created',
        'waiting',
        'pending',
        'concluded',
        'null',
      ]);
      const verdict = await checkTraceFile(out, { strict: true });
      expect(verdict.violations).toEqual([]);
      expect(verdict.ok).toBe(true);
    });

    it('leaves a valid prefix of the session when qjob record is killed with SIGKILL mid-session', async () => {
      const { upstream } = await daemon();
      const out = fresh('killed.jsonl');
      const listen = fresh('killed.sock');
      const cli = await recordCli(['--upstream', upstream, '--listen', `unix:${listen}`, '--out', out, '--meta', JSON.stringify({ scenario: 'killed' })]);
      expect(cli.stderr()).toBe(`qjob record: listening on unix:${listen}\n`);
      const seen: WireMessage[] = [];
      const qmp = await connectQmp(`unix:${listen}`, { onMessage: (m) => seen.push(m) });
      await qmp.execute('blockdev-backup', { 'job-id': 'j0', device: 'src', target: 'dst', sync: 'full', speed: 1024 * 1024 });
      // A burst of pipelined commands, so the kill lands while replies are streaming through.
      const burst = Array.from({ length: 400 }, () => qmp.execute('query-block-jobs').catch((e: unknown) => e));
      await until(() => seen.filter((m) => m.dir === 'recv').length > 60, 'some replies');
      cli.child.kill('SIGKILL');
      expect(await cli.exited).toEqual({ code: null, signal: 'SIGKILL' });
      const results = await Promise.all(burst);
      expect(results.some((r) => r instanceof QmpDisconnectedError)).toBe(true);

      const [meta, ...lines] = readTrace(out);
      expect(meta).toMatchObject({ meta: { recorder: 'qjob record', scenario: 'killed' } });
      const trace = lines as TraceLine[];
      expect(trace.length).toBeGreaterThan(10);
      expect(trace[0]?.msg).toHaveProperty('QMP');
      // Per direction, what was recorded is a prefix of what crossed.
      for (const dir of ['send', 'recv'] as const) {
        const recorded = trace.filter((line) => line.dir === dir).map((line) => line.msg);
        const crossed = seen.filter((m) => m.dir === dir).map((m) => m.msg);
        expect(recorded).toEqual(crossed.slice(0, recorded.length));
      }
      // The prefix is a behaviour of the model: commands cut off unanswered are warnings, not violations.
      const verdict = await checkTraceFile(out, { strict: true });
      expect(verdict.violations).toEqual([]);
      expect(verdict.ok).toBe(true);
    });

    it('exits 0 with a summary when the client disconnects, and on SIGTERM', async () => {
      const { upstream } = await daemon();
      const out = fresh('cli.jsonl');
      const listen = fresh('cli.sock');
      const cli = await recordCli(['--upstream', `qmp:${upstream}`, '--listen', `unix:${listen}`, '--out', out]);
      const qmp = await connectQmp(`unix:${listen}`);
      await qmp.execute('query-jobs');
      await qmp.close();
      expect(await cli.exited).toEqual({ code: 0, signal: null });
      expect(cli.stderr()).toContain('qjob record: session ended, the client disconnected; 5 messages in');
      expect(fs.existsSync(listen)).toBe(false);

      const again = await recordCli(['--upstream', upstream, '--listen', `unix:${listen}`, '--out', out]);
      again.child.kill('SIGTERM');
      expect(await again.exited).toEqual({ code: 0, signal: null });
      expect(again.stderr()).toContain('stopped by a signal; 0 messages');
      expect(readTrace(out)).toHaveLength(1);
      expect(fs.existsSync(listen)).toBe(false);
    });
  });
}
