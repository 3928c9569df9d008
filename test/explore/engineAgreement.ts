/**
 * Runs both engines on one configuration and reduces each result to the figures they must agree on:
 * states, transitions, depth, per-edge transition counts, violation counts and dead ends. Shared by
 * engines.test.ts (small configurations) and engines.deep.test.ts (large ones).
 */
import { profileFor } from '../../machines/index.ts';
import { exploreCompiled, exploreXstate, makeConfig, type AlphabetName, type ExploreResult, type UrgentMode } from '../../explore/index.ts';

export interface Case {
  readonly jobs: number;
  readonly grouped: boolean;
  readonly mix?: string;
  readonly alphabet: AlphabetName;
  readonly urgent: UrgentMode;
  readonly release?: string;
}

export function figures(r: ExploreResult) {
  return {
    states: r.states,
    transitions: r.transitions,
    depth: r.depth,
    edges: r.edges.map((e) => `${e.from}->${e.to}:${e.transitions}`),
    violations: r.violations.map((v) => `${v.invariant}:${v.count}`).sort(),
    deadEnds: r.deadEnds,
  };
}

/** Both engines without symmetry (so both count the same states), the compiled one checking its claims against step. */
export function both(c: Case): { xstate: ExploreResult; compiled: ExploreResult } {
  const config = makeConfig(profileFor(c.release ?? '10.1'), c.jobs, c.grouped, c.mix);
  const options = { config, alphabet: c.alphabet, urgent: c.urgent, symmetry: false };
  return { xstate: exploreXstate(options), compiled: exploreCompiled({ ...options, verifyClaims: true }) };
}

export const caseName = (c: Case) =>
  `${c.jobs} job(s) ${c.grouped ? 'grouped' : 'individual'}, mix ${c.mix ?? 'default'}, ${c.alphabet} alphabet, urgent ${c.urgent}${c.release ? `, QEMU ${c.release}` : ''}`;
