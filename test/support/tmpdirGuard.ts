/**
 * Vitest global set-up: the whole run gets a temporary folder of its own (TMPDIR, which the test
 * workers and every program they start inherit), and at the end a test file that left a `qjob-*` file or
 * folder there fails the run, naming it. The folder is removed either way, so the system temporary
 * folder is never littered.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export default function setup(): () => void {
  const saved = process.env['TMPDIR'];
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'qjob-test-run-'));
  process.env['TMPDIR'] = folder;
  return () => {
    if (saved === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = saved;
    const left = fs.readdirSync(folder).filter((name) => name.startsWith('qjob-'));
    fs.rmSync(folder, { recursive: true, force: true });
    if (left.length === 0) return;
    // Vitest reports an error thrown here but still exits 0, so the exit code is set as well.
    process.exitCode = 1;
    throw new Error(`tests left ${left.join(', ')} in the temporary folder: a test must remove what it makes`);
  };
}
