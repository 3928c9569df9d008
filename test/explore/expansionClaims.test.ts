/**
 * The claims the compiled engine's expansion relies on (alphabet.ts): an abort changes every other
 * member by that member's own context alone, whichever event starts it (the abort image), and the
 * `alone` transaction events change their own member only. They hold on the real model across
 * releases (checked against `step` at every use with verifyClaims, the figures unchanged), and a step
 * broken to contradict one is caught.
 */
import { describe, expect, it, vi } from 'vitest';
import type * as Machines from '../../machines/index.ts';
import { exploreCompiled, makeConfig, type ExploreOptions, type ExploreResult } from '../../explore/index.ts';
import { profileFor } from '../../machines/index.ts';

type Broken = 'abort' | 'alone' | undefined;
const broken = (): Broken => (globalThis as { brokenClaim?: Broken }).brokenClaim;

vi.mock('../../machines/index.ts', async (importOriginal) => {
  const real = await importOriginal<typeof Machines>();
  const step: typeof real.step = (profile, group, event) => {
    const out = real.step(profile, group, event);
    if (!out || !('id' in event)) return out;
    const i = group.jobs.findIndex((j) => j.id === event.id);
    // internal.shutdown's abort leaves the other members as they were (job-cancel's cancels them).
    if (broken() === 'abort' && event.type === 'internal.shutdown' && out.group.aborting && !group.aborting) {
      const jobs = out.group.jobs.map((j, k) => (k === i ? j : group.jobs[k]!));
      return { ...out, group: { ...out.group, jobs } };
    }
    // internal.start pauses the other members that are still created.
    if (broken() === 'alone' && event.type === 'internal.start') {
      const jobs = out.group.jobs.map((j, k) => (k !== i && j.status === 'created' ? { ...j, userPaused: true } : j));
      return { ...out, group: { ...out.group, jobs } };
    }
    return out;
  };
  return { ...real, step };
});

function exploreBroken(claim: Broken, options: ExploreOptions): ExploreResult {
  (globalThis as { brokenClaim?: Broken }).brokenClaim = claim;
  try {
    return exploreCompiled(options);
  } finally {
    (globalThis as { brokenClaim?: Broken }).brokenClaim = undefined;
  }
}

const withoutTimes = (r: ExploreResult) => ({ ...r, seconds: 0, statesPerSecond: 0 });

describe('the expansion claims', () => {
  const releases = ['2.12', '3.0', '6.1', '6.2', '7.2', '8.2', '10.1'];
  const shapes: [number, string | undefined, 'full' | 'core'][] = [
    [2, undefined, 'full'],
    [3, 'backup', 'core'],
  ];
  for (const release of releases) {
    for (const [jobs, mix, alphabet] of shapes) {
      it(`hold on QEMU ${release}, ${jobs} jobs grouped, ${alphabet} alphabet: every use checked against step, the same figures`, () => {
        const config = makeConfig(profileFor(release), jobs, true, mix);
        const checked = exploreCompiled({ config, alphabet, verifyClaims: true });
        expect(checked.states).toBeGreaterThan(100);
        expect(withoutTimes(checked)).toEqual(withoutTimes(exploreCompiled({ config, alphabet })));
      }, 120_000);
    }
  }

  const config = makeConfig(profileFor('10.1'), 2, true, 'backup');

  it('explore cleanly while step is intact (the configuration of the broken ones)', () => {
    expect(exploreBroken(undefined, { config, alphabet: 'core', verifyClaims: true }).states).toBeGreaterThan(100);
  });

  it('catch an abort that changes another member otherwise than other aborts do', () => {
    expect(() => exploreBroken('abort', { config, alphabet: 'core', verifyClaims: true })).toThrow(/abort claim broken: internal\.shutdown on j\d changes j\d/);
  });

  for (const verifyClaims of [false, true]) {
    it(`catch an \`alone\` event that changes another member${verifyClaims ? ' (verifyClaims)' : ''}`, () => {
      expect(() => exploreBroken('alone', { config, alphabet: 'core', verifyClaims })).toThrow(/alone claim broken: internal\.start on j\d changed j\d/);
    });
  }
});
