import { describe, expect, it } from 'vitest';
import { parseRelease } from '../../machines/index.ts';
import { errorTexts, FakeClock, JobEngine, type CommandResult, type TimedEvent } from '../../server/index.ts';

const MiB = 1024 * 1024;

function engine(release: string): JobEngine {
  return new JobEngine({ release, clock: new FakeClock() });
}

function brief(events: readonly TimedEvent[]): string[] {
  return events.map((ev) => (ev.event === 'JOB_STATUS_CHANGE' ? `${String(ev.data['status'])}(${String(ev.data['id'])})` : ev.event));
}

function desc(r: CommandResult): string {
  if (!('error' in r.reply)) throw new Error('expected an error reply');
  return r.reply.error.desc;
}

function ok(r: CommandResult): CommandResult {
  expect('error' in r.reply ? r.reply.error : undefined).toBeUndefined();
  return r;
}

function texts(release: string) {
  return errorTexts(parseRelease(release)!);
}

describe('error texts per release', () => {
  it('answers a missing node in 5.2 words, unquoted, and quoted with node-name from 6.0', () => {
    const args = { 'job-id': 'j1', device: 'nosuch', target: 'dst1', sync: 'full' };
    expect(desc(engine('5.2').execute('blockdev-backup', args))).toBe('Cannot find device=nosuch nor node_name=nosuch');
    expect(desc(engine('6.0').execute('blockdev-backup', args))).toBe("Cannot find device='nosuch' nor node-name='nosuch'");
    expect(desc(engine('7.2').execute('blockdev-backup', args))).toBe("Cannot find device='nosuch' nor node-name='nosuch'");
  });

  it('leaves the device part empty when a name is looked up as a node name only', () => {
    expect(texts('5.2').nodeNotFound('base')).toBe('Cannot find device= nor node_name=base');
    expect(texts('10.0').nodeNotFound('base')).toBe("Cannot find device='' nor node-name='base'");
  });

  it('refuses a read-only backup target with the bare text before 6.2, with the node-creation prefix from 6.2', () => {
    const refusal = (release: string): string => {
      const e = engine(release);
      ok(e.execute('blockdev-add', { driver: 'null-co', 'node-name': 'ro', size: 64 * MiB, 'read-only': true }));
      return desc(e.execute('blockdev-backup', { 'job-id': 'j0', device: 'src', target: 'ro', sync: 'full' }));
    };
    expect(refusal('5.2')).toBe('Block node is read-only');
    expect(refusal('6.1')).toBe('Block node is read-only');
    expect(refusal('6.2')).toBe('Could not create node: Block node is read-only');
    expect(refusal('7.2')).toBe('Could not create node: Block node is read-only');
  });

  it('words node-name checks of blockdev-add and blockdev-del as each release does', () => {
    const e52 = engine('5.2');
    const e72 = engine('7.2');
    const dup = { driver: 'null-co', 'node-name': 'src' };
    expect(desc(e52.execute('blockdev-add', dup))).toBe('Duplicate node name');
    expect(desc(e72.execute('blockdev-add', dup))).toBe("Duplicate nodes with node-name='src'");
    const bad = { driver: 'null-co', 'node-name': '1x' };
    expect(desc(e52.execute('blockdev-add', bad))).toBe('Invalid node name');
    expect(desc(e72.execute('blockdev-add', bad))).toBe("Invalid node-name: '1x'");
    expect(desc(e52.execute('blockdev-del', { 'node-name': 'nosuch' }))).toBe('Cannot find node nosuch');
    expect(desc(e72.execute('blockdev-del', { 'node-name': 'nosuch' }))).toBe("Failed to find node with node-name='nosuch'");
  });
});

describe('block-job-set-speed wakes a sleeping job', () => {
  /** A ready mirror (5.2 parks it at its next pause point, 6.0 on job-pause). */
  function readyMirror(release: string, speed = 0): JobEngine {
    const clock = new FakeClock();
    const e = new JobEngine({ release, clock });
    ok(e.execute('blockdev-mirror', { 'job-id': 'm0', device: 'src', target: 'dst', sync: 'full', ...(speed ? { speed } : {}) }));
    for (let i = 0; i < 1000 && e.snapshot()[0]?.status !== 'ready'; i++) {
      clock.set(Math.max(clock.now(), e.nextDue() ?? clock.now() + 1000));
      e.advance();
    }
    expect(e.snapshot()[0]?.status).toBe('ready');
    return e;
  }

  it('takes the pause 5.2 owes inside set-speed to 0, before its reply', () => {
    const e = readyMirror('5.2');
    expect(brief(ok(e.execute('job-pause', { id: 'm0' })).events)).toEqual([]);
    expect(brief(ok(e.execute('block-job-set-speed', { device: 'm0', speed: 0 })).events)).toEqual(['standby(m0)']);
  });

  it('takes it inside set-speed to a higher speed too', () => {
    const e = readyMirror('5.2', MiB);
    ok(e.execute('job-pause', { id: 'm0' }));
    expect(brief(ok(e.execute('block-job-set-speed', { device: 'm0', speed: 2 * MiB })).events)).toEqual(['standby(m0)']);
  });

  it('does not wake the job when the speed goes down', () => {
    const e = readyMirror('5.2', 2 * MiB);
    ok(e.execute('job-pause', { id: 'm0' }));
    expect(brief(ok(e.execute('block-job-set-speed', { device: 'm0', speed: MiB })).events)).toEqual([]);
    expect(e.snapshot()[0]?.status).toBe('ready');
  });

  it('has nothing left to take from 6.0 on: job-pause already parked the job', () => {
    const e = readyMirror('7.2');
    expect(brief(ok(e.execute('job-pause', { id: 'm0' })).events)).toEqual(['standby(m0)']);
    expect(brief(ok(e.execute('block-job-set-speed', { device: 'm0', speed: 0 })).events)).toEqual([]);
  });
});
