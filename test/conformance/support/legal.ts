/**
 * Hand-made sessions that real QEMU produces, written from the observed notes
 * (docs/qemu-notes.md and the recorded corpora). Every one must pass the checker.
 */
import type { TraceLine } from '../../../traces/format.ts';
import { blockJobInfo, jobInfo, Trace, type Release } from './trace.ts';

const MiB = 1048576;

function backup(id: string, extra: Record<string, unknown> = {}, n = 0) {
  return { 'job-id': id, device: `src${n || ''}`, target: `dst${n}`, sync: 'full', ...extra };
}

function txn(actions: Record<string, unknown>[], grouped: boolean) {
  return {
    actions: actions.map((data) => ({ type: 'blockdev-backup', data })),
    ...(grouped ? { properties: { 'completion-mode': 'grouped' } } : {}),
  };
}

/** Creates and starts j0, j1, j2 in one grouped transaction, in the release's start order. */
function startThree(t: Trace, release: Release, grouped = true): void {
  const ids = ['j0', 'j1', 'j2'];
  const c = t.send('transaction', txn(ids.map((id, i) => backup(id, { speed: MiB }, i)), grouped));
  for (const id of ids) t.status(id, 'created');
  const order = release === '7.2' ? ids : [...ids].reverse();
  for (const id of order) t.status(id, 'running', 'paused');
  for (const id of order) t.status(id, 'running');
  t.ok(c);
}

