import { transition } from 'xstate';
import { describe, expect, it } from 'vitest';
import {
  createGroupContext,
  createJobMachine,
  JobErrors,
  JobStatus,
  profileFor,
  step,
  verbAllowed,
  type EmittedMachineEvent,
  type GroupContext,
  type JobContext,
  type JobInput,
  type JobVerb,
  type ModelEvent,
  type VerbEvent,
} from '../../machines/index.ts';

function group(input: JobInput, patch: Partial<JobContext>): GroupContext {
  const g = createGroupContext([input]);
  return { ...g, jobs: [{ ...g.jobs[0]!, ...patch }] };
}

/** A reply as the observed tables write it. */
function code(reply: { class: string; desc: string } | undefined): string {
  if (!reply) return 'ok';
  const d = reply.desc;
  if (reply.class === 'DeviceNotActive') return 'BNF';
  if (reply.class === 'CommandNotFound') return 'CNF';
  if (d === 'Job not found') return 'NF';
  if (d.includes('cannot accept command verb')) return 'V';
  if (d === "Can't resume a job that was not paused") return 'NP';
  if (d === 'Job is already paused') return 'AP';
  if (d.includes('is currently paused')) return 'BP';
  if (d === "Parameter 'speed' expects a non-negative value") return 'SP';
  if (d === 'Job type does not support change') return 'NC';
  if (d.includes('cannot be completed')) return 'CC';
  return d;
}

// qemu-7.2-observed.md, "(state, verb) → outcome, as observed", for a mirror (complete is ok in ready).
const COLUMNS: [string, (id: string) => VerbEvent][] = [
  ['j-pause', (id) => ({ type: 'job-pause', id })],
  ['j-resume', (id) => ({ type: 'job-resume', id })],
  ['j-cancel', (id) => ({ type: 'job-cancel', id })],
  ['j-complete', (id) => ({ type: 'job-complete', id })],
  ['j-finalize', (id) => ({ type: 'job-finalize', id })],
  ['j-dismiss', (id) => ({ type: 'job-dismiss', id })],
  ['bj-pause', (id) => ({ type: 'block-job-pause', id })],
  ['bj-resume', (id) => ({ type: 'block-job-resume', id })],
  ['bj-cancel', (id) => ({ type: 'block-job-cancel', id })],
  ['bj-cancel(force)', (id) => ({ type: 'block-job-cancel', id, force: true })],
  ['bj-complete', (id) => ({ type: 'block-job-complete', id })],
  ['bj-finalize', (id) => ({ type: 'block-job-finalize', id })],
  ['bj-dismiss', (id) => ({ type: 'block-job-dismiss', id })],
  ['bj-set-speed', (id) => ({ type: 'block-job-set-speed', id, speed: 1048576 })],
  ['bj-set-speed(<0)', (id) => ({ type: 'block-job-set-speed', id, speed: -1 })],
];
const OBSERVED: Record<string, [Partial<JobContext>, string]> = {
  running: [{ status: 'running' }, 'ok NP ok V V V ok NP ok ok V V V ok SP'],
  paused: [{ status: 'paused', userPaused: true }, 'AP ok ok V V V AP ok BP ok V V V ok SP'],
  ready: [{ status: 'ready', everReady: true }, 'ok NP ok ok V V ok NP ok ok ok V V ok SP'],
  standby: [{ status: 'standby', userPaused: true, everReady: true }, 'AP ok ok ok V V AP ok BP ok ok V V ok SP'],
  waiting: [{ status: 'waiting' }, 'V NP ok V V V V NP ok ok V V V V V'],
  pending: [{ status: 'pending' }, 'V NP ok V ok V V NP ok ok V ok V V V'],
  concluded: [{ status: 'concluded' }, 'V NP V V V ok V NP V V V V ok V V'],
  null: [{ status: 'null' }, 'NF NF NF NF NF NF BNF BNF BNF BNF BNF BNF BNF BNF BNF'],
};

