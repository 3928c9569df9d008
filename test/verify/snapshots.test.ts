/** verify on a qemu-system target: snapshot actions are planned from the model, run, and a wrong snapshot reply is caught. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { modelTarget } from '../../server/index.ts';
import { parseTarget } from '../../targets/index.ts';
import { actionsArbitrary, controlledEnv, formatVerifyText, planScenario, verify, type Action } from '../../verify/index.ts';
import { describeQemuSystem, SYSTEM_RELEASES } from '../support/qemu.ts';

const SEED = 42;
const RUNS = 10;

function commands(actions: readonly Action[], snapshots: boolean): string[] {
  const plan = planScenario(actions, controlledEnv('7.2', { snapshots }));
  return plan.scenario.steps.flatMap((s) => ('cmd' in s ? [s.cmd] : []));
}

describe('verify: snapshot actions', () => {
  const save: Action = { kind: 'snapshot', op: 'save', tag: 0, failing: 'none', dismiss: true };

  it('plans snapshot-save on the qcow2 nodes, waits for concluded, and dismisses when asked', () => {
    const plan = planScenario([save], controlledEnv('7.2', { snapshots: true }));
    expect(plan.scenario.steps).toEqual([
      { cmd: 'snapshot-save', args: { 'job-id': 'v0', tag: 't0', vmstate: 'vm', devices: ['vm', 'disk'] } },
      { wait: 'JOB_STATUS_CHANGE', data: { id: 'v0', status: 'concluded' }, timeout: 10 },
      { cmd: 'job-dismiss', args: { id: 'v0' } },
      { wait: 'JOB_STATUS_CHANGE', data: { id: 'v0', status: 'null' }, timeout: 10 },
    ]);
    expect(plan.scenario.setup?.some((s) => 'blockdev' in s && s.blockdev['node-name'] === 'vm')).toBe(true);
  });

  it('plans nothing for a snapshot action on a target without snapshot jobs', () => {
    expect(commands([save], false)).toEqual(['query-jobs']);
  });

  it('generates snapshot actions only for a qemu-system, leaving the other targets\' scenarios as they were', () => {
    const plain = fc.sample(actionsArbitrary({ maxActions: 20 }), { seed: SEED, numRuns: 30 });
    const withSnapshots = fc.sample(actionsArbitrary({ maxActions: 20, snapshots: true }), { seed: SEED, numRuns: 30 });
    expect(plain.flat().some((a) => a.kind === 'snapshot')).toBe(false);
    const ops = new Set(withSnapshots.flatMap((actions) => commands(actions, true)).filter((c) => c.startsWith('snapshot-')));
    expect([...ops].sort()).toEqual(['snapshot-delete', 'snapshot-load', 'snapshot-save']);
  });

  it(`passes on model-system:7.2 (seed ${SEED}), and catches a model whose snapshot-delete fails`, async () => {
    const good = await verify({ target: parseTarget('model-system:7.2'), targetSpec: 'model-system:7.2', runs: RUNS, seed: SEED, failureDir: null });
    expect(good.failures, formatVerifyText(good)).toEqual([]);
    const broken = modelTarget({
      release: '7.2',
      system: true,
      name: 'model-system:7.2',
      hooks: { reply: (command, _args, error) => (command === 'snapshot-delete' ? { class: 'GenericError', desc: 'broken' } : error) },
    });
    const bad = await verify({ target: broken, targetSpec: 'model-system:7.2', env: controlledEnv('7.2', { snapshots: true }), runs: RUNS, seed: SEED, failureDir: null, shrinkBudgetMs: 2000 });
    expect(bad.failures.length).toBeGreaterThan(0);
  }, 60_000);
});

for (const release of SYSTEM_RELEASES) {
  describeQemuSystem(release, () => {
    it(`conforms in ${RUNS} random scenarios with snapshot jobs (seed ${SEED}), as the model does`, async () => {
      const report = await verify({ target: parseTarget(`qemu-system:${release}`), targetSpec: `qemu-system:${release}`, runs: RUNS, seed: SEED, failureDir: null });
      expect(report.failures, formatVerifyText(report)).toEqual([]);
      expect(report.release).toBe(release);
    }, 180_000);
  });
}
