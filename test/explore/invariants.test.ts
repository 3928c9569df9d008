import { describe, expect, it } from 'vitest';
import { createJobContext, profileFor, step, type GroupContext, type JobContext, type ModelEvent } from '../../machines/index.ts';
import {
  alphabet,
  exploreCompiled,
  GroupInvariants,
  JobInvariants,
  makeConfig,
  TransitionInvariants,
  violatedStateInvariants,
  type AlphabetEvent,
} from '../../explore/index.ts';

const job = (p: Partial<JobContext> = {}): JobContext => ({ ...createJobContext({ id: 'j0', type: 'backup' }), status: 'running', started: true, ...p });
const flags = { grouped: true, aborting: false };
const profile = profileFor('10.1');

describe('the invariants', () => {
  it('each have a unique id and a one-line description', () => {
    const all = [...JobInvariants, ...GroupInvariants, ...TransitionInvariants];
    expect(new Set(all.map((i) => i.id)).size).toBe(all.length);
    for (const i of all) expect(i.description).toMatch(/^[^\n]{10,}$/);
  });

  // The checker is tested with states that must fail: an invariant that accepts everything checks nothing.
  const broken: [string, JobContext, { grouped: boolean; aborting: boolean }?][] = [
    ['pause-count-non-negative', job({ drains: -1 })],
    ['force-implies-cancelled', job({ force: true, cancelled: false })],
    ['started-matches-status', job({ status: 'created', started: true })],
    ['started-matches-status', job({ status: 'pending', started: false })],
    ['ready-needs-ready-type', job({ status: 'ready' })],
    ['aborting-has-error', job({ status: 'aborting', error: null })],
    ['success-has-no-error', job({ status: 'waiting', error: 'Input/output error' })],
    ['force-cancelled-concludes-in-error', job({ status: 'concluded', force: true, cancelled: true, error: null })],
    ['finalizing-only-when-done', job({ status: 'running', finalizing: true })],
    ['io-status-needs-user-pause', job({ ioStatus: 'failed', userPaused: false })],
    ['aborted-txn-members-fail', job({ status: 'concluded', error: null }), { grouped: true, aborting: true }],
    ['aborted-txn-forces-members', job({ status: 'running' }), { grouped: true, aborting: true }],
  ];
  for (const [id, j, f] of broken) {
    it(`${id} rejects a state that breaks it`, () => {
      const inv = JobInvariants.find((i) => i.id === id)!;
      expect(inv.holds(j, f ?? flags)).toBe(false);
      const good = id === 'aborted-txn-forces-members' ? job({ cancelled: true, force: true }) : job();
      expect(inv.holds(good, f ?? flags)).toBe(true);
    });
  }

  it('creation-order, pending-waits-for-members and concluded-newest-first reject states that break them', () => {
    const holds = (id: string, s: string[], f = flags) => GroupInvariants.find((i) => i.id === id)!.holds(s as never, f);
    expect(holds('creation-order', ['undefined', 'created'])).toBe(false);
    expect(holds('creation-order', ['created', 'undefined'])).toBe(true);
    expect(holds('pending-waits-for-members', ['pending', 'running'])).toBe(false);
    expect(holds('pending-waits-for-members', ['pending', 'running'], { grouped: false, aborting: false })).toBe(true);
    expect(holds('concluded-newest-first', ['concluded', 'aborting'])).toBe(false);
    expect(holds('concluded-newest-first', ['aborting', 'concluded'])).toBe(true);
  });

  it('transition invariants reject illegal moves and missing or extra events', () => {
    const t = (id: string) => TransitionInvariants.find((i) => i.id === id)!;
    const ev = (status: string) => ({ event: 'JOB_STATUS_CHANGE' as const, data: { id: 'j0', status } });
    expect(t('stt-legal').holds(job({ status: 'running' }), job({ status: 'concluded' }), [], profile)).toBe(false);
    expect(t('never-started-no-completion-event').holds(job({ started: false, status: 'aborting' }), job({ status: 'concluded' }), [{ event: 'BLOCK_JOB_CANCELLED', data: { device: 'j0' } }], profile)).toBe(false);
    expect(t('progress-monotonic').holds(job({ current: 5 }), job({ current: 4 }), [], profile)).toBe(false);
    expect(t('one-status-event-per-change').holds(job(), job({ status: 'paused' }), [], profile)).toBe(false);
    expect(t('one-status-event-per-change').holds(job(), job({ status: 'paused' }), [ev('paused')], profile)).toBe(true);
    expect(t('one-status-event-per-change').holds(job(), job({ status: 'paused' }), [], profileFor('2.12'))).toBe(true);
  });

  it('hold in the initial state of every group', () => {
    expect(violatedStateInvariants({ jobs: [createJobContext({ id: 'a', type: 'mirror' }), createJobContext({ id: 'b', type: 'backup' })], grouped: true, aborting: false })).toEqual([]);
  });
});

describe('explore', () => {
  // The full alphabet (about 2 million states) is in explore.deep.test.ts.
  it('covers every JobSTT edge with no violation and no dead end for 3 grouped jobs (the default mix, core alphabet)', () => {
    const r = exploreCompiled({ config: makeConfig(profile, 3, true), alphabet: 'core' });
    expect(r.complete).toBe(true);
    expect(r.edgesCovered).toBe(r.edgesTotal);
    expect(r.edgesTotal).toBe(20);
    expect(r.violations).toEqual([]);
    expect(r.deadEnds).toBe(0);
    expect(r.states).toBeGreaterThan(50_000);
  }, 120_000);

  it('finds a violation when urgent steps may be interleaved, with a shortest path that replays to it', () => {
    const config = makeConfig(profile, 2, true);
    const r = exploreCompiled({ config, alphabet: 'core', urgent: 'free', symmetry: false });
    const v = r.violations.find((x) => x.invariant === 'aborted-txn-members-fail');
    expect(v, JSON.stringify(r.violations)).toBeDefined();
    // Replay the path's labels through step: it must end in the violating statuses.
    const events = alphabet(profile, config.inputs.map((i) => i.id), 'core');
    const byLabel = new Map<string, AlphabetEvent>(events.map((e) => [e.job < 0 ? e.template.label : `${e.template.label} ${config.inputs[e.job]!.id}`, e]));
    let g: GroupContext = { jobs: config.inputs.map((i) => createJobContext(i)), grouped: true, aborting: false };
    for (const label of v!.path) {
      const e: ModelEvent = byLabel.get(label)!.event;
      const out = step(profile, g, e);
      expect(out, label).toBeDefined();
      g = out!.group;
    }
    expect(g.jobs.map((j) => j.status)).toEqual(v!.statuses);
    expect(violatedStateInvariants(g)).toContain('aborted-txn-members-fail');
  });

  it('stops at the state limit and says so', () => {
    const r = exploreCompiled({ config: makeConfig(profile, 2, true), maxStates: 500 });
    expect(r.complete).toBe(false);
    expect(r.deadEnds).toBe(-1);
  });
});
