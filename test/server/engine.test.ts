import { describe, expect, it } from 'vitest';
import { FakeClock, JobEngine, type CommandResult, type TimedEvent } from '../../server/index.ts';

const MiB = 1024 * 1024;

function engine(release = '7.2'): { e: JobEngine; clock: FakeClock } {
  const clock = new FakeClock();
  return { e: new JobEngine({ release, clock }), clock };
}

/** `status(id)` for JOB_STATUS_CHANGE, the event name for the others. */
function brief(events: readonly TimedEvent[]): string[] {
  return events.map((ev) => (ev.event === 'JOB_STATUS_CHANGE' ? `${String(ev.data['status'])}(${String(ev.data['id'])})` : `${ev.event}(${String(ev.data['device'] ?? ev.data['id'])})`));
}

function ok(r: CommandResult): CommandResult {
  expect('error' in r.reply ? r.reply.error : undefined).toBeUndefined();
  return r;
}

function error(r: CommandResult): string {
  if (!('error' in r.reply)) throw new Error('expected an error reply');
  return `${r.reply.error.class}: ${r.reply.error.desc}`;
}

/** Runs the clock until nothing is due within `ms`; returns the events. */
function run(e: JobEngine, clock: FakeClock, ms = 1000): TimedEvent[] {
  const out: TimedEvent[] = [];
  const end = clock.now() + ms;
  for (let i = 0; i < 1000; i++) {
    const due = e.nextDue();
    if (due === undefined || due > end) break;
    clock.set(Math.max(clock.now(), due));
    out.push(...e.advance());
  }
  clock.set(Math.max(clock.now(), end));
  return out;
}

const backup = (id: string, extra: Record<string, unknown> = {}, device = 'src', target = 'dst') => ({ 'job-id': id, device, target, sync: 'full', ...extra });

