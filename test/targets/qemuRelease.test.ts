import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findQemuRelease, isQemuReleaseName, QEMU_RELEASE_NAMES, QEMU_RELEASES } from '../../targets/index.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qjob-release-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function fakeDaemon(name: string, versionLine: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\necho '${versionLine}'\necho 'Copyright (c) 2003-2025 Fabrice Bellard and the QEMU Project developers'\n`, { mode: 0o755 });
  return file;
}

describe('findQemuRelease', () => {
  it('knows 5.2, 7.2, 10.0 and 11.1, oldest first, and nothing else', () => {
    expect(QEMU_RELEASE_NAMES).toEqual(['5.2', '7.2', '10.0', '11.1']);
    expect(['5.2', '11.1', '7.2', '10.0'].every(isQemuReleaseName)).toBe(true);
    for (const name of ['6.0', '11', '11.1.3', 'toString', '__proto__', '']) expect(isQemuReleaseName(name), name).toBe(false);
  });

  it('defaults to the Debian 7.2 package, the 10.0 unpacked by qemu:setup, and the wrappers it writes for 5.2 and 11.1', () => {
    const repo = path.resolve(import.meta.dirname, '../..');
    expect(QEMU_RELEASES['7.2']).toMatchObject({ variable: 'QJOB_QEMU_7_2', defaultPath: '/usr/bin/qemu-storage-daemon' });
    expect(QEMU_RELEASES['10.0']).toMatchObject({ variable: 'QJOB_QEMU_10_0', defaultPath: path.join(repo, '.qemu/10.0/usr/bin/qemu-storage-daemon') });
    expect(QEMU_RELEASES['5.2']).toMatchObject({ variable: 'QJOB_QEMU_5_2', defaultPath: path.join(repo, '.qemu/5.2/bin/qemu-storage-daemon') });
    expect(QEMU_RELEASES['11.1']).toMatchObject({ variable: 'QJOB_QEMU_11_1', defaultPath: path.join(repo, '.qemu/11.1/bin/qemu-storage-daemon') });
    for (const info of Object.values(QEMU_RELEASES)) expect(info.source).toMatch(/^Debian \S+/);
  });

  it('finds a 5.2 and an 11.1 by their variables, and refuses one for the other', () => {
    const old = fakeDaemon('qsd-52', 'qemu-storage-daemon version 5.2.0 (Debian 1:5.2+dfsg-11+deb11u3)');
    const sid = fakeDaemon('qsd-111', 'qemu-storage-daemon version 11.1.3 (Debian 1:11.1.3+ds-1)');
    expect(findQemuRelease('5.2', { QJOB_QEMU_5_2: old })).toEqual({ release: '5.2', path: old, version: '5.2.0' });
    expect(findQemuRelease('11.1', { QJOB_QEMU_11_1: sid })).toEqual({ release: '11.1', path: sid, version: '11.1.3' });
    expect(findQemuRelease('11.1', { QJOB_QEMU_11_1: old })).toMatchObject({ missing: expect.stringContaining('is version 5.2.0') as unknown });
    // 1.1 is not 11.1: the whole major number must match.
    const one = fakeDaemon('qsd-1-1', 'qemu-storage-daemon version 1.1.0');
    expect(findQemuRelease('11.1', { QJOB_QEMU_11_1: one })).toMatchObject({ missing: expect.stringContaining('is version 1.1.0') as unknown });
  });

  it('takes the path from the variable and reports the version the binary prints', () => {
    const binary = fakeDaemon('qsd-10', 'qemu-storage-daemon version 10.0.2 (Debian 1:10.0.2+ds-2+deb13u1~bpo12+1)');
    expect(findQemuRelease('10.0', { QJOB_QEMU_10_0: binary })).toEqual({ release: '10.0', path: binary, version: '10.0.2' });
  });

  it('refuses a binary of another release, saying which it is', () => {
    const binary = fakeDaemon('qsd-72', 'qemu-storage-daemon version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)');
    expect(findQemuRelease('10.0', { QJOB_QEMU_10_0: binary })).toEqual({
      release: '10.0',
      missing: `QEMU 10.0 not found: QJOB_QEMU_10_0=${binary} is version 7.2.22 (set QJOB_QEMU_10_0 to a qemu-storage-daemon 10.0, or run \`npm run qemu:setup\`)`,
    });
  });

  it('reports a missing binary with the variable to set and the setup script', () => {
    const missing = path.join(dir, 'nothing-here');
    const found = findQemuRelease('7.2', { QJOB_QEMU_7_2: missing });
    expect(found).toEqual({
      release: '7.2',
      missing: `QEMU 7.2 not found: QJOB_QEMU_7_2=${missing} does not exist (set QJOB_QEMU_7_2 to a qemu-storage-daemon 7.2, or run \`npm run qemu:setup\`)`,
    });
  });

  it('reports a binary that prints no version', () => {
    const binary = fakeDaemon('qsd-silent', 'hello');
    expect(findQemuRelease('7.2', { QJOB_QEMU_7_2: binary })).toMatchObject({ missing: expect.stringContaining('--version printed no version') as unknown });
  });
});
