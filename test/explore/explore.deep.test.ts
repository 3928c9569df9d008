import { describe, expect, it } from 'vitest';
import { profileFor } from '../../machines/index.ts';
import { exploreCompiled, makeConfig } from '../../explore/index.ts';

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
});
