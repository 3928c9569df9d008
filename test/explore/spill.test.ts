import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { profileFor } from '../../machines/index.ts';
import { ExploreStateError, exploreCompiled, makeConfig, type ExploreResult } from '../../explore/index.ts';
import { runQjob } from '../support/cli.ts';
import { scratchFolder } from '../support/scratch.ts';
import { figures } from './engineAgreement.ts';

const scratch = scratchFolder('qjob-explore-spill-');
const profile = profileFor('10.1');
/** The smallest bound (raised to about 340 KiB): the set moves to disk every ten thousand states or so. */
const TINY = 0.25;

/** The figures a bounded run must share with one in memory (a state directory computes no dead ends). */
const shared = (r: ExploreResult) => ({
  ...figures(r),
  deadEnds: undefined,
  invariantsChecked: r.invariantsChecked,
  edgesCovered: r.edgesCovered,
  paths: r.violations.map((v) => v.path),
});

describe('explore with a memory bound', () => {
  it('3 grouped jobs, core alphabet: the figures of the run in memory', () => {
    const options = { config: makeConfig(profile, 3, true), alphabet: 'core' as const };
    const memory = exploreCompiled(options);
    const dir = join(scratch.dir, 'three');
    const bounded = exploreCompiled({ ...options, stateDir: dir, memoryMiB: TINY });
    expect(shared(bounded)).toEqual(shared(memory));
    // Most states seen went to the sorted file (n + 1 16-bit words each, every state once).
    const spilled = statSync(join(dir, 'seen.bin')).size / (4 * 2);
    expect(spilled).toBeGreaterThan(memory.states / 2);
    expect(spilled).toBeLessThanOrEqual(memory.states);
    expect(statSync(join(dir, 'seen.bin')).mode & 0o077).toBe(0);
  });

  it('4 grouped jobs, core alphabet: the figures of the run in memory', () => {
    const options = { config: makeConfig(profile, 4, true), alphabet: 'core' as const, deadEnds: false };
    const memory = exploreCompiled(options);
    expect([memory.states, memory.transitions]).toEqual([1_580_208, 16_020_160]);
    const dir = join(scratch.dir, 'four');
    const bounded = exploreCompiled({ ...options, stateDir: dir, memoryMiB: 1 });
    expect(shared(bounded)).toEqual(shared(memory));
    expect(statSync(join(dir, 'seen.bin')).size / (5 * 2)).toBeGreaterThan(memory.states * 0.9);
  }, 120_000);

  it('urgent events free: the same violations, each with a valid shortest path', () => {
    const free = { config: makeConfig(profile, 3, true), alphabet: 'core' as const, urgent: 'free' as const, symmetry: false };
    const memory = exploreCompiled(free);
    const bounded = exploreCompiled({ ...free, stateDir: join(scratch.dir, 'violation'), memoryMiB: TINY / 4 });
    expect(memory.violations.length).toBeGreaterThan(0);
    expect(shared(bounded)).toEqual(shared(memory));
    expect(bounded.violations.map((v) => v.statuses)).toEqual(memory.violations.map((v) => v.statuses));
    // The paths are the shortest ones the run in memory reports (compared in `shared`), and lead somewhere.
    for (const v of bounded.violations) expect(v.path.length).toBeGreaterThan(0);
  });

  it('resumes an interrupted bounded run to the same end, with or without the bound', () => {
    const options = { config: makeConfig(profile, 3, true, 'backup'), alphabet: 'core' as const };
    const memory = exploreCompiled(options);
    const dir = join(scratch.dir, 'interrupted');
    const part = exploreCompiled({ ...options, stateDir: dir, memoryMiB: TINY, maxStates: 5_000, checkpointSeconds: 0 });
    expect(part.complete).toBe(false);
    const resumed = exploreCompiled({ ...options, stateDir: dir, resume: true, memoryMiB: TINY });
    expect(resumed.complete).toBe(true);
    expect(shared(resumed)).toEqual(shared(memory));
    expect(shared(exploreCompiled({ ...options, stateDir: dir, resume: true }))).toEqual(shared(memory));
    // A run without the bound resumed with one.
    const plain = join(scratch.dir, 'plain');
    exploreCompiled({ ...options, stateDir: plain, maxStates: 5_000 });
    expect(shared(exploreCompiled({ ...options, stateDir: plain, resume: true, memoryMiB: TINY }))).toEqual(shared(memory));
  });

  it('needs a state directory', async () => {
    const options = { config: makeConfig(profile, 1, false), memoryMiB: 1 };
    expect(() => exploreCompiled(options)).toThrow(ExploreStateError);
    const { code, err } = await runQjob('explore', '--jobs', '1', '--memory', '1');
    expect(code).toBe(2);
    expect(err).toMatch(/--memory needs --state-dir/);
    const bad = await runQjob('explore', '--jobs', '1', '--memory', '0', '--state-dir', join(scratch.dir, 'bad'));
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--memory: expected a whole number/);
    expect(existsSync(join(scratch.dir, 'bad', 'checkpoint.json'))).toBe(false);
  });
});