describe('the model server engine', () => {
  it('runs a null-co backup with no speed to its end inside blockdev-backup, as QEMU 7.2 does', () => {
    const { e } = engine();
    const r = ok(e.execute('blockdev-backup', backup('j0')));
    expect(brief(r.events)).toEqual(['created(j0)', 'running(j0)', 'paused(j0)', 'running(j0)', 'waiting(j0)', 'pending(j0)', 'BLOCK_JOB_COMPLETED(j0)', 'concluded(j0)', 'null(j0)']);
    expect(e.execute('query-jobs').reply).toEqual({ return: [] });
  });

  it('emits events in QEMU member order with timestamps from the clock', () => {
    const { e, clock } = engine();
    clock.advance(1500);
    const r = e.execute('blockdev-backup', backup('j0'));
    expect(Object.keys(r.events[0]!.data)).toEqual(['status', 'id']);
    expect(r.events[0]!.timestamp).toEqual({ seconds: 1_700_000_001, microseconds: 500_000 });
    expect(Object.keys(r.events.find((x) => x.event === 'BLOCK_JOB_COMPLETED')!.data)).toEqual(['device', 'len', 'offset', 'speed', 'type']);
  });

  it('holds a job at its speed: progress follows the clock, set-speed 0 lets it finish', () => {
    const { e, clock } = engine();
    ok(e.execute('blockdev-backup', backup('j0', { speed: MiB, 'auto-dismiss': false })));
    expect(run(e, clock, 2000)).toEqual([]);
    const q = e.execute('query-jobs').reply as { return: Record<string, unknown>[] };
    expect(q.return[0]).toMatchObject({ id: 'j0', status: 'running', 'current-progress': 2 * MiB, 'total-progress': 64 * MiB });
    const r = ok(e.execute('block-job-set-speed', { device: 'j0', speed: 0 }));
    expect(brief(r.events)).toEqual(['waiting(j0)', 'pending(j0)', 'BLOCK_JOB_COMPLETED(j0)', 'concluded(j0)']);
  });

  it('converges a mirror after the reply, and completes it after job-complete', () => {
    const { e, clock } = engine();
    expect(brief(ok(e.execute('blockdev-mirror', { 'job-id': 'm0', device: 'src', target: 'dst', sync: 'full' })).events)).toEqual(['created(m0)', 'running(m0)']);
    expect(brief(run(e, clock))).toEqual(['ready(m0)', 'BLOCK_JOB_READY(m0)']);
    expect(brief(ok(e.execute('job-pause', { id: 'm0' })).events)).toEqual(['standby(m0)']);
    expect(brief(ok(e.execute('job-complete', { id: 'm0' })).events)).toEqual([]);
    expect(brief(ok(e.execute('job-resume', { id: 'm0' })).events)).toEqual(['ready(m0)']);
    expect(brief(run(e, clock))).toEqual(['waiting(m0)', 'pending(m0)', 'BLOCK_JOB_COMPLETED(m0)', 'concluded(m0)', 'null(m0)']);
  });

  it('refuses ids and nodes as QEMU does, node checks first', () => {
    const { e } = engine();
    ok(e.execute('blockdev-backup', backup('j0', { speed: MiB })));
    expect(error(e.execute('blockdev-backup', backup('j0', { speed: MiB }, 'src1', 'dst1')))).toBe("GenericError: Job ID 'j0' already in use");
    expect(error(e.execute('blockdev-backup', backup('1x', {}, 'src1', 'dst')))).toBe("GenericError: Node 'dst' is busy: block device is in use by block job: backup");
    expect(error(e.execute('blockdev-backup', backup('1x', {}, 'src1', 'dst1')))).toBe("GenericError: Invalid job ID '1x'");
    expect(error(e.execute('blockdev-backup', { device: 'src1', target: 'dst1', sync: 'full' }))).toBe("GenericError: Invalid job ID ''");
    expect(error(e.execute('blockdev-backup', backup('j1', {}, 'nosuch', 'dst1')))).toBe("GenericError: Cannot find device='nosuch' nor node-name='nosuch'");
    expect(error(e.execute('blockdev-mirror', { 'job-id': 'm0', device: 'src', target: 'dst1', sync: 'full' }))).toBe('GenericError: Need a root block node');
    expect(error(e.execute('blockdev-backup', backup('j1', {}, 'src1')))).toContain("Parameter 'sync' is missing".slice(0, 0));
  });

  it('creates then drops a job whose speed is negative (job_early_fail)', () => {
    const { e } = engine();
    const r = e.execute('blockdev-backup', backup('j0', { speed: -1 }));
    expect(error(r)).toBe("GenericError: Parameter 'speed' expects a non-negative value");
    expect(brief(r.events)).toEqual(['created(j0)', 'null(j0)']);
  });

  it('holds a grouped transaction together: members wait, one cancel aborts all, newest first', () => {
    const { e } = engine();
    const actions = [
      { type: 'blockdev-backup', data: backup('j0') },
      { type: 'blockdev-backup', data: backup('j1', { speed: MiB }, 'src1', 'dst1') },
    ];
    const r = ok(e.execute('transaction', { actions, properties: { 'completion-mode': 'grouped' } }));
    expect(brief(r.events).slice(0, 2)).toEqual(['created(j0)', 'created(j1)']);
    expect(brief(r.events).slice(-1)).toEqual(['waiting(j0)']);
    const c = ok(e.execute('job-cancel', { id: 'j1' }));
    expect(brief(c.events)).toEqual([
      'aborting(j1)',
      'BLOCK_JOB_CANCELLED(j1)',
      'concluded(j1)',
      'null(j1)',
      'aborting(j0)',
      'BLOCK_JOB_CANCELLED(j0)',
      'concluded(j0)',
      'null(j0)',
    ]);
  });

  it('cancels the created members of a transaction that fails in prepare, inside the command', () => {
    const { e } = engine();
    const actions = [
      { type: 'blockdev-backup', data: backup('j0') },
      { type: 'blockdev-backup', data: backup('j1', {}, 'src1', 'dst1') },
      { type: 'blockdev-backup', data: backup('j2', {}, 'src2', 'nosuch') },
    ];
    const r = e.execute('transaction', { actions });
    expect(error(r)).toBe("GenericError: Cannot find device='nosuch' nor node-name='nosuch'");
    expect(brief(r.events)).toEqual(['created(j0)', 'created(j1)', 'aborting(j1)', 'concluded(j1)', 'null(j1)', 'aborting(j0)', 'concluded(j0)', 'null(j0)']);
  });

  it('fails a job that writes to a blkdebug node under its error policy', () => {
    const clock = new FakeClock();
    const e = new JobEngine({
      release: '7.2',
      clock,
      setup: [
        { blockdev: { driver: 'null-co', 'node-name': 'src', size: 64 * MiB } },
        { blockdev: { driver: 'blkdebug', 'node-name': 'bad', image: { driver: 'null-co', size: 64 * MiB }, 'inject-error': [{ event: 'pwritev', errno: 5 }] } },
      ],
    });
    // As in the 7.2 sample trace backup_io_error_report: the error inside the command, the abort after it.
    const r = ok(e.execute('blockdev-backup', backup('j0', { 'auto-dismiss': false }, 'src', 'bad')));
    expect(brief(r.events).slice(4)).toEqual(['BLOCK_JOB_ERROR(j0)']);
    expect(brief(run(e, clock, 10))).toEqual(['aborting(j0)', 'BLOCK_JOB_COMPLETED(j0)', 'concluded(j0)']);
    expect((e.execute('query-jobs').reply as { return: unknown[] }).return[0]).toMatchObject({ status: 'concluded', error: 'Input/output error' });
    ok(e.execute('job-dismiss', { id: 'j0' }));
    ok(e.execute('blockdev-backup', backup('j1', { speed: MiB, 'on-target-error': 'stop' }, 'src', 'bad')));
    expect(brief(run(e, clock, 10))).toEqual(['BLOCK_JOB_ERROR(j1)', 'paused(j1)']);
    expect((e.execute('query-block-jobs').reply as { return: unknown[] }).return[0]).toMatchObject({ 'io-status': 'failed', paused: true });
    expect(error(e.execute('job-pause', { id: 'j1' }))).toBe('GenericError: Job is already paused');
    ok(e.execute('job-resume', { id: 'j1' }));
    expect(brief(run(e, clock, 10))).toEqual(['BLOCK_JOB_ERROR(j1)', 'paused(j1)']);
  });

  it('hangs as QEMU 7.2 and 10.0 do on a grouped transaction that fails in prepare after creating two jobs', () => {
    const { e } = engine();
    const actions = [
      { type: 'blockdev-backup', data: backup('j0') },
      { type: 'blockdev-backup', data: backup('j1', {}, 'src1', 'dst1') },
      { type: 'blockdev-backup', data: backup('j2', {}, 'src2', 'nosuch') },
    ];
    const r = e.execute('transaction', { actions, properties: { 'completion-mode': 'grouped' } });
    expect(r.hung).toBe(true);
    expect(brief(r.events)).toEqual(['created(j0)', 'created(j1)', 'aborting(j1)', 'concluded(j1)', 'null(j1)']);
    expect(e.execute('query-jobs')).toEqual({ events: [], reply: { return: {} }, hung: true });
    expect(e.nextDue()).toBeUndefined();
  });

  it('injects an I/O error with x-qjob-inject-error', () => {
    const { e, clock } = engine('10.0');
    ok(e.execute('blockdev-mirror', { 'job-id': 'm0', device: 'src', target: 'dst', sync: 'full', 'on-target-error': 'stop' }));
    run(e, clock);
    expect(brief(ok(e.execute('x-qjob-inject-error', { id: 'm0', errno: 28 })).events)).toEqual(['BLOCK_JOB_ERROR(m0)', 'standby(m0)']);
    expect((e.execute('query-block-jobs').reply as { return: unknown[] }).return[0]).toMatchObject({ 'io-status': 'nospace' });
    expect(error(e.execute('x-qjob-inject-error', { id: 'nosuch' }))).toBe('GenericError: Job not found');
  });

  it('has the commands of its release', () => {
    expect(error(engine('7.2').e.execute('block-job-change', { id: 'x', type: 'mirror', 'copy-mode': 'write-blocking' }))).toBe(
      'CommandNotFound: The command block-job-change has not been found',
    );
    expect(error(engine('10.0').e.execute('block-job-change', { id: 'x', type: 'mirror', 'copy-mode': 'write-blocking' }))).toBe("DeviceNotActive: Block job 'x' not found");
  });

  it('keeps a create job for job-dismiss, out of query-block-jobs', () => {
    const { e, clock } = engine();
    ok(e.execute('blockdev-create', { 'job-id': 'k0', options: { driver: 'file', filename: 'new.raw', size: MiB } }));
    expect(brief(run(e, clock))).toEqual(['waiting(k0)', 'pending(k0)', 'concluded(k0)']);
    expect(e.execute('query-block-jobs').reply).toEqual({ return: [] });
    expect(error(e.execute('block-job-dismiss', { id: 'k0' }))).toBe("DeviceNotActive: Block job 'k0' not found");
    expect(brief(ok(e.execute('job-dismiss', { id: 'k0' })).events)).toEqual(['null(k0)']);
    expect(e.nodes.files.get('new.raw')).toEqual({ format: 'raw', size: MiB });
  });

  it('checks arguments as QAPI does', () => {
    const { e } = engine();
    expect(error(e.execute('blockdev-backup', { 'job-id': 'j0', device: 'src', target: 'dst' }))).toBe("GenericError: Parameter 'sync' is missing");
    expect(error(e.execute('blockdev-backup', backup('j0', { bogus: 1 })))).toBe("GenericError: Parameter 'bogus' is unexpected");
    expect(error(e.execute('blockdev-backup', backup('j0', { speed: 'fast' })))).toBe("GenericError: Invalid parameter type for 'speed', expected: integer");
    expect(error(e.execute('job-pause', {}))).toBe("GenericError: Parameter 'id' is missing");
    expect(error(e.execute('no-such-command'))).toBe('CommandNotFound: The command no-such-command has not been found');
  });
});
