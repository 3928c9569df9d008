/** The model server's snapshot jobs (qemu-system only): replies, events and job errors as QEMU 7.2 gave them. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock, JobEngine, type CommandResult } from '../../server/index.ts';
import { parseTarget } from '../../targets/index.ts';
import { loadTrace, replayTrace } from '../../traces/replay.ts';

const CORPUS = path.join(import.meta.dirname, '..', '..', 'traces', 'qemu-system-7.2');
const SIZE = 64 * 1024 * 1024;

function qcow2(name: string) {
  return [
    { 'qemu-img': 'create', format: 'qcow2', file: `${name}.qcow2`, size: SIZE },
    { blockdev: { driver: 'qcow2', 'node-name': name, file: { driver: 'file', filename: `${name}.qcow2` } } },
  ] as const;
}

function engine(system = true): JobEngine {
  return new JobEngine({
    release: '7.2',
    clock: new FakeClock(),
    system,
    setup: [...qcow2('vm'), ...qcow2('disk'), { blockdev: { driver: 'null-co', 'node-name': 'src', size: SIZE } }],
  });
}

function statuses(r: Pick<CommandResult, 'events'>): string[] {
  return r.events.filter((e) => e.event === 'JOB_STATUS_CHANGE').map((e) => String(e.data['status']));
}

/** Runs a snapshot command and returns the job's error as query-jobs shows it ('' when it succeeded). */
function jobError(e: JobEngine, command: string, args: Record<string, unknown>): string {
  const r = e.execute(command, args);
  expect(r.reply).toEqual({ return: {} });
  const jobs = e.execute('query-jobs').reply as { return: { id: string; error?: string }[] };
  const job = jobs.return.find((j) => j.id === args['job-id']);
  expect(e.execute('job-dismiss', { id: args['job-id'] }).reply).toEqual({ return: {} });
  return job?.error ?? '';
}

