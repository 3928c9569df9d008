import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { modelTarget } from '../../server/index.ts';
import { checkSocketPath, makePrivateFolder, MAX_SOCKET_PATH, TargetStartError, temporaryFolderProblem } from '../../targets/index.ts';

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'qjob-private-test-'));
const saved = process.env['TMPDIR'];
afterEach(() => {
  if (saved === undefined) delete process.env['TMPDIR'];
  else process.env['TMPDIR'] = saved;
});
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

describe('the private folder of a session', () => {
  it('is a fresh 0700 folder in TMPDIR', () => {
    process.env['TMPDIR'] = base;
    const folder = makePrivateFolder('qjob-x-');
    expect(path.dirname(folder)).toBe(base);
    expect(fs.statSync(folder).mode & 0o777).toBe(0o700);
    expect(temporaryFolderProblem()).toBeUndefined();
  });

  it('is a start error naming TMPDIR when TMPDIR is missing or not a folder', () => {
    fs.writeFileSync(path.join(base, 'file'), '');
    for (const [tmp, code] of [[path.join(base, 'missing'), 'ENOENT'], [path.join(base, 'file', 'tmp'), 'ENOTDIR']] as const) {
      process.env['TMPDIR'] = tmp;
      expect(() => makePrivateFolder('qjob-x-')).toThrow(new TargetStartError(`the temporary folder ${tmp} (TMPDIR) cannot hold a private folder: ${code}; set TMPDIR to a writable folder`));
      expect(temporaryFolderProblem()).toContain(code);
    }
  });

  it('refuses a socket path, or a path bound on the way to it, over the unix limit', () => {
    const fits = '/' + 's'.repeat(MAX_SOCKET_PATH - 1);
    expect(() => checkSocketPath(fits)).not.toThrow();
    expect(() => checkSocketPath(fits + 's')).toThrow(/is longer than 107 bytes; set TMPDIR to a shorter folder/);
    expect(() => checkSocketPath('/short.sock', fits + 's')).toThrow(/\/short\.sock \(108 bytes on the way there\) is longer than 107 bytes/);
  });

  it("makes the model target refuse a TMPDIR too long for its socket, removing its folder and binding nothing", async () => {
    // 75 bytes: <folder>/qmp.sock fits, the path the listener binds on the way there does not.
    const long = path.join(base, 'y'.repeat(75 - base.length - 1));
    expect(long).toHaveLength(75);
    fs.mkdirSync(long);
    process.env['TMPDIR'] = long;
    await expect(modelTarget().open()).rejects.toThrow(/qmp\.sock \(\d+ bytes on the way there\) is longer than 107 bytes/);
    expect(fs.readdirSync(long)).toEqual([]);
  });
});
