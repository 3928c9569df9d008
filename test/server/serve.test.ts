import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerModelTarget } from '../../server/index.ts';
import { parseTarget } from '../../targets/index.ts';
import { verify } from '../../verify/index.ts';

const root = path.resolve(import.meta.dirname, '../..');

/** A raw line-oriented QMP client on a plain socket: no qjob code on this side. */
class PlainClient {
  readonly messages: Record<string, unknown>[] = [];
  private buffer = '';
  private waiters: (() => void)[] = [];
  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        if (line.trim()) this.messages.push(JSON.parse(line) as Record<string, unknown>);
      }
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static connect(socketPath: string): Promise<PlainClient> {
    return new Promise((resolve, reject) => {
      const s = net.createConnection({ path: socketPath }, () => resolve(new PlainClient(s)));
      s.once('error', reject);
    });
  }

  async until(pred: (m: Record<string, unknown>) => boolean, timeoutMs = 5000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(pred);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(this.messages.slice(-5))}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  async command(execute: string, args?: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = `p${this.messages.length}-${execute}`;
    this.socket.write(JSON.stringify({ execute, ...(args ? { arguments: args } : {}), id }) + '\n');
    return this.until((m) => m['id'] === id);
  }

  statuses(job: string): string[] {
    return this.messages.filter((m) => m['event'] === 'JOB_STATUS_CHANGE' && (m['data'] as Record<string, unknown>)['id'] === job).map((m) => String((m['data'] as Record<string, unknown>)['status']));
  }

  close(): void {
    this.socket.end();
  }
}

describe('qjob serve', () => {
  let dir: string;
  let sock: string;
  let child: ChildProcess;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qjob-serve-test-'));
    sock = path.join(dir, 'qmp.sock');
    child = spawn(process.execPath, [path.join(root, 'bin/qjob.js'), 'serve', '--listen', `unix:${sock}`, '--release', '7.2'], { stdio: ['ignore', 'ignore', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      let err = '';
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('listening on')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`qjob serve exited with ${code}: ${err}`)));
    });
  }, 30_000);

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('listens on a unix socket only its owner may use', () => {
    expect(fs.statSync(sock).mode & 0o777).toBe(0o600);
  });

  it('lets a plain socket client drive a backup through its whole life', async () => {
    const c = await PlainClient.connect(sock);
    const greeting = await c.until((m) => 'QMP' in m);
    expect(greeting).toMatchObject({ QMP: { version: { qemu: { major: 7, minor: 2 } }, capabilities: ['oob'] } });
    expect(await c.command('qmp_capabilities')).toMatchObject({ return: {} });
    const nodes = (await c.command('query-named-block-nodes'))['return'] as Record<string, unknown>[];
    expect(nodes.map((n) => n['node-name'])).toEqual(expect.arrayContaining(['src', 'dst']));
    expect(await c.command('blockdev-backup', { 'job-id': 'b0', device: 'src', target: 'dst', sync: 'full', speed: 1024 * 1024, 'auto-finalize': false, 'auto-dismiss': false })).toMatchObject({ return: {} });
    expect(await c.command('query-jobs')).toMatchObject({ return: [{ id: 'b0', type: 'backup', status: 'running' }] });
    expect(await c.command('job-pause', { id: 'b0' })).toMatchObject({ return: {} });
    expect(await c.command('query-block-jobs')).toMatchObject({ return: [{ device: 'b0', status: 'paused', paused: true, speed: 1024 * 1024 }] });
    expect(await c.command('job-resume', { id: 'b0' })).toMatchObject({ return: {} });
    expect(await c.command('block-job-set-speed', { device: 'b0', speed: 0 })).toMatchObject({ return: {} });
    await c.until((m) => m['event'] === 'BLOCK_JOB_PENDING');
    expect(await c.command('job-finalize', { id: 'b0' })).toMatchObject({ return: {} });
    const done = (await c.command('query-jobs'))['return'] as Record<string, unknown>[];
    expect(done[0]).toMatchObject({ id: 'b0', status: 'concluded', 'current-progress': 64 * 1024 * 1024 });
    expect(done[0]!['error']).toBeUndefined();
    expect(await c.command('job-dismiss', { id: 'b0' })).toMatchObject({ return: {} });
    expect(c.statuses('b0')).toEqual(['created', 'running', 'paused', 'running', 'paused', 'running', 'waiting', 'pending', 'concluded', 'null']);
    expect(c.messages.filter((m) => m['event'] === 'BLOCK_JOB_COMPLETED')).toHaveLength(1);
    for (const m of c.messages.filter((x) => 'event' in x)) expect(m['timestamp']).toEqual({ seconds: expect.any(Number), microseconds: expect.any(Number) });
    c.close();
  });

  it('passes qjob verify as a qmp: target, with nodes it discovers and fresh job ids', async () => {
    registerModelTarget();
    const report = await verify({ target: parseTarget(`qmp:unix:${sock}`), runs: 30, seed: 7, failureDir: null });
    expect(report.failures).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.coverage.cells.length).toBeGreaterThan(20);
  }, 120_000);
});

function startServe(sock: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(root, 'bin/qjob.js'), 'serve', '--listen', `unix:${sock}`, '--release', '7.2'], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('listening on')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`qjob serve exited with ${code}: ${err}`)));
  });
}

describe('qjob serve under hostile input', () => {
  it('answers an id nested 5,000 deep with errors and keeps every client', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qjob-serve-deep-'));
    const sock = path.join(dir, 'qmp.sock');
    const child = await startServe(sock);
    try {
      const bystander = await PlainClient.connect(sock);
      await bystander.until((m) => 'QMP' in m);
      expect(await bystander.command('qmp_capabilities')).toMatchObject({ return: {} });
      const hostile = await PlainClient.connect(sock);
      await hostile.until((m) => 'QMP' in m);
      expect(await hostile.command('qmp_capabilities')).toMatchObject({ return: {} });
      hostile.socket.write(`{"execute":"query-jobs","id":${'['.repeat(5000)}1${']'.repeat(5000)}}\n`);
      expect(await hostile.command('query-jobs')).toMatchObject({ return: [] });
      expect(hostile.messages.filter((m) => (m['error'] as { desc?: string } | undefined)?.desc === 'JSON nesting depth limit exceeded')).toHaveLength(4);
      expect(await bystander.command('query-jobs')).toMatchObject({ return: [] });
      expect(child.exitCode).toBe(null);
      hostile.close();
      bystander.close();
    } finally {
      child.kill('SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('starts again on the path a killed server left its socket at', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qjob-serve-stale-'));
    const sock = path.join(dir, 'qmp.sock');
    try {
      const first = await startServe(sock);
      first.kill('SIGKILL');
      await new Promise<void>((resolve) => first.once('exit', () => resolve()));
      expect(fs.lstatSync(sock).isSocket()).toBe(true);
      const second = await startServe(sock);
      const c = await PlainClient.connect(sock);
      expect(await c.until((m) => 'QMP' in m)).toMatchObject({ QMP: { version: { qemu: { major: 7 } } } });
      c.close();
      second.kill('SIGTERM');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
