import { expect, it } from 'vitest';
import { qemuTarget } from '../../targets/index.ts';
import { formatVerifyText, verify } from '../../verify/index.ts';
import { describeQemu, RELEASES } from '../support/qemu.ts';

/** The CI run of the issue: a fixed seed, enough runs to reach the (status, verb) cells QEMU lets a client hold. */
const SEED = 42;
const RUNS = 60;

for (const release of RELEASES) {
  describeQemu(release, (qemu) => {
    it(`conforms in ${RUNS} random scenarios (seed ${SEED}) and reaches at least 40 (status, verb) cells`, async () => {
      const report = await verify({ target: qemuTarget({ binary: qemu.path, name: `qemu:${release}` }), targetSpec: `qemu:${release}`, runs: RUNS, seed: SEED, failureDir: null });
      expect(report.failures, formatVerifyText(report)).toEqual([]);
      expect(report.release).toBe(release);
      expect(report.coverage.cells.length).toBeGreaterThanOrEqual(40);
      if (release === '10.0') expect(report.coverage.cells.some(([, verb]) => verb === 'change')).toBe(true);
    }, 300_000);
  });
}
