import { createActor, transition, type AnyStateMachine } from 'xstate';
import { getAdjacencyMap } from 'xstate/graph';
import { describe, expect, it } from 'vitest';
import {
  createGroupMachine,
  createJobMachine,
  JobStatus,
  MachineEventTypes,
  profileFor,
  type EmittedMachineEvent,
  type JobInput,
  type ModelEvent,
} from '../../machines/index.ts';

const RELEASES = ['2.12', '5.2', '6.0', '7.2', '8.2', '10.0', '10.1'];

function sttPairs(release: string): string[] {
  const p = profileFor(release);
  return JobStatus.flatMap((from) => p.transitions[from].map((to) => `${from}->${to}`)).sort();
}

/** The edges written in a machine's definition: every transition of every state node with its target. */
function staticEdges(machine: AnyStateMachine): string[] {
  const edges = new Set<string>();
  for (const node of Object.values(machine.root.states)) {
    for (const defs of node.transitions.values()) {
      for (const t of defs) for (const target of t.target ?? []) edges.add(`${node.key}->${target.key}`);
    }
  }
  return [...edges].sort();
}

/** Every event the explorer offers one job: each verb in both spellings and each internal event. */
function alphabet(id: string): ModelEvent[] {
  const events: ModelEvent[] = [];
  for (const type of MachineEventTypes) {
    if (type === 'block-job-cancel') events.push({ type, id }, { type, id, force: true });
    else if (type === 'block-job-set-speed') events.push({ type, id, speed: 0 });
    else if (type === 'block-job-change') events.push({ type, id, jobType: 'mirror', copyMode: 'write-blocking' });
    else if (type === 'internal.run-returned') events.push({ type, id }, { type, id, error: 'Input/output error' });
    else if (type === 'internal.io-error') events.push({ type, id, action: 'stop' }, { type, id, action: 'report' });
    else if (type === 'internal.progress') events.push({ type, id, done: 1, remaining: 1 });
    else if (type === 'internal.drain-begin') events.push({ type, id });
    else events.push({ type, id } as ModelEvent);
  }
  return events;
}

/** The status changes the machine takes when explored with xstate/graph (drains bounded, progress left out). */
function exploredEdges(release: string, input: JobInput): Set<string> {
  const machine = createJobMachine(profileFor(release));
  const events = alphabet(input.id).filter((e) => e.type !== 'internal.progress');
  const map = getAdjacencyMap(machine, {
    input: { jobs: [input] },
    events: (snapshot) => (snapshot.context.jobs[0]!.drains >= 1 ? events.filter((e) => e.type !== 'internal.drain-begin') : events),
  });
  const edges = new Set<string>();
  for (const { state, transitions } of Object.values(map)) {
    for (const { state: next } of Object.values(transitions) as { state: typeof state }[]) {
      const from = String(state.value);
      const to = String(next.value);
      if (from !== to) edges.add(`${from}->${to}`);
    }
  }
  return edges;
}

