import { describe, expect, it } from 'vitest';
import { MUTANTS, runMutants } from '../../mutants/index.ts';

describe('the mutants of the reference server', () => {
  it('are at least 30 plausible bugs, each with its own id and description', () => {
    expect(MUTANTS.length).toBeGreaterThanOrEqual(30);
    expect(new Set(MUTANTS.map((m) => m.id)).size).toBe(MUTANTS.length);
    for (const m of MUTANTS) expect(m.description.length).toBeGreaterThan(10);
  });

  it('are every one killed by the conformance suite, which passes the reference server', async () => {
    const report = await runMutants();
    expect(report.baseline.filter((b) => !b.ok)).toEqual([]);
    expect(report.results.filter((r) => !r.killed).map((r) => r.id)).toEqual([]);
    expect(report.killed).toBe(MUTANTS.length);
  }, 300_000);
});