describe('replies to verb commands', () => {
  for (const release of ['7.2', '10.0']) {
    for (const [state, [patch, row]] of Object.entries(OBSERVED)) {
      it(`match what QEMU ${release} was seen answering in ${state}`, () => {
        const g = group({ id: 'm0', type: 'mirror' }, patch);
        const got = COLUMNS.map(([, make]) => code(step(profileFor(release), g, make('m0'))!.reply));
        expect(got.join(' ')).toBe(row);
      });
    }
  }

  it('answers every block-job-* command on a non-block job with DeviceNotActive, in every state', () => {
    for (const status of ['running', 'concluded'] as const) {
      const g = group({ id: 'c1', type: 'create' }, { status });
      for (const [name, make] of COLUMNS.filter(([n]) => n.startsWith('bj-'))) {
        expect(step(profileFor('7.2'), g, make('c1'))!.reply, name).toEqual({ class: 'DeviceNotActive', desc: "Block job 'c1' not found" });
      }
    }
  });

  it('refuses complete in standby before 6.0 and accepts it from 6.0', () => {
    const g = group({ id: 'm0', type: 'mirror' }, { status: 'standby', userPaused: true });
    expect(step(profileFor('5.2'), g, { type: 'job-complete', id: 'm0' })!.reply).toEqual(JobErrors.verbRefused('m0', 'standby', 'complete'));
    expect(step(profileFor('6.0'), g, { type: 'job-complete', id: 'm0' })!.reply).toBeUndefined();
  });

  it('refuses complete while a pause is pending before 6.0 only', () => {
    const g = group({ id: 'm0', type: 'mirror' }, { status: 'ready', drains: 1 });
    expect(step(profileFor('5.2'), g, { type: 'job-complete', id: 'm0' })!.reply).toEqual(JobErrors.cannotComplete('m0'));
    expect(step(profileFor('6.0'), g, { type: 'job-complete', id: 'm0' })!.reply).toBeUndefined();
  });

  it('refuses complete of a soft-cancelled mirror', () => {
    const g = group({ id: 'm0', type: 'mirror' }, { status: 'ready', cancelled: true, completing: true });
    expect(step(profileFor('7.2'), g, { type: 'job-complete', id: 'm0' })!.reply).toEqual({
      class: 'GenericError',
      desc: "The active block job 'm0' cannot be completed",
    });
  });

  it('answers block-job-change as QEMU 10.0 was seen answering', () => {
    const p = profileFor('10.0');
    const change = (id: string, jobType: string, copyMode?: string): VerbEvent =>
      ({ type: 'block-job-change', id, jobType, ...(copyMode ? { copyMode } : {}) }) as VerbEvent;
    const mirror = (patch: Partial<JobContext>) => group({ id: 'm0', type: 'mirror' }, patch);
    expect(step(p, mirror({ status: 'running' }), change('m0', 'mirror', 'write-blocking'))!.reply).toBeUndefined();
    expect(step(p, mirror({ status: 'running' }), change('m0', 'mirror', 'background'))!.reply).toBeUndefined();
    expect(step(p, mirror({ status: 'ready', copyMode: 'write-blocking' }), change('m0', 'mirror', 'background'))!.reply?.desc).toBe(
      "Change to copy mode 'background' is not implemented",
    );
    // The union's type is never compared with the job's: any other case reads as background.
    expect(step(p, mirror({ status: 'ready' }), change('m0', 'backup'))!.reply).toBeUndefined();
    expect(step(p, mirror({ status: 'ready', copyMode: 'write-blocking' }), change('m0', 'stream'))!.reply?.desc).toBe(
      "Change to copy mode 'background' is not implemented",
    );
    expect(step(p, mirror({ status: 'pending' }), change('m0', 'mirror', 'write-blocking'))!.reply?.desc).toBe(
      "Job 'm0' in state 'pending' cannot accept command verb 'change'",
    );
    const backup = (status: JobContext['status']) => group({ id: 'j0', type: 'backup' }, { status });
    expect(step(p, backup('running'), change('j0', 'mirror', 'write-blocking'))!.reply?.desc).toBe('Job type does not support change');
    expect(step(p, backup('waiting'), change('j0', 'mirror', 'write-blocking'))!.reply?.desc).toBe(
      "Job 'j0' in state 'waiting' cannot accept command verb 'change'",
    );
    expect(step(p, group({ id: 'k0', type: 'create' }, { status: 'running' }), change('k0', 'mirror', 'write-blocking'))!.reply).toEqual({
      class: 'DeviceNotActive',
      desc: "Block job 'k0' not found",
    });
    expect(step(p, mirror({ status: 'running' }), change('m0', 'mirror'))!.reply?.desc).toBe("Parameter 'copy-mode' is missing");
    expect(step(p, mirror({ status: 'running' }), change('m0', 'nosuch'))!.reply?.desc).toBe("Parameter 'type' does not accept value 'nosuch'");
    expect(step(p, mirror({ status: 'running' }), change('m0', 'mirror', 'nosuch'))!.reply?.desc).toBe(
      "Parameter 'copy-mode' does not accept value 'nosuch'",
    );
    expect(step(profileFor('7.2'), mirror({ status: 'running' }), change('m0', 'mirror', 'write-blocking'))!.reply).toEqual({
      class: 'CommandNotFound',
      desc: 'The command block-job-change has not been found',
    });
  });

  it('gives the exact texts of every refusal', () => {
    const p = profileFor('7.2');
    expect(JobErrors.verbRefused('job0', 'running', 'complete').desc).toBe("Job 'job0' in state 'running' cannot accept command verb 'complete'");
    expect(JobErrors.jobNotFound()).toEqual({ class: 'GenericError', desc: 'Job not found' });
    expect(JobErrors.blockJobNotFound('nosuch')).toEqual({ class: 'DeviceNotActive', desc: "Block job 'nosuch' not found" });
    expect(JobErrors.alreadyPaused().desc).toBe('Job is already paused');
    expect(JobErrors.notPaused().desc).toBe("Can't resume a job that was not paused");
    expect(JobErrors.blockJobPaused('j0').desc).toBe("The block job for device 'j0' is currently paused");
    expect(JobErrors.negativeSpeed(p.version).desc).toBe("Parameter 'speed' expects a non-negative value");
    expect(JobErrors.negativeSpeed(profileFor('2.12').version).desc).toBe("Invalid parameter 'speed'");
    expect(JobErrors.cannotComplete('m0').desc).toBe("The active block job 'm0' cannot be completed");
    expect(JobErrors.changeUnsupported().desc).toBe('Job type does not support change');
    expect(JobErrors.copyModeNotImplemented('background').desc).toBe("Change to copy mode 'background' is not implemented");
    expect(JobErrors.commandNotFound('job-change')).toEqual({ class: 'CommandNotFound', desc: 'The command job-change has not been found' });
    expect(JobErrors.completionModeUnsupported(p.version, 'block-dirty-bitmap-add', 'grouped').desc).toBe(
      "Action 'block-dirty-bitmap-add' does not support Transaction property completion-mode = grouped",
    );
    expect(JobErrors.completionModeUnsupported(profileFor('10.0').version, 'abort', 'grouped').desc).toBe(
      "Action 'abort' does not support transaction property completion-mode = grouped",
    );
    expect(JobErrors.jobIdInUse('j0').desc).toBe("Job ID 'j0' already in use");
    expect(JobErrors.invalidJobId('1bad').desc).toBe("Invalid job ID '1bad'");
  });
});

