import { describe, expect, it } from 'vitest';
import { both, caseName, figures, type Case } from './engineAgreement.ts';

// The deep suite (`npm run test:deep`): the engines' agreement on configurations too large for `npm test`.
describe('the compiled engine and the xstate engine, on large configurations', () => {
  const cases: { c: Case; atLeast: number }[] = [
    { c: { jobs: 3, grouped: true, mix: 'backup', alphabet: 'core', urgent: 'first' }, atLeast: 10_000 },
    { c: { jobs: 2, grouped: true, mix: 'backup', alphabet: 'full', urgent: 'first' }, atLeast: 1_000 },
    { c: { jobs: 2, grouped: false, alphabet: 'core', urgent: 'first' }, atLeast: 10_000 },
    { c: { jobs: 2, grouped: true, mix: 'backup', alphabet: 'full', urgent: 'free', release: '7.2' }, atLeast: 1_000 },
  ];
  for (const { c, atLeast } of cases) {
    it(`agree on every figure: ${caseName(c)}`, () => {
      const { xstate, compiled } = both(c);
      expect(xstate.states).toBeGreaterThan(atLeast);
      expect(figures(compiled)).toEqual(figures(xstate));
    });
  }
});
