/** The qemu target and the QMP client against every real QEMU release qemu:setup installs (skipped when one is not installed). */
import fs from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { isQmpError, type QmpEvent } from '../../qmp/index.ts';
import { qemuTarget, TargetStartError, type Session } from '../../targets/index.ts';
import { describeQemu, RELEASES } from '../support/qemu.ts';

const MiB = 1024 * 1024;

function status(event: QmpEvent): unknown {
  return event.data?.['status'];
}

/** Drops `paused, running` blips that no command caused (10.0 has more of them than 7.2). */
function withoutBlips(statuses: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const s of statuses) {
    if (s === 'running' && out.at(-1) === 'paused' && out.at(-2) === 'running') out.pop();
    else out.push(s);
  }
  return out;
}

for (const release of RELEASES) {
  describeQemu(release, (qemu) => {
    let sessions: Session[] = [];
    afterEach(async () => {
      await Promise.all(sessions.map((s) => s.close()));
      sessions = [];
    });
    async function open(setup?: Parameters<ReturnType<typeof qemuTarget>['open']>[0]): Promise<Session> {
      const session = await qemuTarget({ binary: qemu.path }).open(setup);
      sessions.push(session);
      return session;
    }

    it('greets with the release it was found as', async () => {
      const { client } = await open();
      expect(`${client.version.qemu.major}.${client.version.qemu.minor}`).toBe(release);
      expect(client.greeting.QMP.capabilities).toEqual(['oob']);
    });

    it('drives a blockdev-backup through its life and sees each JOB_STATUS_CHANGE', async () => {
      const { client } = await open();
      const statuses: unknown[] = [];
      client.onEvent((e) => {
        if (e.event === 'JOB_STATUS_CHANGE') statuses.push(status(e));
      });
      const backup = await client.execute('blockdev-backup', { 'job-id': 'j0', device: 'src', target: 'dst', sync: 'full', speed: MiB });
      expect(backup).toEqual({ return: {}, id: 'c2' });
      // The start (created, running and a paused/running blip) happens inside the command.
      expect(withoutBlips(statuses)).toEqual(['created', 'running']);
      const jobs = await client.execute<{ id: string; status: string; type: string }[]>('query-jobs');
      expect(isQmpError(jobs) ? jobs : jobs.return.map((j) => [j.id, j.type, j.status])).toEqual([['j0', 'backup', 'running']]);

      // Read only the events from here on: the start's paused/running blip must not satisfy the waits below.
      const events = client.events();
      let mark = statuses.length;
      expect(await client.execute('job-pause', { id: 'j0' })).toEqual({ return: {}, id: 'c4' });
      await events.waitFor({ event: 'JOB_STATUS_CHANGE', data: { id: 'j0', status: 'paused' } }, 2000);
      expect(await client.execute('job-pause', { id: 'j0' })).toEqual({ error: { class: 'GenericError', desc: 'Job is already paused' }, id: 'c5' });
      await client.execute('job-resume', { id: 'j0' });
      await events.waitFor({ event: 'JOB_STATUS_CHANGE', data: { id: 'j0', status: 'running' } }, 2000);
      expect(statuses.slice(mark)).toEqual(['paused', 'running']);

      mark = statuses.length;
      await client.execute('block-job-set-speed', { device: 'j0', speed: 0 });
      await events.waitFor({ event: 'BLOCK_JOB_COMPLETED', data: { device: 'j0', type: 'backup', len: 64 * MiB, offset: 64 * MiB } }, 5000);
      await events.waitFor({ event: 'JOB_STATUS_CHANGE', data: { id: 'j0', status: 'null' } }, 2000);
      expect(statuses.slice(mark)).toEqual(['waiting', 'pending', 'concluded', 'null']);
      expect(await client.execute('query-jobs')).toMatchObject({ return: [] });
    });

    it('answers a verb on a missing job with an error reply, as a value', async () => {
      const { client } = await open();
      expect(await client.execute('job-pause', { id: 'nosuch' })).toEqual({ error: { class: 'GenericError', desc: 'Job not found' }, id: 'c2' });
      expect(await client.execute('block-job-pause', { device: 'nosuch' })).toEqual({
        error: { class: 'DeviceNotActive', desc: "Block job 'nosuch' not found" },
        id: 'c3',
      });
    });

    it('creates images with qemu-img and opens them as block nodes', async () => {
      const { client, folder } = await open({
        setup: [
          { 'qemu-img': 'create', format: 'qcow2', file: 'base.qcow2', size: '64M' },
          { 'qemu-img': 'create', format: 'qcow2', file: 'top.qcow2', backing: 'base.qcow2', 'backing-format': 'qcow2' },
          { blockdev: { driver: 'qcow2', 'node-name': 'top', file: { driver: 'file', filename: 'top.qcow2' } } },
        ],
      });
      expect(fs.existsSync(`${folder}/base.qcow2`)).toBe(true);
      const nodes = await client.execute<{ 'node-name': string; drv: string; file: string; backing_file?: string }[]>('query-named-block-nodes', { flat: true });
      if (isQmpError(nodes)) throw new Error(nodes.error.desc);
      // The backing image was opened from the name qemu-img stored, relative to the folder.
      expect(nodes.return.find((n) => n['node-name'] === 'top')).toMatchObject({ drv: 'qcow2', file: 'top.qcow2', backing_file: 'base.qcow2' });
      expect(nodes.return.some((n) => n.drv === 'qcow2' && n.file === 'base.qcow2')).toBe(true);
    });

    it('kills the daemon and removes its folder on close', async () => {
      const session = await open();
      await session.close();
      expect(() => process.kill(session.pid as number, 0)).toThrow();
      expect(fs.existsSync(session.folder as string)).toBe(false);
    });

    it("reports QEMU's own error when the daemon refuses its arguments", async () => {
      const node = { blockdev: { driver: 'null-co', 'node-name': 'src' } };
      const error = await open({ setup: [node, node] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TargetStartError);
      expect((error as TargetStartError).message).toContain('exited with code 1 before its QMP socket was ready');
      // 7.2 and later print "Duplicate nodes with node-name='src'", 5.2 "Duplicate node name".
      expect((error as TargetStartError).output).toMatch(release === '5.2' ? /Duplicate node name/ : /Duplicate nodes with node-name='src'/);
    });
  });
}
