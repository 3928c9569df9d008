import { expect, it } from 'vitest';
import { qemuTarget } from '../../targets/index.ts';
import { formatVerifyText, verify } from '../../verify/index.ts';
import { describeQemu, RELEASES } from '../support/qemu.ts';

/**
 * `npm test`'s share of verify against real QEMU: one fixed seed and few runs per release (about 10 s
 * each). The deep suite (qemu.deep.test.ts) runs more seeds and runs, and asks for more coverage.
 */
const SEED = 42;
const RUNS = 20;

for (const release of RELEASES) {
  describeQemu(release, (qemu) => {
    it(`conforms in ${RUNS} random scenarios (seed ${SEED}) and reaches at least 35 (status, verb) cells`, async () => {
      const report = await verify({ target: qemuTarget({ binary: qemu.path, name: `qemu:${release}` }), targetSpec: `qemu:${release}`, runs: RUNS, seed: SEED, failureDir: null });
      expect(report.failures, formatVerifyText(report)).toEqual([]);
      expect(report.release).toBe(release);
      expect(report.coverage.cells.length, formatVerifyText(report)).toBeGreaterThanOrEqual(35);
    }, 120_000);
  });
}
