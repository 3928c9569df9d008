import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { liveCleanups, qemuTarget, SetupError, TargetStartError, type Session } from '../../targets/index.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const fixture = fileURLToPath(new URL('./fakeQemuStorageDaemon.mjs', import.meta.url));

// Every folder the target makes lands in this TMPDIR, so a test can see that none is left behind.
let tmp: string;
let bin: string;
let fake: string;
const savedTmpdir = process.env['TMPDIR'];

beforeAll(() => {
  bin = fs.mkdtempSync(path.join(os.tmpdir(), 'qjob-fakebin-'));
  fake = path.join(bin, 'qemu-storage-daemon');
  fs.copyFileSync(fixture, fake);
  fs.chmodSync(fake, 0o755);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'qjob-tt-'));
  process.env['TMPDIR'] = tmp;
});

afterAll(() => {
  if (savedTmpdir === undefined) delete process.env['TMPDIR'];
  else process.env['TMPDIR'] = savedTmpdir;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.rmSync(bin, { recursive: true, force: true });
});

beforeEach(() => {
  expect(leftovers()).toEqual([]);
});

/** Whether the process still runs: a zombie (killed, not yet reaped by its new parent) counts as dead. */
function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Waits for a process that is not our child (so there is no exit event to await) to be gone. */
async function gone(pid: number, timeoutMs = 3000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

/** Folders the qemu target made (tsx keeps a cache of its own in TMPDIR too). */
function leftovers(): string[] {
  return fs.readdirSync(tmp).filter((name) => name.startsWith('qjob-'));
}

function writeScript(name: string, body: string): string {
  const file = path.join(bin, name);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

describe('the qemu target', () => {
  it('starts the daemon without a shell in a private folder, with the set-up as arguments', async () => {
    const session = await qemuTarget({ binary: fake }).open();
    const folder = session.folder as string;
    expect(path.dirname(folder)).toBe(tmp);
    expect(fs.statSync(folder).mode & 0o777).toBe(0o700);
    const seen = JSON.parse(fs.readFileSync(path.join(folder, 'args.json'), 'utf8')) as { args: string[]; cwd: string; pid: number };
    expect(seen.cwd).toBe(fs.realpathSync(folder));
    expect(seen.pid).toBe(session.pid);
    expect(seen.args).toEqual([
      '--blockdev',
      '{"driver":"null-co","node-name":"src","size":67108864}',
      '--blockdev',
      '{"driver":"null-co","node-name":"dst","size":67108864}',
      '--chardev',
      `socket,id=qmp0,path=${path.join(folder, 'qmp.sock')},server=on,wait=off`,
      '--monitor',
      'chardev=qmp0',
    ]);
    expect(await session.client.execute('query-named-block-nodes')).toEqual({ return: [{ 'node-name': 'src' }, { 'node-name': 'dst' }], id: 'c2' });
    await session.close();
  });

  it('kills the daemon and removes its folder on close, and close can be called twice', async () => {
    const session = await qemuTarget({ binary: fake }).open({ setup: [] });
    expect(alive(session.pid)).toBe(true);
    await session.close();
    await session.close();
    expect(alive(session.pid)).toBe(false);
    expect(fs.existsSync(session.folder as string)).toBe(false);
    expect(session.client.closed).toBe(true);
    expect(liveCleanups()).toBe(0);
  });

  it('SIGKILLs a daemon that ignores SIGTERM once the grace period is over', async () => {
    const session = await qemuTarget({ binary: fake, graceMs: 100 }).open({ setup: [{ blockdev: { driver: 'null-co', 'node-name': 'ignore-sigterm' } }] });
    const started = Date.now();
    await session.close();
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(alive(session.pid)).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it("reports a daemon that exits at start with the tail of its stderr, and leaves nothing behind", async () => {
    const error = await qemuTarget({ binary: fake })
      .open({ setup: [{ blockdev: { driver: 'null-co', 'node-name': 'exit-at-start' } }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetStartError);
    expect((error as Error).message).toContain(`${fake} exited with code 1 before its QMP socket was ready`);
    expect((error as TargetStartError).output).toContain("Could not open 'nowhere'");
    expect(leftovers()).toEqual([]);
  });

  it('gives up on a daemon that never opens its socket, and kills it', async () => {
    const error = await qemuTarget({ binary: fake, startTimeoutMs: 150 })
      .open({ setup: [{ blockdev: { driver: 'null-co', 'node-name': 'never-listen' } }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetStartError);
    expect((error as Error).message).toContain('did not open its QMP socket');
    expect(leftovers()).toEqual([]);
  });

  it('reports a binary that does not exist', async () => {
    const missing = path.join(bin, 'no-such-daemon');
    const error = await qemuTarget({ binary: missing }).open().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetStartError);
    expect((error as Error).message).toContain(`${missing} could not be started: spawn ${missing} ENOENT`);
    expect(leftovers()).toEqual([]);
  });

  it('rejects a set-up that escapes the folder before creating or starting anything', async () => {
    const log = path.join(bin, 'img-ran');
    const qemuImg = writeScript('qemu-img-spy', `touch ${log}`);
    const error = await qemuTarget({ binary: fake, qemuImg })
      .open({ setup: [{ 'qemu-img': 'create', format: 'raw', file: '../escape.raw', size: '1M' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SetupError);
    expect(fs.existsSync(log)).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it('runs qemu-img steps in the folder with an argument array, and reports one that fails', async () => {
    const qemuImg = writeScript('qemu-img-fake', 'printf "%s\\n" "$@" > "$(pwd)/img-args"; [ "$4" != "bad.raw" ] || { echo "qemu-img: bad.raw: refused" >&2; exit 1; }');
    const session = await qemuTarget({ binary: fake, qemuImg }).open({
      setup: [{ 'qemu-img': 'create', format: 'raw', file: 'a b.raw', size: '1M' }, ...[]],
    });
    expect(fs.readFileSync(path.join(session.folder as string, 'img-args'), 'utf8')).toBe('create\n-f\nraw\na b.raw\n1M\n');
    await session.close();
    const error = await qemuTarget({ binary: fake, qemuImg })
      .open({ setup: [{ 'qemu-img': 'create', format: 'raw', file: 'bad.raw', size: '1M' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetStartError);
    expect((error as Error).message).toMatch(/qemu-img create -f raw bad\.raw 1M exited with code 1\n--- last output ---\nqemu-img: bad\.raw: refused/);
    expect(leftovers()).toEqual([]);
  });

  it('runs several sessions side by side, each in its own folder', async () => {
    const target = qemuTarget({ binary: fake });
    const sessions: Session[] = await Promise.all([target.open(), target.open(), target.open()]);
    expect(new Set(sessions.map((s) => s.folder)).size).toBe(3);
    expect(new Set(sessions.map((s) => s.pid)).size).toBe(3);
    await Promise.all(sessions.map((s) => s.close()));
    expect(leftovers()).toEqual([]);
  });
});

describe('cleanup when qjob ends', () => {
  function hold(mode: 'exit' | 'wait'): { child: ReturnType<typeof spawn>; info: Promise<{ pid: number; folder: string }> } {
    const child = spawn(process.execPath, ['bin/run.js', 'test/targets/holdSession.ts', fake, mode], {
      cwd: repo,
      env: { ...process.env, TMPDIR: tmp },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const info = new Promise<{ pid: number; folder: string }>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(JSON.parse(out) as { pid: number; folder: string });
      });
      child.once('exit', (code) => reject(new Error(`helper exited with ${code} before reporting`)));
    });
    return { child, info };
  }

  function exited(child: ReturnType<typeof spawn>): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
      else child.once('exit', (code, signal) => resolve({ code, signal }));
    });
  }

  it('kills the daemon and removes the folder when qjob exits without closing', async () => {
    const { child, info } = hold('exit');
    const { pid, folder } = await info;
    expect(await exited(child)).toEqual({ code: 0, signal: null });
    expect(await gone(pid)).toBe(true);
    expect(fs.existsSync(folder)).toBe(false);
  });

  it('stops the daemon, removes the folder and dies of the signal when qjob gets SIGTERM', async () => {
    const { child, info } = hold('wait');
    const { pid, folder } = await info;
    expect(alive(pid)).toBe(true);
    child.kill('SIGTERM');
    expect(await exited(child)).toEqual({ code: null, signal: 'SIGTERM' });
    expect(await gone(pid)).toBe(true);
    expect(fs.existsSync(folder)).toBe(false);
  });
});