describe('snapshot jobs on the model server', () => {
  it('are served only as a qemu-system', () => {
    const args = { 'job-id': 's0', tag: 't0', vmstate: 'vm', devices: ['vm'] };
    expect(engine(false).execute('snapshot-save', args).reply).toEqual({ error: { class: 'CommandNotFound', desc: 'The command snapshot-save has not been found' } });
    expect(engine(false).commands()).not.toContain('snapshot-save');
    expect(engine(true).commands()).toEqual(expect.arrayContaining(['snapshot-save', 'snapshot-load', 'snapshot-delete']));
  });

  it('run to concluded in one go after the reply and wait there for job-dismiss; verbs are refused in concluded, block-job-* cannot find them', () => {
    const e = engine();
    const r = e.execute('snapshot-save', { 'job-id': 's0', tag: 't0', vmstate: 'vm', devices: ['vm', 'disk'] });
    expect(r.reply).toEqual({ return: {} });
    expect(statuses(r)).toEqual(['created', 'running']);
    expect(statuses({ events: e.advance() })).toEqual(['waiting', 'pending', 'concluded']);
    expect(e.execute('query-jobs').reply).toEqual({ return: [{ id: 's0', type: 'snapshot-save', status: 'concluded', 'current-progress': 1, 'total-progress': 1 }] });
    expect(e.execute('query-block-jobs').reply).toEqual({ return: [] });
    expect(e.execute('job-cancel', { id: 's0' }).reply).toEqual({ error: { class: 'GenericError', desc: "Job 's0' in state 'concluded' cannot accept command verb 'cancel'" } });
    expect(e.execute('block-job-cancel', { device: 's0' }).reply).toMatchObject({ error: { class: 'DeviceNotActive' } });
    expect(e.execute('snapshot-load', { 'job-id': 's0', tag: 't0', vmstate: 'vm', devices: ['vm'] }).reply).toEqual({ error: { class: 'GenericError', desc: "Job ID 's0' already in use" } });
    const dismissed = e.execute('job-dismiss', { id: 's0' });
    expect(statuses(dismissed)).toEqual(['null']);
  });

  it('fail inside the job with QEMU 7.2 texts, checked in its order: devices, then the tag, then the vmstate node', () => {
    const e = engine();
    const base = { vmstate: 'vm', devices: ['vm', 'disk'] };
    expect(jobError(e, 'snapshot-save', { 'job-id': 'a', tag: 't0', vmstate: 'nosuch', devices: ['vm', 'nosuch'] })).toBe("No block device node 'nosuch'");
    expect(jobError(e, 'snapshot-save', { 'job-id': 'a', tag: 't0', ...base, devices: ['vm', 'src'] })).toBe("Device 'src' is writable but does not support snapshots");
    expect(jobError(e, 'snapshot-save', { 'job-id': 'a', tag: 't0', ...base, vmstate: 'nosuch' })).toBe("vmstate block device 'nosuch' does not exist");
    expect(jobError(e, 'snapshot-save', { 'job-id': 'a', tag: 't0', vmstate: 'disk', devices: ['vm'] })).toBe("vmstate block device 'disk' does not exist");
    expect(jobError(e, 'snapshot-load', { 'job-id': 'a', tag: 't0', ...base, vmstate: 'nosuch' })).toBe("Snapshot 't0' does not exist in one or more devices");
    expect(jobError(e, 'snapshot-save', { 'job-id': 'a', tag: 't0', ...base })).toBe('');
    expect(jobError(e, 'snapshot-save', { 'job-id': 'a', tag: 't0', ...base })).toBe("Snapshot 't0' already exists in one or more devices");
    expect(jobError(e, 'snapshot-load', { 'job-id': 'a', tag: 't0', ...base })).toBe('');
    expect(jobError(e, 'snapshot-delete', { 'job-id': 'a', tag: 't0', devices: ['vm', 'disk'] })).toBe('');
    expect(jobError(e, 'snapshot-delete', { 'job-id': 'a', tag: 't0', devices: ['vm', 'disk'] })).toBe('');
    expect(jobError(e, 'snapshot-load', { 'job-id': 'a', tag: 't0', ...base })).toBe("Snapshot 't0' does not exist in one or more devices");
  });

  it('a failed job goes running, aborting, concluded', () => {
    const e = engine();
    const r = e.execute('snapshot-load', { 'job-id': 'l0', tag: 'none', vmstate: 'vm', devices: ['vm'] });
    expect(statuses(r)).toEqual(['created', 'running']);
    expect(statuses({ events: e.advance() })).toEqual(['aborting', 'concluded']);
  });

  it('have run before the next command, even one sent before the job could run (a QEMU bottom half)', () => {
    const e = engine();
    e.execute('snapshot-save', { 'job-id': 's0', tag: 't0', vmstate: 'vm', devices: ['vm'] });
    const pause = e.execute('job-pause', { id: 's0' });
    expect(statuses(pause)).toEqual(['waiting', 'pending', 'concluded']);
    expect(pause.reply).toEqual({ error: { class: 'GenericError', desc: "Job 's0' in state 'concluded' cannot accept command verb 'pause'" } });
  });

  it('refuses a bad job id at command time, and arguments QAPI refuses', () => {
    const e = engine();
    expect(e.execute('snapshot-save', { 'job-id': '0bad', tag: 't', vmstate: 'vm', devices: ['vm'] }).reply).toEqual({ error: { class: 'GenericError', desc: "Invalid job ID '0bad'" } });
    expect(e.execute('snapshot-delete', { 'job-id': 'd', tag: 't' }).reply).toEqual({ error: { class: 'GenericError', desc: "Parameter 'devices' is missing" } });
  });

  const files = fs.readdirSync(CORPUS).filter((f) => f.endsWith('.jsonl')).sort();
  it('replays the recorded 7.2 snapshot corpus as recorded, as model-system:7.2', async () => {
    expect(files.length).toBeGreaterThanOrEqual(7);
    for (const file of files) {
      const trace = await loadTrace(path.join(CORPUS, file));
      const result = await replayTrace(trace, parseTarget('model-system:7.2'));
      expect(result.ok, `${file}: ${JSON.stringify(result.divergences[0] ?? null)}`).toBe(true);
    }
  }, 60_000);
});
