import { existsSync, statSync } from 'node:fs';
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { profileFor } from '../../machines/index.ts';
import { ExploreStateError, exploreCompiled, makeConfig, type ExploreProgress, type ExploreResult } from '../../explore/index.ts';
import { scratchFolder } from '../support/scratch.ts';
import { figures } from './engineAgreement.ts';

const scratch = scratchFolder('qjob-explore-');
const profile = profileFor('10.1');
const options = { config: makeConfig(profile, 3, true, 'backup'), alphabet: 'core' as const };

/** The figures a run in a state directory must share with one in memory (it computes no dead ends). */
const shared = (r: ExploreResult) => ({ ...figures(r), deadEnds: undefined, paths: r.violations.map((v) => v.path) });

describe('explore with a state directory', () => {
  it('finds what the run in memory finds, and resumes an interrupted run to the same end', () => {
    const memory = exploreCompiled(options);
    const dir = join(scratch.dir, 'interrupted');
    const part = exploreCompiled({ ...options, stateDir: dir, maxStates: 5_000 });
    expect(part.complete).toBe(false);
    expect(existsSync(join(dir, 'checkpoint.json'))).toBe(true);
    expect(statSync(join(dir, 'states.bin')).mode & 0o077).toBe(0);
    const resumed = exploreCompiled({ ...options, stateDir: dir, resume: true });
    expect(resumed.complete).toBe(true);
    expect(resumed.deadEnds).toBe(-1);
    expect(shared(resumed)).toEqual(shared(memory));
    expect(resumed.states).toBeGreaterThan(20_000);
    // A finished run resumed again only reports.
    expect(shared(exploreCompiled({ ...options, stateDir: dir, resume: true }))).toEqual(shared(memory));
  });

  it('reports a violation with the same shortest path as in memory', () => {
    const free = { ...options, config: makeConfig(profile, 2, true), urgent: 'free' as const, symmetry: false };
    const memory = exploreCompiled(free);
    const disk = exploreCompiled({ ...free, stateDir: join(scratch.dir, 'violation') });
    expect(memory.violations.length).toBeGreaterThan(0);
    expect(shared(disk)).toEqual(shared(memory));
    expect(disk.violations.map((v) => v.statuses)).toEqual(memory.violations.map((v) => v.statuses));
  });

  it('refuses a directory that holds a run, and resuming a run of another configuration or none', () => {
    const dir = join(scratch.dir, 'used');
    exploreCompiled({ ...options, stateDir: dir, maxStates: 1000 });
    expect(() => exploreCompiled({ ...options, stateDir: dir })).toThrow(ExploreStateError);
    expect(() => exploreCompiled({ ...options, alphabet: 'full', stateDir: dir, resume: true })).toThrow(/another configuration/);
    expect(() => exploreCompiled({ ...options, stateDir: join(scratch.dir, 'none'), resume: true })).toThrow(/no checkpoint/);
  });

  it('refuses a damaged checkpoint or state file with a clear error', async () => {
    const dir = join(scratch.dir, 'damaged');
    exploreCompiled({ ...options, stateDir: dir, maxStates: 3000 });
    const checkpoint = await readFile(join(dir, 'checkpoint.json'), 'utf8');
    await truncate(join(dir, 'states.bin'), 100);
    expect(() => exploreCompiled({ ...options, stateDir: dir, resume: true })).toThrow(/states\.bin: holds 7 states, the checkpoint expects/);
    for (const text of ['{', '{"version":1}', checkpoint.replace('"head":', '"head":-')]) {
      await writeFile(join(dir, 'checkpoint.json'), text);
      expect(() => exploreCompiled({ ...options, stateDir: dir, resume: true }), text.slice(0, 40)).toThrow(ExploreStateError);
    }
  });

  it('reports progress while it runs', () => {
    const seen: ExploreProgress[] = [];
    exploreCompiled({ ...options, progressIntervalMs: 0, onProgress: (p) => seen.push(p) });
    expect(seen.length).toBeGreaterThan(0);
    const last = seen.at(-1)!;
    expect(last.states).toBeGreaterThanOrEqual(last.explored);
    expect(last.depth).toBeGreaterThan(0);
  });
});