export const legal: Record<string, () => TraceLine[]> = {
  'grouped transaction, one member fails with EIO, 7.2 abort order': () => {
    const t = new Trace('7.2');
    startThree(t, '7.2');
    t.ioError('j1', 'report');
    t.status('j1', 'aborting').status('j2', 'aborting').cancelled('j2').status('j2', 'concluded', 'null');
    t.completed('j1', 'backup', 'Input/output error', 0).status('j1', 'concluded', 'null');
    t.status('j0', 'aborting').cancelled('j0').status('j0', 'concluded', 'null');
    t.call('query-jobs', undefined, []);
    return t.lines();
  },

  'grouped transaction, one member fails with EIO, 10.0 abort order': () => {
    const t = new Trace('10.0');
    startThree(t, '10.0');
    t.ioError('j1', 'report');
    t.status('j1', 'aborting').status('j2', 'aborting').status('j0', 'aborting');
    t.cancelled('j2').status('j2', 'concluded', 'null');
    t.completed('j1', 'backup', 'Input/output error', 0).status('j1', 'concluded', 'null');
    t.cancelled('j0').status('j0', 'concluded', 'null');
    t.call('query-block-jobs', undefined, []);
    return t.lines();
  },

  'grouped transaction, one member cancelled, reply before the abort': () => {
    const t = new Trace('7.2');
    startThree(t, '7.2');
    t.call('job-cancel', { id: 'j1' });
    t.status('j1', 'aborting').status('j2', 'aborting').cancelled('j2').status('j2', 'concluded', 'null');
    t.cancelled('j1').status('j1', 'concluded', 'null');
    t.status('j0', 'aborting').cancelled('j0').status('j0', 'concluded', 'null');
    return t.lines();
  },

  'grouped transaction, user-paused member taken down by the abort (10.0)': () => {
    const t = new Trace('10.0');
    const c = t.send('transaction', txn([backup('j0', { speed: MiB }), backup('j1', { speed: MiB }, 1)], true));
    t.status('j0', 'created').status('j1', 'created');
    t.status('j1', 'running', 'paused').status('j0', 'running', 'paused').status('j1', 'running').status('j0', 'running');
    t.ok(c);
    const p = t.send('job-pause', { id: 'j0' });
    t.status('j0', 'paused').ok(p);
    t.call('job-cancel', { id: 'j1' });
    t.status('j1', 'aborting').status('j0', 'running', 'aborting');
    t.cancelled('j1').status('j1', 'concluded', 'null');
    t.cancelled('j0').status('j0', 'concluded', 'null');
    return t.lines();
  },

  'grouped transaction, cancel while the other member waits': () => {
    const t = new Trace('7.2');
    const c = t.send('transaction', txn([backup('j0'), backup('j1', { speed: MiB }, 1)], true));
    t.status('j0', 'created').status('j1', 'created');
    t.status('j0', 'running', 'paused').status('j1', 'running', 'paused').status('j0', 'running').status('j1', 'running');
    t.ok(c);
    t.status('j0', 'waiting');
    const f = t.send('job-finalize', { id: 'j0' });
    t.err(f, "Job 'j0' in state 'waiting' cannot accept command verb 'finalize'");
    t.call('query-jobs', undefined, [jobInfo('j1', 'backup', 'running'), jobInfo('j0', 'backup', 'waiting', 67108864)]);
    const k = t.send('job-cancel', { id: 'j1' });
    t.status('j1', 'aborting').status('j0', 'aborting').cancelled('j0', 'backup', 67108864).status('j0', 'concluded', 'null');
    t.cancelled('j1').status('j1', 'concluded', 'null');
    t.ok(k);
    return t.lines();
  },

  'grouped transaction, cancel of the waiting member aborts the running one first': () => {
    const t = new Trace('7.2');
    const c = t.send('transaction', txn([backup('j0'), backup('j1', { speed: MiB }, 1)], true));
    t.status('j0', 'created').status('j1', 'created');
    t.status('j0', 'running', 'paused').status('j1', 'running', 'paused').status('j0', 'running').status('j1', 'running');
    t.ok(c);
    t.status('j0', 'waiting');
    const k = t.send('block-job-cancel', { device: 'j0' });
    t.status('j1', 'aborting').cancelled('j1').status('j1', 'concluded', 'null');
    t.status('j0', 'aborting').cancelled('j0', 'backup', 67108864).status('j0', 'concluded', 'null');
    t.ok(k);
    return t.lines();
  },

  'grouped transaction with mixed auto-finalize: one finalize concludes both': () => {
    const t = new Trace('7.2');
    const c = t.send('transaction', txn([backup('j0'), backup('j1', { 'auto-finalize': false }, 1)], true));
    t.status('j0', 'created').status('j1', 'created');
    t.status('j0', 'running', 'paused').status('j1', 'running', 'paused').status('j0', 'running').status('j1', 'running');
    t.ok(c);
    t.status('j1', 'waiting').status('j0', 'waiting');
    t.status('j1', 'pending').pendingEvent('j1').status('j0', 'pending');
    t.call('query-jobs', undefined, [jobInfo('j1', 'backup', 'pending', 67108864), jobInfo('j0', 'backup', 'pending', 67108864)]);
    const f = t.send('job-finalize', { id: 'j0' });
    t.completed('j1').status('j1', 'concluded', 'null').completed('j0').status('j0', 'concluded', 'null');
    t.ok(f);
    return t.lines();
  },

  'grouped transaction, cancel in pending aborts every member before the reply': () => {
    const t = new Trace('7.2');
    const flags = { 'auto-finalize': false, 'auto-dismiss': false };
    const c = t.send('transaction', txn([backup('j0', flags), backup('j1', flags, 1)], true));
    t.status('j0', 'created').status('j1', 'created');
    t.status('j0', 'running', 'paused').status('j1', 'running', 'paused').status('j0', 'running').status('j1', 'running');
    t.ok(c);
    t.status('j1', 'waiting').status('j0', 'waiting');
    t.status('j1', 'pending').pendingEvent('j1').status('j0', 'pending').pendingEvent('j0');
    // j0 had finished, so the abort runs in transaction order: j1 (newest) first, force-cancelled.
    const k = t.send('job-cancel', { id: 'j0' });
    t.status('j1', 'aborting').cancelled('j1').status('j1', 'concluded');
    t.status('j0', 'aborting').cancelled('j0').status('j0', 'concluded');
    t.ok(k);
    const err = { error: 'Operation canceled' };
    t.call('query-jobs', undefined, [jobInfo('j1', 'backup', 'concluded', 67108864, err), jobInfo('j0', 'backup', 'concluded', 67108864, err)]);
    for (const id of ['j0', 'j1']) {
      const d = t.send('job-dismiss', { id });
      t.status(id, 'null').ok(d);
    }
    return t.lines();
  },

  'individual transaction: the failing member fails alone': () => {
    const t = new Trace('7.2');
    const c = t.send('transaction', txn([backup('j0'), backup('j1', { 'auto-finalize': false }, 1)], false));
    t.status('j0', 'created').status('j1', 'created');
    t.status('j0', 'running', 'paused').status('j1', 'running', 'paused').status('j0', 'running').status('j1', 'running');
    t.ok(c);
    t.ioError('j1', 'report').status('j1', 'aborting').completed('j1', 'backup', 'Input/output error', 0).status('j1', 'concluded', 'null');
    t.status('j0', 'waiting', 'pending').completed('j0').status('j0', 'concluded', 'null');
    return t.lines();
  },

  'transaction prepare failure: created members go aborting, concluded, null in reverse order': () => {
    const t = new Trace('7.2');
    const c = t.send('transaction', txn([backup('j0'), backup('j1', {}, 1), backup('j2', {}, 2)], false));
    t.status('j0', 'created').status('j1', 'created');
    t.status('j1', 'aborting', 'concluded', 'null').status('j0', 'aborting', 'concluded', 'null');
    t.err(c, 'Source and target image have different sizes');
    t.call('query-jobs', undefined, []);
    return t.lines();
  },

  'grouped transaction prepare failure hangs: accepted as a prefix': () => {
    const t = new Trace('10.0');
    t.send('transaction', txn([backup('j0'), backup('j1', {}, 1), backup('j2', {}, 2)], true));
    t.status('j0', 'created').status('j1', 'created');
    t.status('j1', 'aborting', 'concluded', 'null');
    return t.lines();
  },

  'soft cancel of a ready mirror completes it without pivoting': () => {
    const t = new Trace('7.2');
    const c = t.send('blockdev-mirror', { 'job-id': 'm0', device: 'src', target: 'dst', sync: 'full', 'auto-finalize': false, 'auto-dismiss': false });
    t.status('m0', 'created', 'running').ok(c);
    t.ready('m0');
    t.call('block-job-cancel', { device: 'm0' });
    t.status('m0', 'waiting', 'pending').pendingEvent('m0', 'mirror');
    t.call('query-jobs', undefined, [jobInfo('m0', 'mirror', 'pending', 67108864)]);
    t.call('query-block-jobs', undefined, [
      blockJobInfo('m0', 'mirror', 'pending', { 'auto-finalize': false, 'auto-dismiss': false, paused: true, offset: 67108864 }),
    ]);
    const f = t.send('job-finalize', { id: 'm0' });
    t.completed('m0', 'mirror').status('m0', 'concluded').ok(f);
    t.call('query-jobs', undefined, [jobInfo('m0', 'mirror', 'concluded', 67108864)]);
    const d = t.send('job-dismiss', { id: 'm0' });
    t.status('m0', 'null').ok(d);
    return t.lines();
  },

  'force cancel of a ready mirror: CANCELLED and "Operation canceled"': () => {
    const t = new Trace('10.0');
    const c = t.send('blockdev-mirror', { 'job-id': 'm0', device: 'src', target: 'dst', sync: 'full', 'auto-dismiss': false });
    t.status('m0', 'created', 'running').ok(c);
    t.ready('m0');
    const p = t.send('job-pause', { id: 'm0' });
    t.status('m0', 'standby').ok(p);
    t.call('job-complete', { id: 'm0' });
    t.call('job-complete', { id: 'm0' });
    const k = t.send('block-job-cancel', { device: 'm0', force: true });
    t.status('m0', 'ready').ok(k);
    t.status('m0', 'aborting').cancelled('m0', 'mirror', 67108864).status('m0', 'concluded');
    t.call('query-jobs', undefined, [jobInfo('m0', 'mirror', 'concluded', 67108864, { error: 'Operation canceled' })]);
    const d = t.send('block-job-dismiss', { id: 'm0' });
    t.status('m0', 'null').ok(d);
    const again = t.send('block-job-cancel', { device: 'm0' });
    t.err(again, "Block job 'm0' not found", 'DeviceNotActive');
    return t.lines();
  },

  'I/O error with action stop pauses the job; resume retries': () => {
    const t = new Trace('7.2');
    const c = t.send('blockdev-backup', backup('j0', { target: 'bad', 'on-target-error': 'stop' }));
    t.status('j0', 'created', 'running', 'paused', 'running').ok(c);
    t.ioError('j0', 'stop').status('j0', 'paused');
    t.call('query-block-jobs', undefined, [blockJobInfo('j0', 'backup', 'paused', { paused: true, 'io-status': 'failed', offset: 0 })]);
    t.err(t.send('job-pause', { id: 'j0' }), 'Job is already paused');
    t.err(t.send('block-job-cancel', { device: 'j0' }), "The block job for device 'j0' is currently paused");
    const r = t.send('job-resume', { id: 'j0' });
    t.status('j0', 'running').ok(r);
    t.ioError('j0', 'stop').status('j0', 'paused');
    const r2 = t.send('job-resume', { id: 'j0' });
    t.ok(r2).status('j0', 'running');
    t.status('j0', 'waiting', 'pending').completed('j0').status('j0', 'concluded', 'null');
    return t.lines();
  },

  'error-paused job cancelled: reply between running and aborting': () => {
    const t = new Trace('7.2');
    const c = t.send('blockdev-backup', backup('j0', { target: 'bad', 'on-target-error': 'stop' }));
    t.status('j0', 'created', 'running', 'paused', 'running').ok(c);
    t.ioError('j0', 'stop').status('j0', 'paused');
    const k = t.send('job-cancel', { id: 'j0' });
    t.status('j0', 'running').ok(k);
    t.status('j0', 'aborting').cancelled('j0', 'backup', 0).status('j0', 'concluded', 'null');
    return t.lines();
  },

  'mirror fails with 16 BLOCK_JOB_ERRORs (report)': () => {
    const t = new Trace('7.2');
    const c = t.send('blockdev-mirror', { 'job-id': 'm0', device: 'file-src', target: 'bad', sync: 'full' });
    t.status('m0', 'created', 'running').ok(c);
    for (let i = 0; i < 16; i++) t.ioError('m0', 'report');
    t.status('m0', 'aborting').completed('m0', 'mirror', 'Input/output error', 0).status('m0', 'concluded', 'null');
    return t.lines();
  },

  '10.0 drain blips: refused commands and finishing jobs blip the running ones': () => {
    const t = new Trace('10.0');
    const a = t.send('blockdev-backup', backup('j0', { speed: MiB }));
    t.status('j0', 'created', 'running', 'paused', 'running').ok(a);
    const b = t.send('blockdev-backup', backup('j1', { speed: MiB }, 1));
    t.blips('j0', 4).status('j1', 'created', 'running', 'paused', 'running').blips('j0', 3).ok(b);
    const dup = t.send('blockdev-backup', backup('j0', {}, 2));
    t.blips('j0', 7).blips('j1', 7).err(dup, "Job ID 'j0' already in use");
    const dupm = t.send('blockdev-mirror', { 'job-id': 'j1', device: 'src2', target: 'dst2', sync: 'full' });
    t.blips('j0', 4).blips('j1', 4).err(dupm, "Job ID 'j1' already in use");
    const busy = t.send('blockdev-backup', backup('j2', {}, 0));
    t.blips('j0', 1).err(busy, "Node 'dst0' is busy: block device is in use by block job: backup");
    const k = t.send('job-cancel', { id: 'j0' });
    t.ok(k).status('j0', 'aborting').blips('j1', 3).cancelled('j0').status('j0', 'concluded', 'null').blips('j1', 1);
    t.call('query-jobs', undefined, [jobInfo('j1', 'backup', 'running', 2 * MiB)]);
    const set = t.send('block-job-set-speed', { device: 'j1', speed: 0 });
    t.ok(set).status('j1', 'waiting', 'pending').completed('j1').status('j1', 'concluded', 'null');
    return t.lines();
  },

  '10.0: a second backup waits until the first has finished': () => {
    const t = new Trace('10.0');
    const a = t.send('blockdev-backup', backup('j0'));
    t.status('j0', 'created', 'running', 'paused', 'running').ok(a);
    const b = t.send('blockdev-backup', backup('j1', {}, 1));
    t.blips('j0', 2).status('j0', 'waiting', 'pending').completed('j0').status('j0', 'concluded', 'null');
    t.status('j1', 'created', 'running', 'paused', 'running').ok(b);
    t.status('j1', 'waiting', 'pending').completed('j1').status('j1', 'concluded', 'null');
    return t.lines();
  },

  'blockdev-create fails inside the job, 10.0 reply placement': () => {
    const t = new Trace('10.0');
    const c = t.send('blockdev-create', { 'job-id': 'k0', options: { driver: 'qcow2', file: 'nosuch', size: 67108864 } });
    t.status('k0', 'created', 'running').ok(c).status('k0', 'aborting', 'concluded');
    t.call('query-jobs', undefined, [jobInfo('k0', 'create', 'concluded', 1, { 'total-progress': 1, error: "Cannot find device='' nor node-name='nosuch'" })]);
    t.call('query-block-jobs', undefined, []);
    const d = t.send('job-dismiss', { id: 'k0' });
    t.status('k0', 'null').ok(d);
    return t.lines();
  },

  'blockdev-create fails inside the job, 7.2 reply placement': () => {
    const t = new Trace('7.2');
    const c = t.send('blockdev-create', { 'job-id': 'k0', options: { driver: 'file', filename: '/nonexistent-dir/x.raw', size: 67108864 } });
    t.status('k0', 'created', 'running', 'aborting', 'concluded').ok(c);
    t.call('query-jobs', undefined, [jobInfo('k0', 'create', 'concluded', 1, { 'total-progress': 1, error: "Could not create '/nonexistent-dir/x.raw': No such file or directory" })]);
    t.err(t.send('block-job-dismiss', { id: 'k0' }), "Block job 'k0' not found", 'DeviceNotActive');
    const d = t.send('job-dismiss', { id: 'k0' });
    t.status('k0', 'null').ok(d);
    return t.lines();
  },

  'a create job refused at command time, and an early fail (created, null)': () => {
    const t = new Trace('7.2');
    t.err(t.send('blockdev-create', { 'job-id': 'k0', options: { driver: 'null-co', size: 1 } }), 'Driver does not support blockdev-create');
    const s = t.send('block-stream', { 'job-id': 'job0', device: 'top', 'base-node': 'base' });
    t.status('job0', 'created', 'null').err(s, "Permission conflict on node 'base'");
    t.call('query-jobs', undefined, []);
    return t.lines();
  },

  "create job: job-pause never takes effect (the user's pause racing a job with no pause point)": () => {
    const t = new Trace('10.0');
    const c = t.send('blockdev-create', { 'job-id': 'k0', options: { driver: 'file', filename: '/x/big.raw', size: 268435456, preallocation: 'full' } });
    t.status('k0', 'created', 'running').ok(c);
    t.call('job-pause', { id: 'k0' });
    t.err(t.send('job-pause', { id: 'k0' }), 'Job is already paused');
    t.call('query-jobs', undefined, [jobInfo('k0', 'create', 'running', 0, { 'total-progress': 1 })]);
    t.err(t.send('block-job-change', { id: 'k0', type: 'mirror', 'copy-mode': 'write-blocking' }), "Block job 'k0' not found", 'DeviceNotActive');
    t.call('job-resume', { id: 'k0' });
    t.err(t.send('job-resume', { id: 'k0' }), "Can't resume a job that was not paused");
    t.status('k0', 'waiting', 'pending', 'concluded');
    t.call('query-jobs', undefined, [jobInfo('k0', 'create', 'concluded', 1, { 'total-progress': 1 })]);
    const d = t.send('job-dismiss', { id: 'k0' });
    t.status('k0', 'null').ok(d);
    return t.lines();
  },

  'user pause racing completion: resume refused by the table, cancel refused as paused': () => {
    const t = new Trace('7.2');
    const c = t.send('blockdev-backup', backup('j0', { 'auto-finalize': false, 'auto-dismiss': false }));
    t.status('j0', 'created', 'running', 'paused', 'running').ok(c);
    const p = t.send('job-pause', { id: 'j0' });
    t.status('j0', 'waiting', 'pending').pendingEvent('j0').ok(p);
    t.err(t.send('job-resume', { id: 'j0' }), "Job 'j0' in state 'pending' cannot accept command verb 'resume'");
    t.err(t.send('block-job-cancel', { device: 'j0' }), "The block job for device 'j0' is currently paused");
    const f = t.send('job-finalize', { id: 'j0' });
    t.completed('j0').status('j0', 'concluded').ok(f);
    const d = t.send('job-dismiss', { id: 'j0' });
    t.status('j0', 'null').ok(d);
    return t.lines();
  },

  'race: job-complete pipelined after set-speed 0 is accepted (job already ready)': () => {
    const t = new Trace('7.2');
    const c = t.send('blockdev-mirror', { 'job-id': 'm0', device: 'src', target: 'dst', sync: 'full', speed: MiB });
    t.status('m0', 'created', 'running').ok(c);
    const s = t.send('block-job-set-speed', { device: 'm0', speed: 0 });
    const k = t.send('job-complete', { id: 'm0' });
    t.ok(s).ready('m0').ok(k);
    t.status('m0', 'waiting', 'pending').completed('m0', 'mirror').status('m0', 'concluded', 'null');
    return t.lines();
  },

  'race: job-complete pipelined after set-speed 0 is refused in running': () => {
    const t = new Trace('7.2');
    const c = t.send('blockdev-mirror', { 'job-id': 'm0', device: 'src', target: 'dst', sync: 'full', speed: MiB });
    t.status('m0', 'created', 'running').ok(c);
    const s = t.send('block-job-set-speed', { device: 'm0', speed: 0 });
    const k = t.send('job-complete', { id: 'm0' });
    t.ok(s).err(k, "Job 'm0' in state 'running' cannot accept command verb 'complete'").ready('m0');
    t.call('job-complete', { id: 'm0' });
    t.status('m0', 'waiting', 'pending').completed('m0', 'mirror').status('m0', 'concluded', 'null');
    return t.lines();
  },

  'race: cancel after set-speed 0 lands in pending (10.0, 2 of 8 runs)': () => {
    const t = new Trace('10.0');
    const c = t.send('blockdev-backup', backup('j0', { speed: MiB, 'auto-finalize': false }));
    t.status('j0', 'created', 'running', 'paused', 'running').ok(c);
    const s = t.send('block-job-set-speed', { device: 'j0', speed: 0 });
    const k = t.send('job-cancel', { id: 'j0' });
    t.ok(s).status('j0', 'waiting', 'pending').pendingEvent('j0');
    t.status('j0', 'aborting').cancelled('j0', 'backup', 67108864).status('j0', 'concluded', 'null').ok(k);
    return t.lines();
  },

  'race: cancel after set-speed 0 lands in running (7.2)': () => {
    const t = new Trace('7.2');
    const c = t.send('blockdev-backup', backup('j0', { speed: MiB, 'auto-finalize': false }));
    t.status('j0', 'created', 'running', 'paused', 'running').ok(c);
    const s = t.send('block-job-set-speed', { device: 'j0', speed: 0 });
    const k = t.send('job-cancel', { id: 'j0' });
    t.ok(s).ok(k).status('j0', 'aborting').cancelled('j0').status('j0', 'concluded', 'null');
    return t.lines();
  },

  'race: set-speed 0 answered after the backup concluded, its events already showing speed 0': () => {
    const t = new Trace('7.2');
    const c = t.send('blockdev-backup', backup('j0', { speed: MiB, 'auto-dismiss': false }));
    t.status('j0', 'created', 'running', 'paused', 'running').ok(c);
    t.call('query-block-jobs', undefined, [blockJobInfo('j0', 'backup', 'running', { speed: MiB, 'auto-dismiss': false })]);
    const s = t.send('block-job-set-speed', { device: 'j0', speed: 0 });
    t.status('j0', 'waiting', 'pending').completed('j0').status('j0', 'concluded').ok(s);
    t.call('query-block-jobs', undefined, [blockJobInfo('j0', 'backup', 'concluded', { speed: 0, 'auto-dismiss': false, offset: 67108864 })]);
    const d = t.send('job-dismiss', { id: 'j0' });
    t.status('j0', 'null').ok(d);
    return t.lines();
  },

  'pipelined: a second job-cancel finds the job concluded': () => {
    const t = new Trace('7.2');
    const c = t.send('blockdev-backup', backup('j0', { speed: MiB, 'auto-dismiss': false }));
    t.status('j0', 'created', 'running', 'paused', 'running').ok(c);
    const a = t.send('job-cancel', { id: 'j0' });
    const b = t.send('job-cancel', { id: 'j0' });
    t.status('j0', 'aborting').cancelled('j0').status('j0', 'concluded').ok(a);
    t.err(b, "Job 'j0' in state 'concluded' cannot accept command verb 'cancel'");
    const d = t.send('job-dismiss', { id: 'j0' });
    t.status('j0', 'null').ok(d);
    return t.lines();
  },

  'pipelined: blockdev-backup, job-pause and query-jobs in one write': () => {
    const t = new Trace('7.2');
    const c = t.send('blockdev-backup', backup('j0', { speed: MiB }));
    const p = t.send('job-pause', { id: 'j0' });
    const q = t.send('query-jobs');
    t.status('j0', 'created', 'running', 'paused', 'running').ok(c).status('j0', 'paused').ok(p);
    t.ok(q, [jobInfo('j0', 'backup', 'paused', 0)]);
    const r = t.send('job-resume', { id: 'j0' });
    t.ok(r).status('j0', 'running');
    t.call('block-job-set-speed', { device: 'j0', speed: 0 });
    t.status('j0', 'waiting', 'pending').completed('j0').status('j0', 'concluded', 'null');
    return t.lines();
  },

  'active and intermediate commit, stream, amend': () => {
    const t = new Trace('7.2');
    const a = t.send('block-commit', { 'job-id': 'c0', device: 'top' });
    t.status('c0', 'created', 'running').ok(a).ready('c0', 'commit');
    t.err(t.send('block-job-change', { id: 'c0', type: 'commit' }), 'The command block-job-change has not been found', 'CommandNotFound');
    t.call('job-complete', { id: 'c0' });
    t.status('c0', 'waiting', 'pending').completed('c0', 'commit').status('c0', 'concluded', 'null');
    const b = t.send('block-commit', { 'job-id': 'c1', device: 'top', 'top-node': 'mid', 'base-node': 'base' });
    t.status('c1', 'created', 'running').ok(b);
    t.err(t.send('job-complete', { id: 'c1' }), "Job 'c1' in state 'running' cannot accept command verb 'complete'");
    t.status('c1', 'waiting', 'pending').completed('c1', 'commit').status('c1', 'concluded', 'null');
    const s = t.send('block-stream', { 'job-id': 's0', device: 'top', 'base-node': 'base' });
    t.status('s0', 'created', 'running').ok(s).status('s0', 'waiting', 'pending').completed('s0', 'stream').status('s0', 'concluded', 'null');
    const m = t.send('x-blockdev-amend', { 'job-id': 'a0', 'node-name': 'top', options: { driver: 'qcow2' } });
    t.status('a0', 'created', 'running').ok(m).status('a0', 'waiting', 'pending', 'concluded');
    t.call('query-jobs', undefined, [jobInfo('a0', 'amend', 'concluded', 1, { 'total-progress': 1 })]);
    const d = t.send('job-dismiss', { id: 'a0' });
    t.status('a0', 'null').ok(d);
    return t.lines();
  },

  'snapshot-save on qemu-system: STOP and RESUME inside the command': () => {
    const t = new Trace('7.2');
    const c = t.send('snapshot-save', { 'job-id': 's0', tag: 'snap0', vmstate: 'disk0', devices: ['disk0'] });
    t.status('s0', 'created', 'running');
    t.event('STOP', {}).event('RESUME', {});
    t.ok(c).status('s0', 'waiting', 'pending', 'concluded');
    t.call('query-jobs', undefined, [jobInfo('s0', 'snapshot-save', 'concluded', 1, { 'total-progress': 1 })]);
    const d = t.send('job-dismiss', { id: 's0' });
    t.status('s0', 'null').ok(d);
    const l = t.send('snapshot-load', { 'job-id': 'l0', tag: 'nosuch', vmstate: 'disk0', devices: ['disk0'] });
    t.status('l0', 'created', 'running').event('STOP', {}).ok(l).status('l0', 'aborting', 'concluded');
    t.call('query-jobs', undefined, [jobInfo('l0', 'snapshot-load', 'concluded', 1, { 'total-progress': 1, error: "Snapshot 'nosuch' does not exist in one or more devices" })]);
    return t.lines();
  },

  'block-job-change on 10.0: write-blocking, then background refused': () => {
    const t = new Trace('10.0');
    const c = t.send('blockdev-mirror', { 'job-id': 'm0', device: 'src', target: 'dst', sync: 'full' });
    t.status('m0', 'created', 'running').ok(c);
    t.call('block-job-change', { id: 'm0', type: 'mirror', 'copy-mode': 'background' });
    t.call('block-job-change', { id: 'm0', type: 'backup' });
    t.ready('m0');
    t.call('block-job-change', { id: 'm0', type: 'mirror', 'copy-mode': 'write-blocking' });
    t.err(t.send('block-job-change', { id: 'm0', type: 'stream' }), "Change to copy mode 'background' is not implemented");
    t.err(t.send('block-job-change', { id: 'm0', type: 'mirror' }), "Parameter 'copy-mode' is missing");
    t.err(t.send('job-change', { id: 'm0' }), 'The command job-change has not been found', 'CommandNotFound');
    t.err(t.send('block-job-set-speed', { device: 'm0', speed: -1 }), "Parameter 'speed' expects a non-negative value");
    t.call('query-block-jobs', undefined, [blockJobInfo('m0', 'mirror', 'ready', { offset: 67108864, 'actively-synced': true })]);
    const k = t.send('job-complete', { id: 'm0' });
    t.ok(k).status('m0', 'waiting', 'pending').completed('m0', 'mirror').status('m0', 'concluded', 'null');
    t.err(t.send('block-job-change', { id: 'm0', type: 'mirror', 'copy-mode': 'write-blocking' }), "Block job 'm0' not found", 'DeviceNotActive');
    return t.lines();
  },

  'quit with live jobs: QEMU cancels and dismisses them': () => {
    const t = new Trace('7.2');
    const a = t.send('blockdev-backup', backup('j0', { speed: MiB }));
    t.status('j0', 'created', 'running', 'paused', 'running').ok(a);
    const b = t.send('blockdev-create', { 'job-id': 'k0', options: { driver: 'file', filename: '/x/k.raw', size: 1 } });
    t.status('k0', 'created', 'running').ok(b).status('k0', 'waiting', 'pending', 'concluded');
    t.call('job-pause', { id: 'j0' });
    t.status('j0', 'paused');
    const q = t.send('quit');
    t.ok(q).status('j0', 'running', 'aborting').cancelled('j0').status('j0', 'concluded', 'null').status('k0', 'null');
    return t.lines();
  },

  'a dismissed id is reused by a new job': () => {
    const t = new Trace('7.2');
    for (let i = 0; i < 2; i++) {
      const c = t.send('blockdev-backup', backup('j0'));
      t.status('j0', 'created', 'running', 'paused', 'running', 'waiting', 'pending').completed('j0').status('j0', 'concluded', 'null').ok(c);
    }
    t.call('query-jobs', undefined, []);
    return t.lines();
  },

  'events of a command arrive after its reply': () => {
    const t = new Trace('7.2');
    const c = t.send('blockdev-backup', backup('j0', { speed: MiB, 'auto-finalize': false, 'auto-dismiss': false }));
    t.status('j0', 'created', 'running', 'paused', 'running').ok(c);
    t.call('job-pause', { id: 'j0' });
    t.call('query-jobs', undefined, [jobInfo('j0', 'backup', 'running')]);
    t.status('j0', 'paused');
    t.call('job-resume', { id: 'j0' });
    t.status('j0', 'running');
    t.call('block-job-set-speed', { device: 'j0', speed: 0 });
    t.status('j0', 'waiting', 'pending').pendingEvent('j0');
    const f = t.send('job-finalize', { id: 'j0' });
    t.completed('j0').status('j0', 'concluded').ok(f);
    t.call('query-jobs', undefined, [jobInfo('j0', 'backup', 'concluded', 67108864)]);
    return t.lines();
  },
};