describe('the job machine', () => {
  for (const release of RELEASES) {
    it(`has exactly QEMU ${release}'s JobSTT as its transitions`, () => {
      expect(staticEdges(createJobMachine(profileFor(release)))).toEqual(sttPairs(release));
    });
  }

  it('names its states exactly after JobStatus', () => {
    expect(Object.keys(createJobMachine(profileFor('7.2')).root.states)).toEqual([...JobStatus]);
  });

  it('takes every JobSTT edge that changes status when explored over mirror, backup and create jobs', () => {
    const taken = new Set<string>();
    const inputs: JobInput[] = [
      { id: 'm', type: 'mirror', autoFinalize: false, autoDismiss: false },
      { id: 'b', type: 'backup' },
      { id: 'c', type: 'create' },
    ];
    for (const input of inputs) for (const e of exploredEdges('7.2', input)) taken.add(e);
    const changing = sttPairs('7.2').filter((e) => e.split('->')[0] !== e.split('->')[1]);
    expect([...taken].sort()).toEqual(changing);
  });

  it('never takes a transition outside JobSTT for any job type and flag combination', () => {
    const stt = new Set(sttPairs('10.1'));
    for (const type of ['mirror', 'backup', 'stream', 'commit', 'create', 'amend'] as const) {
      for (const autoFinalize of [true, false]) {
        for (const autoDismiss of [true, false]) {
          for (const e of exploredEdges('10.1', { id: 'j', type, autoFinalize, autoDismiss, activeCommit: type === 'commit' })) {
            expect(stt.has(e), `${type} af=${autoFinalize} ad=${autoDismiss}: ${e}`).toBe(true);
          }
        }
      }
    }
  });

  it('reaches ready only for job types that have it', () => {
    expect([...exploredEdges('7.2', { id: 'b', type: 'backup' })]).not.toContain('running->ready');
    expect([...exploredEdges('7.2', { id: 's', type: 'stream' })]).not.toContain('running->ready');
    expect([...exploredEdges('7.2', { id: 'c', type: 'commit' })]).not.toContain('running->ready');
    expect([...exploredEdges('7.2', { id: 'c', type: 'commit', activeCommit: true })]).toContain('running->ready');
    expect([...exploredEdges('7.2', { id: 'm', type: 'mirror' })]).toContain('running->ready');
  });

  it('emits JOB_STATUS_CHANGE for each status, replies to commands, and emits null on dismiss', () => {
    const actor = createActor(createJobMachine(profileFor('7.2')), {
      input: { jobs: [{ id: 'j0', type: 'backup', autoFinalize: false, autoDismiss: false }] },
    });
    const seen: EmittedMachineEvent[] = [];
    actor.on('*', (e) => seen.push(e as EmittedMachineEvent));
    actor.start();
    const send = (e: ModelEvent) => actor.send(e);
    send({ type: 'internal.create', id: 'j0' });
    send({ type: 'internal.start', id: 'j0' });
    send({ type: 'job-dismiss', id: 'j0' });
    send({ type: 'internal.run-returned', id: 'j0' });
    send({ type: 'internal.txn-pending', id: 'j0' });
    send({ type: 'block-job-finalize', id: 'j0' });
    send({ type: 'internal.conclude', id: 'j0' });
    send({ type: 'internal.dismiss', id: 'j0' });
    expect(actor.getSnapshot().value).toBe('concluded');
    send({ type: 'job-dismiss', id: 'j0' });
    expect(actor.getSnapshot().value).toBe('null');
    expect(actor.getSnapshot().status).toBe('done');
    const lines = seen.map((e) =>
      e.type === 'qmp.reply'
        ? `reply ${e.command} ${e.error ? e.error.desc : 'ok'}`
        : `${e.event} ${String(e.data['status'] ?? e.data['device'] ?? e.data['id'])}`,
    );
    expect(lines).toEqual([
      'JOB_STATUS_CHANGE created',
      'JOB_STATUS_CHANGE running',
      "reply job-dismiss Job 'j0' in state 'running' cannot accept command verb 'dismiss'",
      'JOB_STATUS_CHANGE waiting',
      'JOB_STATUS_CHANGE pending',
      'BLOCK_JOB_PENDING j0',
      'reply block-job-finalize ok',
      'BLOCK_JOB_COMPLETED j0',
      'JOB_STATUS_CHANGE concluded',
      'JOB_STATUS_CHANGE null',
      'reply job-dismiss ok',
    ]);
  });
});

