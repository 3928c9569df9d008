import { expect, it } from 'vitest';
import { qemuTarget } from '../../targets/index.ts';
import { formatVerifyText, verify } from '../../verify/index.ts';
import { describeQemu, RELEASES } from '../support/qemu.ts';

/** The long run of verify against real QEMU: several fixed seeds, enough runs to reach the (status, verb) cells QEMU lets a client hold. */
const SEEDS = [42, 7, 1, 2, 3] as const;
const RUNS = 60;

for (const release of RELEASES) {
  describeQemu(release, (qemu) => {
    for (const seed of SEEDS) {
      it(`conforms in ${RUNS} random scenarios (seed ${seed}) and reaches at least 40 (status, verb) cells`, async () => {
        const report = await verify({ target: qemuTarget({ binary: qemu.path, name: `qemu:${release}` }), targetSpec: `qemu:${release}`, runs: RUNS, seed, failureDir: null });
        expect(report.failures, formatVerifyText(report)).toEqual([]);
        expect(report.release).toBe(release);
        expect(report.coverage.cells.length, formatVerifyText(report)).toBeGreaterThanOrEqual(40);
        if (release === '10.0' || release === '11.1') expect(report.coverage.cells.some(([, verb]) => verb === 'change')).toBe(true);
      }, 300_000);
    }
  });
}
