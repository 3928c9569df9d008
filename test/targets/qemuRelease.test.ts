import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findQemuRelease, QEMU_RELEASES } from '../../targets/index.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qjob-release-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function fakeDaemon(name: string, versionLine: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\necho '${versionLine}'\necho 'Copyright (c) 2003-2025 Fabrice Bellard and the QEMU Project developers'\n`, { mode: 0o755 });
  return file;
}

describe('findQemuRelease', () => {
  it('defaults to the Debian 7.2 package and the 10.0 unpacked by qemu:setup', () => {
    expect(QEMU_RELEASES['7.2']).toEqual({ variable: 'QJOB_QEMU_7_2', defaultPath: '/usr/bin/qemu-storage-daemon' });
    expect(QEMU_RELEASES['10.0'].variable).toBe('QJOB_QEMU_10_0');
    expect(QEMU_RELEASES['10.0'].defaultPath).toBe(path.resolve(import.meta.dirname, '../../.qemu/10.0/usr/bin/qemu-storage-daemon'));
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
