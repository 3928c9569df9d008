/** `qjob targets`: which QEMU releases are set up, where, and what is missing (with fake binaries). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main.ts';
import { releaseRows, renderReleases } from '../../cli/commands/targets.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qjob-targets-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function fakeDaemon(name: string, version: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\necho 'qemu-storage-daemon version ${version} (Debian)'\n`, { mode: 0o755 });
  return file;
}

function fakeSystem(name: string, version: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\necho 'QEMU emulator version ${version} (Debian)'\n`, { mode: 0o755 });
  return file;
}

const systems = {
  QJOB_QEMU_SYSTEM_7_2: fakeSystem('qs-7.2', '7.2.22'),
  QJOB_QEMU_SYSTEM_10_0: fakeSystem('qs-10.0', '10.0.2'),
  QJOB_QEMU_SYSTEM_11_1: fakeSystem('qs-11.1', '11.1.3'),
};

const env = {
  ...systems,
  QJOB_QEMU_5_2: fakeDaemon('qsd-5.2', '5.2.0'),
  QJOB_QEMU_7_2: fakeDaemon('qsd-7.2', '7.2.22'),
  QJOB_QEMU_10_0: fakeDaemon('qsd-10.0-but-9', '9.2.1'),
  QJOB_QEMU_11_1: path.join(dir, 'absent'),
};

describe('qjob targets', () => {
  it('lists every known release with its path and version, and the missing ones with the fix', () => {
    const rows = releaseRows(env);
    expect(rows.map((r) => [r.target, r.version ?? 'missing'])).toEqual([
      ['qemu:5.2', '5.2.0'],
      ['qemu:7.2', '7.2.22'],
      ['qemu:10.0', 'missing'],
      ['qemu:11.1', 'missing'],
      ['qemu-system:7.2', '7.2.22'],
      ['qemu-system:10.0', '10.0.2'],
      ['qemu-system:11.1', '11.1.3'],
    ]);
    const text = renderReleases(rows);
    expect(text).toContain(`qemu:5.2          5.2.0     ${env.QJOB_QEMU_5_2}`);
    expect(text).toContain(`qemu-system:7.2   7.2.22    ${env.QJOB_QEMU_SYSTEM_7_2}`);
    expect(text).toContain('Missing (2 of 7):');
    expect(text).toContain(`qemu:10.0: QEMU 10.0 not found: QJOB_QEMU_10_0=${env.QJOB_QEMU_10_0} is version 9.2.1`);
    expect(text).toContain(`qemu:11.1: QEMU 11.1 not found: QJOB_QEMU_11_1=${env.QJOB_QEMU_11_1} does not exist (set QJOB_QEMU_11_1`);
    expect(text).toContain('npm run qemu:setup');
    expect(text).toMatch(/Target forms: qemu, qemu:PATH, qemu:5\.2, qemu:7\.2, qemu:10\.0, qemu:11\.1, qemu-system, qemu-system:PATH, qemu-system:7\.2, .*qmp:/);
  });

  it('says nothing is missing when all are there', () => {
    const all = { ...env, QJOB_QEMU_10_0: fakeDaemon('qsd-10.0', '10.0.2'), QJOB_QEMU_11_1: fakeDaemon('qsd-11.1', '11.1.3') };
    const text = renderReleases(releaseRows(all));
    expect(text).not.toContain('Missing');
    expect(text).toContain('qemu:11.1         11.1.3');
  });

  it('says when a release has no qemu-system-x86_64', () => {
    const text = renderReleases(releaseRows({ ...env, QJOB_QEMU_SYSTEM_10_0: path.join(dir, 'absent') }));
    expect(text).toContain(`qemu-system:10.0: QEMU 10.0 not found: QJOB_QEMU_SYSTEM_10_0=${path.join(dir, 'absent')} does not exist (set QJOB_QEMU_SYSTEM_10_0 to a qemu-system-x86_64 10.0`);
  });

  it('exits 1 under --check when a release is missing, 0 without it; --json carries the same rows', async () => {
    vi.stubEnv('QJOB_QEMU_11_1', env.QJOB_QEMU_11_1);
    let out = '';
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
    try {
      expect(await main(['targets', '--check'])).toBe(1);
      expect(out).toContain('qemu:11.1: QEMU 11.1 not found');
      out = '';
      expect(await main(['targets', '--json'])).toBe(0);
      const json = JSON.parse(out) as { releases: { target: string; missing?: string }[] };
      expect(json.releases.map((r) => r.target)).toEqual(['qemu:5.2', 'qemu:7.2', 'qemu:10.0', 'qemu:11.1', 'qemu-system:7.2', 'qemu-system:10.0', 'qemu-system:11.1']);
      expect(json.releases[3]!.missing).toContain('does not exist');
    } finally {
      write.mockRestore();
      vi.unstubAllEnvs();
    }
  });
});
