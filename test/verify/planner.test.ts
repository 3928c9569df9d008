import { describe, expect, it } from 'vitest';
import type { Action } from '../../verify/actions.ts';
import { controlledEnv, planScenario, type VerifyEnv } from '../../verify/index.ts';

const env = controlledEnv('7.2');
const steps = (actions: Action[], e: VerifyEnv = env) => planScenario(actions, e).scenario.steps;
const create = (over: Partial<Extract<Action, { kind: 'create' }>>): Action => ({
  kind: 'create',
  job: 'backup',
  autoFinalize: true,
  autoDismiss: true,
  held: false,
  fault: null,
  failing: false,
  writeBlocking: false,
  ...over,
});

describe('the verify planner', () => {
  it('waits for what a job does by itself after the reply', () => {
    expect(steps([create({ job: 'mirror' })])).toEqual([
      { cmd: 'blockdev-mirror', args: { 'job-id': 'm0', device: 'src0', target: 'dst0', sync: 'full', 'auto-finalize': true, 'auto-dismiss': true } },
      { wait: 'JOB_STATUS_CHANGE', data: { id: 'm0', status: 'ready' }, timeout: 10 },
    ]);
  });

  it("waits from the last status that does not repeat, so a drain's paused is not taken for an error's", () => {
    const s = steps([create({ fault: { node: 'eio', policy: 'stop' } })]);
    expect(s[0]).toMatchObject({ cmd: 'blockdev-backup', args: { target: 'bad', 'on-target-error': 'stop' } });
    expect(s.slice(1)).toEqual([
      { wait: 'JOB_STATUS_CHANGE', data: { id: 'j0', status: 'paused' }, timeout: 10 },
      { wait: 'JOB_STATUS_CHANGE', data: { id: 'j0', status: 'running' }, timeout: 10 },
      { wait: 'JOB_STATUS_CHANGE', data: { id: 'j0', status: 'paused' }, timeout: 10 },
    ]);
  });

  it('hands each job nodes no other live job uses, and frees them when the job is gone', () => {
    const s = steps([create({ held: true }), create({ held: true }), create({}), create({ held: true })]);
    const targets = s.flatMap((x) => ('cmd' in x ? [x.args?.['target']] : []));
    expect(targets).toEqual(['dst0', 'dst1', 'dst2', 'dst2']);
  });

  it('keeps a grouped transaction that fails in prepare to one created job (QEMU hangs with two)', () => {
    const s = steps([{ kind: 'txn', grouped: true, members: [{ held: true, autoFinalize: true, autoDismiss: true }, { held: false, autoFinalize: true, autoDismiss: true }], failMember: null, failPrepare: true }]);
    const actions = (s[0] as unknown as { args: { actions: { data: { target: string } }[] } }).args.actions;
    expect(actions.map((a) => a.data.target)).toEqual(['dst0', 'nosuch']);
  });

  it('keeps the model reply of each job-creating command for the runner to compare', () => {
    const plan = planScenario([create({ held: true }), { kind: 'bad-create', problem: 'busy-target', mirror: false, pick: 0 }], env);
    expect([...plan.creators.values()]).toEqual([null, { class: 'GenericError', desc: "Node 'dst0' is busy: block device is in use by block job: backup" }]);
  });

  it('cleans up after itself on a server that outlives the session', () => {
    const shared: VerifyEnv = { ...env, setup: undefined, persistent: true, idPrefix: 'v', faults: {}, createFiles: false };
    const s = steps([create({ held: true, autoDismiss: false })], shared);
    expect(s.filter((x) => 'cmd' in x).map((x) => ('cmd' in x ? x.cmd : ''))).toEqual(['blockdev-backup', 'job-cancel', 'job-dismiss']);
  });
});
