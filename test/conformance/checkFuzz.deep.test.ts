/** The long run of the check fuzzer: 100,000 broken sessions. */
import { describe, it } from 'vitest';
import { fuzzCheck } from './support/checkFuzz.ts';

const SEED = Number(process.env['QJOB_FUZZ_SEED'] ?? 20261205);

describe('check on hostile input, long run', () => {
  it(`gives a verdict or a TraceInputError naming a line, for 100,000 broken sessions (seed ${SEED})`, async () => {
    await fuzzCheck(100_000, SEED);
  });
});
