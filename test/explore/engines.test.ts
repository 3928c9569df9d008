import { describe, expect, it } from 'vitest';
import { both, caseName, figures, type Case } from './engineAgreement.ts';

// Small configurations, explored exhaustively on every `npm test`; the large ones are in engines.deep.test.ts.
describe('the compiled engine and the xstate engine', () => {
  const cases: Case[] = [
    { jobs: 1, grouped: false, mix: 'mirror:manual-finalize:manual-dismiss', alphabet: 'full', urgent: 'first' },
    { jobs: 1, grouped: false, mix: 'backup', alphabet: 'full', urgent: 'free' },
    { jobs: 1, grouped: false, mix: 'create', alphabet: 'full', urgent: 'first', release: '7.2' },
    { jobs: 1, grouped: false, mix: 'mirror', alphabet: 'full', urgent: 'first', release: '5.2' },
    { jobs: 2, grouped: true, alphabet: 'core', urgent: 'first' },
    { jobs: 2, grouped: true, alphabet: 'core', urgent: 'free' },
    { jobs: 2, grouped: false, mix: 'backup:manual-dismiss', alphabet: 'core', urgent: 'first' },
  ];
  for (const c of cases) {
    it(`agree on every figure: ${caseName(c)}`, () => {
      const { xstate, compiled } = both(c);
      expect(xstate.states).toBeGreaterThan(10);
      expect(figures(compiled)).toEqual(figures(xstate));
    }, 120_000);
  }
});
