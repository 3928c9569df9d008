import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { JobStatus, profileFor, tablesJson, UnknownReleaseError } from '../../machines/index.ts';

// Written out from QEMU's job.c, independently of machines/tables.ts.
const STT = {
  undefined: ['created'],
  created: ['running', 'aborting', 'null'],
  running: ['paused', 'ready', 'waiting', 'aborting'],
  paused: ['running'],
  ready: ['standby', 'waiting', 'aborting'],
  standby: ['ready'],
  waiting: ['pending', 'aborting'],
  pending: ['aborting', 'concluded'],
  aborting: ['aborting', 'concluded'],
  concluded: ['null'],
  null: [],
};
const EARLY = ['created', 'running', 'paused', 'ready', 'standby'];
const VERBS_2_12 = {
  cancel: [...EARLY, 'waiting', 'pending'],
  pause: EARLY,
  resume: EARLY,
  'set-speed': EARLY,
  complete: ['ready'],
  dismiss: ['concluded'],
  finalize: ['pending'],
};
const VERBS_6_0 = { ...VERBS_2_12, complete: ['ready', 'standby'] };
const VERBS_8_2 = { ...VERBS_6_0, change: EARLY };
const STATUSES = ['undefined', 'created', 'running', 'paused', 'ready', 'standby', 'waiting', 'pending', 'aborting', 'concluded', 'null'];
const OLD_VERBS = ['cancel', 'pause', 'resume', 'set-speed', 'complete', 'dismiss', 'finalize'];

describe('release profiles', () => {
  const cases: [string, object, string[]][] = [
    ['2.12', VERBS_2_12, OLD_VERBS],
    ['5.2', VERBS_2_12, OLD_VERBS],
    ['6.0', VERBS_6_0, OLD_VERBS],
    ['7.2', VERBS_6_0, OLD_VERBS],
    ['8.2', VERBS_8_2, [...OLD_VERBS, 'change']],
    ['10.1', VERBS_8_2, [...OLD_VERBS, 'change']],
  ];
  for (const [release, verbTable, verbs] of cases) {
    it(`gives QEMU ${release}'s tables`, () => {
      expect(tablesJson(profileFor(release))).toEqual({ release, statuses: STATUSES, verbs, transitions: STT, verbTable });
    });
  }

  it('resolves any release from 2.12 up, with or without a micro number', () => {
    for (const r of ['2.12', '3.0', '4.2', '7.2', '9.1', '10.0', '10.0.2', '10.1', '11.0']) expect(profileFor(r).statuses).toEqual(JobStatus);
    expect(profileFor('10.0.2').release).toBe('10.0');
    expect(profileFor('9.1').verbs).toContain('change');
  });

  it('refuses releases without a job state machine and text that is no release', () => {
    expect(() => profileFor('2.11')).toThrow(UnknownReleaseError);
    expect(() => profileFor('seven')).toThrow(UnknownReleaseError);
    expect(() => profileFor('')).toThrow(UnknownReleaseError);
  });

  it('knows which commands and job types each release has', () => {
    const p212 = profileFor('2.12');
    expect(p212.commands.has('job-pause')).toBe(false);
    expect(p212.commands.has('block-job-finalize')).toBe(true);
    expect(p212.commands.has('query-jobs')).toBe(false);
    expect(profileFor('3.0').commands.has('job-pause')).toBe(true);
    expect(profileFor('3.0').commands.has('x-blockdev-create')).toBe(true);
    expect(profileFor('3.1').commands.has('x-blockdev-create')).toBe(false);
    expect(profileFor('3.1').commands.has('blockdev-create')).toBe(true);
    expect(profileFor('8.1').commands.has('block-job-change')).toBe(false);
    expect(profileFor('8.2').commands.has('block-job-change')).toBe(true);
    expect(profileFor('10.0').commands.has('job-change')).toBe(false);
    expect(profileFor('5.0').jobTypes).not.toContain('amend');
    expect(profileFor('5.1').jobTypes).toContain('amend');
    expect(profileFor('5.2').jobTypes).not.toContain('snapshot-save');
    expect(profileFor('6.0').jobTypes).toEqual(['commit', 'stream', 'mirror', 'backup', 'create', 'amend', 'snapshot-load', 'snapshot-save', 'snapshot-delete']);
    expect(profileFor('2.12').jobTypes).toEqual(['commit', 'stream', 'mirror', 'backup']);
  });
});

describe('qjob tables', () => {
  const run = (...args: string[]) => execFileSync(process.execPath, ['bin/qjob.js', 'tables', ...args], { encoding: 'utf8' });

  it('prints the JSON form for a release', () => {
    const out = JSON.parse(run('--release', '6.0', '--json'));
    expect(out.release).toBe('6.0');
    expect(out.verbTable.complete).toEqual(['ready', 'standby']);
    expect(Object.keys(out.transitions)).toEqual(STATUSES);
  });

  it('prints a readable matrix naming every status and verb', () => {
    const out = run('--release', '8.2');
    expect(out).toContain('QEMU 8.2');
    for (const s of STATUSES) expect(out).toContain(s);
    expect(out).toMatch(/change\s+\| \. x x x x x \. \. \. \. \./);
    expect(out).toMatch(/complete\s+\| \. \. \. \. x x \. \. \. \. \./);
  });

  it('exits 2 with a message, not a stack trace, for an unknown release', () => {
    let status = 0;
    let stderr = '';
    try {
      execFileSync(process.execPath, ['bin/qjob.js', 'tables', '--release', '1.7'], { encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      const e = err as { status: number; stderr: string };
      status = e.status;
      stderr = e.stderr;
    }
    expect(status).toBe(2);
    expect(stderr).toMatch(/^qjob: --release: QEMU 1\.7 has no job state machine/);
    expect(stderr).not.toMatch(/at .*\.ts:\d+/);
  });
});
