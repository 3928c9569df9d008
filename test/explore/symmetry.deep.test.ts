import { describe, it } from 'vitest';
import { expectOrbits } from './symmetryOrbits.ts';

// The deep suite (`npm run test:deep`): symmetry on the larger groups.
const cases: [number, boolean, string][] = [
  [3, true, 'mirror:manual-finalize:manual-dismiss,backup'],
  [3, false, 'backup:manual-finalize:manual-dismiss'],
];

describe('symmetry reduction, on larger groups', () => {
  for (const [jobs, grouped, mix] of cases) {
    it(`explores exactly the orbits of the unreduced space: ${jobs} jobs ${grouped ? 'grouped' : 'individual'}, ${mix}`, () => {
      expectOrbits(jobs, grouped, mix);
    });
  }
});
