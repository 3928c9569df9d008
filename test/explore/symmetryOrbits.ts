/**
 * The symmetry check shared by symmetry.test.ts and symmetry.deep.test.ts: the states the compiled
 * engine reaches with symmetry are exactly the orbits (canonical forms) of the states it reaches without.
 */
import { expect } from 'vitest';
import { profileFor } from '../../machines/index.ts';
import { CompiledModel, makeConfig, type ExploreOptions } from '../../explore/index.ts';

/** Every state a breadth-first search reaches, as words (with symmetry: orbit representatives). */
function reach(options: ExploreOptions, symmetric: boolean): { model: CompiledModel; states: Int32Array[] } {
  const model = new CompiledModel(options);
  const seen = new Set<string>();
  const states: Int32Array[] = [];
  const add = (w: Int32Array) => {
    const k = w.join(',');
    if (!seen.has(k)) {
      seen.add(k);
      states.push(w.slice());
    }
  };
  add(model.initialWords());
  for (let i = 0; i < states.length; i++) model.expand(states[i]!, symmetric, { successor: (_c, w) => add(w), entry() {}, selfLoop() {} });
  return { model, states };
}

export function expectOrbits(jobs: number, grouped: boolean, mix: string): void {
  const options: ExploreOptions = { config: makeConfig(profileFor('10.1'), jobs, grouped, mix), alphabet: 'core' };
  const full = reach(options, false);
  const reduced = reach(options, true);
  // Canonical forms of the unreduced states, in the reduced model's local-state numbering.
  const orbits = new Set<string>();
  for (const w of full.states) {
    const c = Int32Array.from([w[0]!, ...Array.from({ length: jobs }, (_, k) => reduced.model.locals.intern(full.model.locals.at(k, w[1 + k]!)))]);
    reduced.model.symmetry.canonicalize(c, reduced.model.locals.status, reduced.model.locals.summary);
    orbits.add(c.join(','));
  }
  expect(new Set(reduced.states.map((w) => w.join(',')))).toEqual(orbits);
  expect(reduced.states.length).toBeLessThanOrEqual(full.states.length);
}
