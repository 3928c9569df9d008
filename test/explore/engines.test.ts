import { describe, expect, it } from 'vitest';
import { profileFor } from '../../machines/index.ts';
import { exploreCompiled, exploreXstate, makeConfig, type AlphabetName, type ExploreResult, type UrgentMode } from '../../explore/index.ts';

interface Case {
  jobs: number;
  grouped: boolean;
  mix?: string;
  alphabet: AlphabetName;
  urgent: UrgentMode;
  release?: string;
}

function figures(r: ExploreResult) {
  return {
    states: r.states,
    transitions: r.transitions,
    depth: r.depth,
    edges: r.edges.map((e) => `${e.from}->${e.to}:${e.transitions}`),
    violations: r.violations.map((v) => `${v.invariant}:${v.count}`).sort(),
    deadEnds: r.deadEnds,
  };
}

function both(c: Case) {
  const config = makeConfig(profileFor(c.release ?? '10.1'), c.jobs, c.grouped, c.mix);
  const options = { config, alphabet: c.alphabet, urgent: c.urgent, symmetry: false };
  return { xstate: exploreXstate(options), compiled: exploreCompiled({ ...options, verifyClaims: true }) };
}

const name = (c: Case) => `${c.jobs} job(s) ${c.grouped ? 'grouped' : 'individual'}, mix ${c.mix ?? 'default'}, ${c.alphabet} alphabet, urgent ${c.urgent}${c.release ? `, QEMU ${c.release}` : ''}`;

describe('the compiled engine and the xstate engine', () => {
  const fast: Case[] = [
    { jobs: 1, grouped: false, mix: 'mirror:manual-finalize:manual-dismiss', alphabet: 'full', urgent: 'first' },
    { jobs: 1, grouped: false, mix: 'backup', alphabet: 'full', urgent: 'free' },
    { jobs: 1, grouped: false, mix: 'create', alphabet: 'full', urgent: 'first', release: '7.2' },
    { jobs: 1, grouped: false, mix: 'mirror', alphabet: 'full', urgent: 'first', release: '5.2' },
    { jobs: 2, grouped: true, alphabet: 'core', urgent: 'first' },
    { jobs: 2, grouped: true, alphabet: 'core', urgent: 'free' },
    { jobs: 2, grouped: false, mix: 'backup:manual-dismiss', alphabet: 'core', urgent: 'first' },
  ];
  for (const c of fast) {
    it(`agree on every figure: ${name(c)}`, () => {
      const { xstate, compiled } = both(c);
      expect(xstate.states).toBeGreaterThan(10);
      expect(figures(compiled)).toEqual(figures(xstate));
    }, 300_000);
  }

  it(`agree on every figure with 3 jobs: ${name({ jobs: 3, grouped: true, mix: 'backup', alphabet: 'core', urgent: 'first' })}`, () => {
    const { xstate, compiled } = both({ jobs: 3, grouped: true, mix: 'backup', alphabet: 'core', urgent: 'first' });
    expect(xstate.states).toBeGreaterThan(10_000);
    expect(figures(compiled)).toEqual(figures(xstate));
  }, 900_000);

  it('agree with 2 grouped backups on the full alphabet (drains, io-error stop, set-speed)', () => {
    const { xstate, compiled } = both({ jobs: 2, grouped: true, mix: 'backup', alphabet: 'full', urgent: 'first' });
    expect(figures(compiled)).toEqual(figures(xstate));
  }, 900_000);
});
