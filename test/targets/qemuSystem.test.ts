/**
 * The qemu-system target (the snapshot jobs): naming, and, against every release whose qemu-system-x86_64
 * qemu:setup installs, a live session and the recorded snapshot corpus replayed (skipped when missing).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isQmpError, type QmpEvent } from '../../qmp/index.ts';
import { parseTarget, qemuTarget, TargetSpecError, type Session } from '../../targets/index.ts';
import { loadTrace, replayTrace } from '../../traces/replay.ts';
import { describeQemuSystem, SYSTEM_RELEASES } from '../support/qemu.ts';

const TRACES = path.join(import.meta.dirname, '..', '..', 'traces');

describe('qemu-system target names', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('takes a path or the bare word, named after the string', () => {
    for (const spec of ['qemu-system', 'qemu-system:/opt/qemu/bin/qemu-system-x86_64']) expect(parseTarget(spec).name).toBe(spec);
    expect(() => parseTarget('qemu-system:')).toThrow(TargetSpecError);
  });

  it('refuses 5.2, which has no snapshot jobs', () => {
    expect(() => parseTarget('qemu-system:5.2')).toThrow(/QEMU 5\.2 has no snapshot jobs \(they came in 6\.0\)/);
  });

  it('refuses a release whose qemu-system is not installed, naming the variable to set', () => {
    vi.stubEnv('QJOB_QEMU_SYSTEM_10_0', path.join('/nonexistent', String(process.pid), 'qemu-system-x86_64'));
    expect(() => parseTarget('qemu-system:10.0')).toThrow(/QEMU 10\.0 not found: QJOB_QEMU_SYSTEM_10_0=.* does not exist \(set QJOB_QEMU_SYSTEM_10_0 to a qemu-system-x86_64 10\.0/);
  });
});

for (const release of SYSTEM_RELEASES) {
  describeQemuSystem(release, (qemu) => {
    let sessions: Session[] = [];
    afterEach(async () => {
      await Promise.all(sessions.map((s) => s.close()));
      sessions = [];
    });

    it('runs a qemu-system-x86_64 with no machine in a private folder, with the snapshot commands and a qcow2 node vm', async () => {
      const session = await qemuTarget({ binary: qemu.path, program: 'system' }).open();
      sessions.push(session);
      const { client } = session;
      expect(`${client.version.qemu.major}.${client.version.qemu.minor}`).toBe(release);
      expect((fs.statSync(session.folder!).mode & 0o777).toString(8)).toBe('700');
      expect(fs.existsSync(path.join(session.folder!, 'vm.qcow2'))).toBe(true);
      const commands = await client.execute<{ name: string }[]>('query-commands');
      if (isQmpError(commands)) throw new Error(`query-commands failed: ${JSON.stringify(commands)}`);
      expect(commands.return.map((c) => c.name)).toEqual(expect.arrayContaining(['snapshot-save', 'snapshot-load', 'snapshot-delete', 'job-dismiss']));

      const statuses: unknown[] = [];
      client.onEvent((e: QmpEvent) => {
        if (e.event === 'JOB_STATUS_CHANGE') statuses.push(e.data?.['status']);
      });
      const events = client.events();
      expect(await client.execute('snapshot-save', { 'job-id': 's0', tag: 't0', vmstate: 'vm', devices: ['vm'] })).toMatchObject({ return: {} });
      await events.waitFor({ event: 'JOB_STATUS_CHANGE', data: { id: 's0', status: 'concluded' } }, 5000);
      expect(statuses).toEqual(['created', 'running', 'waiting', 'pending', 'concluded']);
      expect(await client.execute('job-dismiss', { id: 's0' })).toMatchObject({ return: {} });
      await events.waitFor({ event: 'JOB_STATUS_CHANGE', data: { id: 's0', status: 'null' } }, 2000);
      expect(statuses).toEqual(['created', 'running', 'waiting', 'pending', 'concluded', 'null']);
      const pid = session.pid!;
      await session.close();
      expect(fs.existsSync(session.folder!)).toBe(false);
      expect(() => process.kill(pid, 0)).toThrow();
    });

    const corpus = path.join(TRACES, `qemu-system-${release}`);
    const files = fs.existsSync(corpus) ? fs.readdirSync(corpus).filter((f) => f.endsWith('.jsonl')).sort() : [];
    it(`has a recorded snapshot corpus (traces/qemu-system-${release})`, () => {
      expect(files.length).toBeGreaterThanOrEqual(7);
    });
    for (const file of files) {
      it(`replays ${file} as recorded`, async () => {
        const result = await replayTrace(await loadTrace(path.join(corpus, file)), parseTarget(`qemu-system:${release}`));
        expect(result.ok, JSON.stringify(result.divergences[0] ?? null)).toBe(true);
      }, 30_000);
    }
  });
}
