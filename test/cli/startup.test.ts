/** The qjob command starts from its built bundle: no compiler and no cache at start-up. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'qjob-startup-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

function qjob(args: string[], env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, [path.join(root, 'bin/qjob.js'), ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });
}

describe('qjob start-up', () => {
  // Root may write anywhere, so an unusable TMPDIR is made of a regular file (mkdtemp there fails).
  const file = path.join(scratch, 'not-a-folder');
  fs.writeFileSync(file, '');

  it('prints its help with an unusable TMPDIR, with no stack trace', () => {
    const r = qjob(['--help'], { TMPDIR: file });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: qjob');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('checks a trace with an unusable TMPDIR', () => {
    const trace = path.join(root, 'test/fixtures/samples/qemu-7.2/create_file.jsonl');
    const r = qjob(['check', trace], { TMPDIR: file });
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.status).toBe(0);
  });

  it('runs the bundle, not the TypeScript sources', () => {
    const bin = fs.readFileSync(path.join(root, 'bin/qjob.js'), 'utf8');
    expect(bin).toContain('dist/qjob.mjs');
    expect(bin).not.toContain('tsx');
  });
});
