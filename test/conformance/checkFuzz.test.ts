/** A short run of the check fuzzer (test/conformance/support/checkFuzz.ts); the deep suite runs 100,000. */
import { describe, expect, it } from 'vitest';
import { applyEdits, CORPUS_SIZES, fuzzCheck } from './support/checkFuzz.ts';

const SEED = Number(process.env['QJOB_FUZZ_SEED'] ?? 20261204);

describe('check on hostile input', () => {
  it('has sessions to break', () => {
    expect(CORPUS_SIZES.wire).toBeGreaterThan(50);
    expect(CORPUS_SIZES.logs).toBeGreaterThan(3);
  });

  it('edits what it is asked to', () => {
    const lines = ['{"dir": "recv", "t": 1, "msg": {"event": "JOB_STATUS_CHANGE", "data": {"id": "j0", "status": "running"}}}', 'b'];
    expect(applyEdits(lines, [{ kind: 'delete', at: 1 }])).toEqual([lines[0]]);
    expect(applyEdits(lines, [{ kind: 'swap', at: 0 }])).toEqual(['b', lines[0]]);
    expect(applyEdits(lines, [{ kind: 'cut', at: 0, keep: 5 }])[0]).toBe('{"dir');
    expect(applyEdits(lines, [{ kind: 'set', at: 0, pick: 0, value: null }])[0]).toContain('null');
  });

  it(`gives a verdict or a TraceInputError naming a line, for 3,000 broken sessions (seed ${SEED})`, async () => {
    await fuzzCheck(3000, SEED);
  }, 120_000);
});
