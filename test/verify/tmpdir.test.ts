/**
 * `qjob verify` with a temporary folder it cannot use: too long for a unix socket path, missing, not a
 * folder, read-only. Each exits 2 within seconds with a message naming TMPDIR, and leaves no socket.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'qjob-tmpdir-test-'));
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

/** Well under the test's own time-out: a hang shows as a null status. */
const LIMIT_MS = 20_000;

function verifyWith(tmpdir: string): { status: number | null; stderr: string; ms: number } {
  const started = Date.now();
  const r = spawnSync(process.execPath, [path.join(root, 'bin/qjob.js'), 'verify', '--runs', '2', '--seed', '1'], {
    encoding: 'utf8',
    cwd: base,
    env: { ...process.env, TMPDIR: tmpdir },
    timeout: LIMIT_MS,
    killSignal: 'SIGKILL',
  });
  return { status: r.status, stderr: r.stderr, ms: Date.now() - started };
}

/** A folder under `base` whose path is `bytes` long. */
function folderOfLength(bytes: number): string {
  const name = 'x'.repeat(bytes - base.length - 1);
  const dir = path.join(base, name);
  expect(Buffer.byteLength(dir)).toBe(bytes);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

function sockets(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => fs.lstatSync(path.join(dir, f)).isSocket());
}

describe('qjob verify with an unusable TMPDIR', () => {
  // 100 bytes: the socket path itself is too long. 75: the socket path fits, the listener's private path beside it does not.
  for (const bytes of [100, 75]) {
    it(`exits 2 within seconds when TMPDIR (${bytes} bytes) makes the model's socket path too long, and binds no socket`, () => {
      const dir = folderOfLength(bytes);
      const r = verifyWith(dir);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/longer than 107 bytes; set TMPDIR to a shorter folder/);
      expect(r.ms).toBeLessThan(LIMIT_MS);
      expect(sockets(base)).toEqual([]);
      // A second run is refused the same way, not with "address already in use".
      if (bytes === 100) expect(verifyWith(dir).stderr).toMatch(/longer than 107 bytes/);
    }, 60_000);
  }

  it('exits 2 naming TMPDIR when it does not exist, and does not create it', () => {
    const missing = path.join(base, 'missing');
    const r = verifyWith(missing);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain(`the temporary folder ${missing} (TMPDIR) cannot hold a private folder: ENOENT`);
    expect(fs.existsSync(missing)).toBe(false);
  }, 30_000);

  it('exits 2 naming TMPDIR when it is under a file', () => {
    fs.writeFileSync(path.join(base, 'file'), '');
    const r = verifyWith(path.join(base, 'file', 'tmp'));
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/\(TMPDIR\) cannot hold a private folder: ENOTDIR/);
  }, 30_000);

  // Root writes into a 0555 folder all the same; sysfs refuses new entries even to root (EPERM).
  it('exits 2 naming TMPDIR when it cannot be written to', () => {
    const asRoot = process.getuid?.() === 0;
    const ro = asRoot ? '/sys/kernel' : path.join(base, 'read-only');
    if (!asRoot) fs.mkdirSync(ro, { mode: 0o555 });
    const r = verifyWith(ro);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(asRoot ? /\(TMPDIR\) cannot hold a private folder: EPERM/ : /\(TMPDIR\) cannot hold a private folder: EACCES/);
  }, 30_000);
});
