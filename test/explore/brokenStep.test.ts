/**
 * The explorer finds violations: with `step` deliberately broken (a running job's pause point takes it
 * straight to concluded, with no error and no event), the compiled engine, in memory and with a state
 * directory, and on two threads, must report the broken invariants with a shortest path that ends in
 * the broken move. A step that throws ends the exploration with its error, on two threads as on one.
 */
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type * as Machines from '../../machines/index.ts';
import { exploreCompiled, makeConfig } from '../../explore/index.ts';
import { profileFor } from '../../machines/index.ts';
import { scratchFolder } from '../support/scratch.ts';

vi.mock('../../machines/index.ts', async (importOriginal) => {
  const real = await importOriginal<typeof Machines>();
  const broken: typeof real.step = (profile, group, event) => {
    if ((globalThis as { throwingStep?: boolean }).throwingStep === true && event.type === 'internal.io-error') throw new Error('step failed');
    const out = real.step(profile, group, event);
    if (!out || event.type !== 'internal.pause-point' || (globalThis as { brokenStep?: boolean }).brokenStep !== true) return out;
    const k = group.jobs.findIndex((j) => j.id === event.id);
    if (group.jobs[k]?.status !== 'running') return out;
    const jobs = group.jobs.map((j, i) => (i === k ? { ...j, status: 'concluded' as const, error: null, force: true, cancelled: true } : j));
    return { ...out, group: { ...out.group, jobs }, events: [] };
  };
  return { ...real, step: broken };
});

const scratch = scratchFolder('qjob-broken-');
const config = makeConfig(profileFor('10.1'), 1, false, 'backup');

describe('a deliberately broken step', () => {
  it('explores cleanly while step is intact (the same configuration)', () => {
    (globalThis as { brokenStep?: boolean }).brokenStep = false;
    expect(exploreCompiled({ config, alphabet: 'core' }).violations).toEqual([]);
  });

  for (const where of ['memory', 'state directory', 'two threads'] as const) {
    it(`is reported, with a path to the broken move (${where})`, () => {
      (globalThis as { brokenStep?: boolean }).brokenStep = true;
      try {
        const r = exploreCompiled({ config, alphabet: 'core', ...(where === 'state directory' ? { stateDir: join(scratch.dir, 'run') } : {}), ...(where === 'two threads' ? { threads: 2 } : {}) });
        const ids = r.violations.map((v) => v.invariant).sort();
        // The move itself (not a JobSTT edge, no JOB_STATUS_CHANGE) and the state it leads to.
        expect(ids).toEqual(expect.arrayContaining(['force-cancelled-concludes-in-error', 'one-status-event-per-change', 'stt-legal']));
        const stt = r.violations.find((v) => v.invariant === 'stt-legal')!;
        expect(stt.path).toEqual(['internal.create j0', 'job-pause j0', 'internal.start j0', 'internal.pause-point j0']);
        expect(stt.statuses).toEqual(['running']);
        const state = r.violations.find((v) => v.invariant === 'force-cancelled-concludes-in-error')!;
        expect(state.statuses).toEqual(['concluded']);
      } finally {
        (globalThis as { brokenStep?: boolean }).brokenStep = false;
      }
    });
  }

  for (const threads of [1, 2]) {
    it(`ends with the error of a step that throws (${threads} thread${threads === 1 ? '' : 's'})`, () => {
      (globalThis as { throwingStep?: boolean }).throwingStep = true;
      try {
        expect(() => exploreCompiled({ config: makeConfig(profileFor('10.1'), 3, true), threads })).toThrow('step failed');
      } finally {
        (globalThis as { throwingStep?: boolean }).throwingStep = false;
      }
      // The next exploration is not held up by the one that failed.
      expect(exploreCompiled({ config, alphabet: 'core', threads }).complete).toBe(true);
    });
  }
});
