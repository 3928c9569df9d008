/**
 * A model path as a scenario (traces/scenario.ts) that `qjob verify` and `qjob replay` can run on a
 * real target: the creating command for the members' creation and start (a transaction for a group or
 * a failed preparation), the path's commands, and a wait for every status a job reaches by itself.
 * Jobs are created throttled (speed SLOW) so they stay running while commands are sent; the step
 * where the model lets a job converge or finish becomes `block-job-set-speed 0` and a wait.
 */
import type { GroupContext, JobInput } from '../machines/index.ts';
import type { SetupStep } from '../traces/format.ts';
import type { Scenario, ScenarioStep } from '../traces/scenario.ts';
import type { ExploreConfig } from './config.ts';
import type { ModelPath } from './paths.ts';

/** 1 MiB/s over 64 MiB: a job held in running for about a minute. */
export const SLOW = 1048576;
const SIZE = 64 * 1024 * 1024;

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
}

/** Whether a client can create these members with one command: one mirror or backup, or a transaction of backups. */
export function drivable(config: ExploreConfig): string | undefined {
  const { inputs } = config;
  if (inputs.length === 1 && !config.grouped && (inputs[0]!.type === 'mirror' || inputs[0]!.type === 'backup')) return undefined;
  if (inputs.every((i) => i.type === 'backup')) return undefined;
  return 'a scenario creates one mirror or backup with one command, or backups with one transaction: use --mix backup for groups';
}

function nodes(n: number): SetupStep[] {
  const out: SetupStep[] = [];
  for (let k = 0; k < n; k++) {
    out.push({ blockdev: { driver: 'null-co', 'node-name': `src${k}`, size: SIZE } });
    out.push({ blockdev: { driver: 'null-co', 'node-name': `dst${k}`, size: SIZE } });
  }
  return out;
}

function jobArgs(input: JobInput, k: number): Record<string, unknown> {
  return {
    'job-id': input.id,
    device: `src${k}`,
    target: `dst${k}`,
    sync: 'full',
    speed: SLOW,
    ...(input.autoFinalize === false ? { 'auto-finalize': false } : {}),
    ...(input.autoDismiss === false ? { 'auto-dismiss': false } : {}),
  };
}

const status = (id: string, s: string): ScenarioStep => ({ wait: 'JOB_STATUS_CHANGE', data: { id, status: s }, timeout: 30 });

/** The scenario of a path, named `name`. */
export function toScenario(config: ExploreConfig, path: ModelPath, name: string): Scenario {
  const why = drivable(config);
  if (why) throw new ScenarioError(why);
  const ids = config.inputs.map((i) => i.id);
  const steps: ScenarioStep[] = [];
  const slow = ids.map(() => true);
  let created = false;
  let before: GroupContext | undefined;
  const prepareFails = path.steps.some((s) => s.template.label === 'internal.prepare-fail');
  const waitChanges = (from: GroupContext | undefined, to: GroupContext) => {
    to.jobs.forEach((j, k) => {
      if (from && from.jobs[k]!.status !== j.status && j.status !== 'undefined') steps.push(status(j.id, j.status));
    });
  };
  for (const st of path.steps) {
    const label = st.template.label;
    if (label === 'internal.create' || label === 'internal.start' || label === 'internal.prepare-fail') {
      if (!created) {
        created = true;
        const direct = config.inputs.length === 1 && !config.grouped && !prepareFails;
        if (direct) {
          const input = config.inputs[0]!;
          steps.push({ cmd: input.type === 'mirror' ? 'blockdev-mirror' : 'blockdev-backup', args: jobArgs(input, 0) });
        } else {
          const actions: Record<string, unknown>[] = config.inputs.map((input, k) => ({ type: 'blockdev-backup', data: jobArgs(input, k) }));
          if (prepareFails) actions.push({ type: 'blockdev-backup', data: { 'job-id': 'failing', device: 'src0', target: 'no-such-node', sync: 'full' } });
          steps.push({ cmd: 'transaction', args: config.grouped ? { actions, properties: { 'completion-mode': 'grouped' } } : { actions } });
        }
      }
      // Creation and start happen inside the command; its status events are waited for once it is done.
      continue;
    }
    if (before === undefined) {
      // The creating command has run: wait for every member's status so far.
      const done = path.steps[path.steps.indexOf(st) - 1]?.after;
      if (done) done.jobs.forEach((j) => j.status !== 'undefined' && steps.push(status(j.id, j.status)));
      before = done;
    }
    const k = st.member;
    const id = k >= 0 ? ids[k]! : '';
    if (st.template.isCommand) {
      const e = st.event as { type: string; force?: boolean; speed?: number; jobType?: string; copyMode?: string };
      const idArg = e.type.startsWith('job-') || ['block-job-finalize', 'block-job-dismiss', 'block-job-change'].includes(e.type) ? 'id' : 'device';
      const args: Record<string, unknown> = { [idArg]: id };
      if (e.force) args['force'] = true;
      if (e.speed !== undefined) args['speed'] = e.speed;
      if (e.jobType !== undefined) args['type'] = e.jobType;
      if (e.copyMode !== undefined) args['copy-mode'] = e.copyMode;
      steps.push({ cmd: e.type, args });
    } else if ((label === 'internal.ready' || label === 'internal.run-returned') && slow[k] && !before?.jobs[k]!.cancelled) {
      slow[k] = false;
      steps.push({ cmd: 'block-job-set-speed', args: { device: id, speed: 0 } });
    }
    waitChanges(before, st.after);
    before = st.after;
  }
  if (before === undefined && path.steps.length > 0) {
    const last = path.steps[path.steps.length - 1]!.after;
    last.jobs.forEach((j) => j.status !== 'undefined' && steps.push(status(j.id, j.status)));
  }
  return {
    name,
    desc: `model path to ${path.goal}: ${path.steps.map((s) => (s.member < 0 ? s.template.label : `${s.template.label} ${ids[s.member]}`)).join(', ')}`,
    minRelease: '3.0',
    setup: nodes(config.inputs.length),
    steps,
  };
}