describe('verb acceptance of the job machine', () => {
  // One command per verb whose only check is the verb table, given the job's flags below.
  const probe: Record<JobVerb, (id: string) => VerbEvent> = {
    cancel: (id) => ({ type: 'job-cancel', id }),
    pause: (id) => ({ type: 'job-pause', id }),
    resume: (id) => ({ type: 'job-resume', id }),
    'set-speed': (id) => ({ type: 'block-job-set-speed', id, speed: 0 }),
    complete: (id) => ({ type: 'job-complete', id }),
    dismiss: (id) => ({ type: 'job-dismiss', id }),
    finalize: (id) => ({ type: 'job-finalize', id }),
    change: (id) => ({ type: 'block-job-change', id, jobType: 'mirror', copyMode: 'write-blocking' }),
  };

  // 2.12 has only the block-job-* spellings.
  const blockProbe: Record<JobVerb, (id: string) => VerbEvent> = {
    ...probe,
    cancel: (id) => ({ type: 'block-job-cancel', id, force: true }),
    pause: (id) => ({ type: 'block-job-pause', id }),
    resume: (id) => ({ type: 'block-job-resume', id }),
    complete: (id) => ({ type: 'block-job-complete', id }),
    dismiss: (id) => ({ type: 'block-job-dismiss', id }),
    finalize: (id) => ({ type: 'block-job-finalize', id }),
  };

  for (const release of ['2.12', '5.2', '6.0', '7.2', '8.2', '10.1']) {
    it(`accepts each verb exactly where QEMU ${release}'s JobVerbTable allows it`, () => {
      const profile = profileFor(release);
      const machine = createJobMachine(profile);
      let checked = 0;
      for (const status of JobStatus) {
        if (status === 'undefined' || status === 'null') continue;
        for (const verb of profile.verbs) {
          const context = group({ id: 'm0', type: 'mirror' }, { status, userPaused: verb === 'resume' });
          const snapshot = machine.resolveState({ value: status, context });
          const event = profile.commands.has('job-pause') ? probe[verb]('m0') : blockProbe[verb]('m0');
          const [, actions] = transition(machine, snapshot, event as ModelEvent);
          const replies = actions
            .map((a) => (a.params as { event?: EmittedMachineEvent } | undefined)?.event)
            .filter((e): e is Extract<EmittedMachineEvent, { type: 'qmp.reply' }> => e?.type === 'qmp.reply');
          expect(replies, `${status} ${verb}`).toHaveLength(1);
          const accepted = replies[0]!.error === undefined;
          expect(accepted, `${release}: ${verb} in ${status}`).toBe(verbAllowed(profile, verb, status));
          if (!accepted) expect(replies[0]!.error).toEqual(JobErrors.verbRefused('m0', status, verb));
          checked++;
        }
      }
      expect(checked).toBe(9 * profile.verbs.length);
    });
  }
});