describe('the transaction group machine', () => {
  const backups = (n: number, extra: Partial<JobInput> = {}): JobInput[] =>
    Array.from({ length: n }, (_, i) => ({ id: `j${i}`, type: 'backup' as const, ...extra }));

  function run(machine: AnyStateMachine, input: object, events: ModelEvent[]) {
    let [snapshot] = [createActor(machine, { input }).getSnapshot()];
    const emitted: string[] = [];
    for (const e of events) {
      const [next, actions] = transition(machine, snapshot, e);
      snapshot = next;
      for (const a of actions) {
        const ev = (a.params as { event?: EmittedMachineEvent } | undefined)?.event;
        if (ev?.type === 'qmp.event' && ev.event === 'JOB_STATUS_CHANGE') emitted.push(`${String(ev.data['id'])}:${String(ev.data['status'])}`);
      }
    }
    return { snapshot, emitted };
  }

  const start = (n: number): ModelEvent[] =>
    [...Array.from({ length: n }, (_, i) => ({ type: 'internal.create', id: `j${i}` }) as ModelEvent), ...Array.from({ length: n }, (_, i) => ({ type: 'internal.start', id: `j${i}` }) as ModelEvent)];

  it('keeps a grouped member waiting until every member finished', () => {
    const m = createGroupMachine(profileFor('7.2'), 2);
    const { snapshot } = run(m, { jobs: backups(2), grouped: true }, [
      ...start(2),
      { type: 'internal.run-returned', id: 'j0' },
      { type: 'internal.txn-pending', id: 'j0' },
    ]);
    expect(snapshot.value).toEqual({ job0: 'waiting', job1: 'running' });
  });

  it('moves every member to pending together, newest first, once all finished', () => {
    const m = createGroupMachine(profileFor('7.2'), 2);
    const { snapshot, emitted } = run(m, { jobs: backups(2, { autoFinalize: false }), grouped: true }, [
      ...start(2),
      { type: 'internal.run-returned', id: 'j0' },
      { type: 'internal.run-returned', id: 'j1' },
      { type: 'internal.txn-pending', id: 'j0' },
    ]);
    expect(snapshot.value).toEqual({ job0: 'pending', job1: 'pending' });
    expect(emitted.slice(-2)).toEqual(['j1:pending', 'j0:pending']);
  });

  it('finalizes every member when one is finalized, newest first', () => {
    const m = createGroupMachine(profileFor('7.2'), 2);
    const events: ModelEvent[] = [
      ...start(2),
      { type: 'internal.run-returned', id: 'j0' },
      { type: 'internal.run-returned', id: 'j1' },
      { type: 'internal.txn-pending', id: 'j0' },
      { type: 'job-finalize', id: 'j0' },
      { type: 'internal.conclude', id: 'j0' }, // refused: the newer member concludes first
      { type: 'internal.conclude', id: 'j1' },
      { type: 'internal.conclude', id: 'j0' },
    ];
    const { snapshot, emitted } = run(m, { jobs: backups(2, { autoFinalize: false, autoDismiss: false }), grouped: true }, events);
    expect(snapshot.value).toEqual({ job0: 'concluded', job1: 'concluded' });
    expect(emitted.slice(-2)).toEqual(['j1:concluded', 'j0:concluded']);
  });

  it('aborts the whole grouped transaction when one member is cancelled, each with an error', () => {
    const m = createGroupMachine(profileFor('7.2'), 3);
    const { snapshot } = run(m, { jobs: backups(3, { autoDismiss: false }), grouped: true }, [
      ...start(3),
      { type: 'internal.run-returned', id: 'j0' },
      { type: 'job-cancel', id: 'j1' },
      { type: 'internal.run-returned', id: 'j1' },
      { type: 'internal.txn-abort', id: 'j0' },
      { type: 'internal.run-returned', id: 'j2' },
      { type: 'internal.conclude', id: 'j2' },
      { type: 'internal.conclude', id: 'j1' },
      { type: 'internal.conclude', id: 'j0' },
    ]);
    expect(snapshot.value).toEqual({ job0: 'concluded', job1: 'concluded', job2: 'concluded' });
    expect(snapshot.context.jobs.map((j: { error: string | null }) => j.error)).toEqual(['Operation canceled', 'Operation canceled', 'Operation canceled']);
  });

  it('lets individual members finish alone when another fails', () => {
    const m = createGroupMachine(profileFor('7.2'), 2);
    const { snapshot } = run(m, { jobs: backups(2, { autoDismiss: false }), grouped: false }, [
      ...start(2),
      { type: 'internal.run-returned', id: 'j1', error: 'Input/output error' },
      { type: 'internal.conclude', id: 'j1' },
      { type: 'internal.run-returned', id: 'j0' },
      { type: 'internal.txn-pending', id: 'j0' },
      { type: 'internal.conclude', id: 'j0' },
    ]);
    expect(snapshot.value).toEqual({ job0: 'concluded', job1: 'concluded' });
    expect(snapshot.context.jobs.map((j: { error: string | null }) => j.error)).toEqual([null, 'Input/output error']);
  });

  it('cancels created members of a transaction whose preparation failed, newest first', () => {
    const m = createGroupMachine(profileFor('7.2'), 2);
    const { snapshot, emitted } = run(m, { jobs: backups(2), grouped: false }, [
      { type: 'internal.create', id: 'j0' },
      { type: 'internal.create', id: 'j1' },
      { type: 'internal.prepare-fail' },
      { type: 'internal.conclude', id: 'j1' },
      { type: 'internal.dismiss', id: 'j1' },
      { type: 'internal.conclude', id: 'j0' },
      { type: 'internal.dismiss', id: 'j0' },
    ]);
    expect(snapshot.value).toEqual({ job0: 'null', job1: 'null' });
    expect(emitted).toEqual(['j0:created', 'j1:created', 'j1:aborting', 'j0:aborting', 'j1:concluded', 'j1:null', 'j0:concluded', 'j0:null']);
  });
});
