import { describe, expect, it } from 'vitest';
import { DEFAULT_MUTANT_PATHS } from '../../cli/commands/check-mutants.ts';
import { runCheckMutants, TRACE_OPERATORS } from '../../mutants/traces/index.ts';

describe('the checker against every trace mutant of the corpus and fixtures', () => {
  it('rejects every one', async () => {
    const report = await runCheckMutants({ paths: DEFAULT_MUTANT_PATHS });
    expect(report.operators.filter((o) => o.generated === 0).map((o) => o.name)).toEqual([]);
    expect(report.total).toBeGreaterThan(TRACE_OPERATORS.length * 10);
    const byOperator = new Map<string, string[]>();
    for (const s of report.survivors) byOperator.set(s.operator, [...(byOperator.get(s.operator) ?? []), `${s.file}:${s.line}: ${s.change}`]);
    // The first three survivors of each operator: enough to reproduce, short enough to read.
    const summary = Object.fromEntries([...byOperator].map(([op, list]) => [op, { survived: list.length, first: list.slice(0, 3) }]));
    expect(summary, `${report.killed}/${report.total} killed; replay: npx qjob check-mutants`).toEqual({});
  });
});
