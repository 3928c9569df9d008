import { describe, expect, it } from 'vitest';
import { profileFor } from '../../machines/index.ts';
import { exploreCompiled, makeConfig } from '../../explore/index.ts';
import { expectOrbits } from './symmetryOrbits.ts';

// Larger groups (3 grouped with a mirror, 3 individual with manual flags) are in symmetry.deep.test.ts.
const cases: [number, boolean, string][] = [
  [2, false, 'backup'],
  [3, false, 'backup'],
  [3, true, 'backup'],
];

describe('symmetry reduction', () => {
  for (const [jobs, grouped, mix] of cases) {
    it(`explores exactly the orbits of the unreduced space: ${jobs} jobs ${grouped ? 'grouped' : 'individual'}, ${mix}`, () => {
      expectOrbits(jobs, grouped, mix);
    });
  }

  it('keeps edge coverage, violations and dead ends', () => {
    const config = makeConfig(profileFor('10.1'), 3, false, 'backup');
    const plain = exploreCompiled({ config, alphabet: 'core', symmetry: false });
    const reduced = exploreCompiled({ config, alphabet: 'core', symmetry: true });
    expect(reduced.symmetry).toBe(true);
    expect(reduced.states).toBeLessThan(plain.states / 3);
    expect(reduced.edges.map((e) => e.transitions > 0)).toEqual(plain.edges.map((e) => e.transitions > 0));
    expect(reduced.violations.map((v) => v.invariant)).toEqual(plain.violations.map((v) => v.invariant));
    expect(reduced.deadEnds === 0).toBe(plain.deadEnds === 0);
  });
});
