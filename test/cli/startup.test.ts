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

  it('ends quietly with status 141 when its reader closes the pipe early', () => {
    // A real pipe (a child's stdio is a socket pair, whose buffer holds the whole output): a shell's `| head`.
    // The JSON verdicts of the whole corpus are more than a pipe holds.
    const script = 'node "$1" check --format json "$2" 2>"$3" | head -c 100 >/dev/null; echo "${PIPESTATUS[0]}"';
    const errFile = path.join(scratch, 'epipe.err');
    const r = spawnSync('bash', ['-c', script, 'bash', path.join(root, 'bin/qjob.js'), path.join(root, 'traces'), errFile], { encoding: 'utf8', timeout: 60_000 });
    const stderr = fs.readFileSync(errFile, 'utf8');
    expect(stderr).not.toContain('EPIPE');
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout.trim()).toBe('141');
  });

  it('runs the bundle, not the TypeScript sources', () => {
    const bin = fs.readFileSync(path.join(root, 'bin/qjob.js'), 'utf8');
    expect(bin).toContain('dist/qjob.mjs');
    expect(bin).not.toContain('tsx');
  });
});
