import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { profileFor } from '../../machines/index.ts';
import { exploreCompiled, makeConfig } from '../../explore/index.ts';
import { scratchFolder } from '../support/scratch.ts';
import { figures } from './engineAgreement.ts';

const scratch = scratchFolder('qjob-explore-deep-');

// The deep suite (`npm run test:deep`): explorations too long for `npm test`.
describe('explore, on large configurations', () => {
  it('covers every JobSTT edge with no violation and no dead end for 3 grouped jobs (the default mix, full alphabet)', () => {
    const r = exploreCompiled({ config: makeConfig(profileFor('10.1'), 3, true), alphabet: 'full' });
    expect(r.complete).toBe(true);
    expect(r.edgesCovered).toBe(r.edgesTotal);
    expect(r.edgesTotal).toBe(20);
    expect(r.violations).toEqual([]);
    expect(r.deadEnds).toBe(0);
    expect(r.states).toBeGreaterThan(1_000_000);
  });

  it('finds the same in a state directory, interrupted twice and resumed, as in memory (4 grouped jobs, core alphabet)', () => {
    const options = { config: makeConfig(profileFor('10.1'), 4, true), alphabet: 'core' as const };
    const memory = exploreCompiled({ ...options, deadEnds: false });
    const dir = join(scratch.dir, 'four');
    exploreCompiled({ ...options, stateDir: dir, maxStates: 200_000 });
    exploreCompiled({ ...options, stateDir: dir, resume: true, maxStates: 900_000 });
    const resumed = exploreCompiled({ ...options, stateDir: dir, resume: true });
    expect(resumed.complete).toBe(true);
    expect(memory.states).toBeGreaterThan(1_000_000);
    expect(figures(resumed)).toEqual(figures(memory));
  });
});
