import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenSocket, ListenError } from '../../qmp/index.ts';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qjob-listen-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A socket file nobody listens on: what a process killed with SIGKILL leaves behind. */
async function staleSocket(file: string): Promise<void> {
  const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(file)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  child.kill('SIGKILL');
  await new Promise<void>((resolve) => child.once('exit', () => resolve()));
  expect(fs.lstatSync(file).isSocket()).toBe(true);
}

describe('the socket listener', () => {
  it('makes a unix socket only its owner may use, and removes it on close', async () => {
    const file = path.join(dir, 'a.sock');
    const l = await listenSocket({ kind: 'unix', path: file }, (s) => s.end());
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir).filter((n) => n.startsWith('.qjob-listen-'))).toEqual([]);
    await l.close();
    expect(fs.existsSync(file)).toBe(false);
  });

  it('replaces a stale socket left by a process that died', async () => {
    const file = path.join(dir, 'stale.sock');
    await staleSocket(file);
    const l = await listenSocket({ kind: 'unix', path: file }, (s) => s.end('hello\n'));
    const got = await new Promise<string>((resolve) => {
      const c = net.createConnection({ path: file });
      c.on('data', (d) => resolve(d.toString()));
    });
    expect(got).toBe('hello\n');
    await l.close();
  });

  it('refuses a socket somebody listens on, and leaves it working', async () => {
    const file = path.join(dir, 'live.sock');
    const first = await listenSocket({ kind: 'unix', path: file }, (s) => s.end());
    await expect(listenSocket({ kind: 'unix', path: file }, () => {})).rejects.toThrow(new ListenError(`cannot listen on unix:${file}: address already in use`));
    expect(fs.lstatSync(file).isSocket()).toBe(true);
    await first.close();
  });

  it('refuses a path that holds any other file, and leaves the file alone', async () => {
    const file = path.join(dir, 'taken');
    fs.writeFileSync(file, 'mine');
    await expect(listenSocket({ kind: 'unix', path: file }, () => {})).rejects.toThrow(`cannot listen on unix:${file}: a file already exists there`);
    expect(fs.readFileSync(file, 'utf8')).toBe('mine');
  });

  it('closes the connections still open on close', async () => {
    const l = await listenSocket({ kind: 'tcp', host: '127.0.0.1', port: 0 }, () => {});
    expect(l.address).toMatch(/^tcp:127\.0\.0\.1:[1-9]\d*$/);
    const c = net.createConnection({ host: '127.0.0.1', port: (l.qmpAddress as { port: number }).port });
    await new Promise<void>((resolve) => c.once('connect', () => resolve()));
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    c.on('error', () => {});
    await new Promise((r) => setTimeout(r, 20));
    await l.close();
    await closed;
  });
});
