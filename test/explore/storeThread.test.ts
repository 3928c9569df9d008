/**
 * The compiled engine on two threads (explore/storeThread.ts) gives what it gives on one: every figure,
 * every path, the dead ends (the successor lists come back renumbered), and the same stop at
 * `maxStates`, which on two threads is decided without the worker's latest count where it can be.
 */
import { describe, expect, it } from 'vitest';
import { exploreCompiled, ExploreStateError, makeConfig, type ExploreOptions, type ExploreResult } from '../../explore/index.ts';
import { COMPLETE, EXPAND, LIMIT, StoreThread, type MemberRun } from '../../explore/storeThread.ts';
import { profileFor } from '../../machines/index.ts';
import { join } from 'node:path';
import { scratchFolder } from '../support/scratch.ts';

const scratch = scratchFolder('qjob-threads-');

/** The result without its timings. */
function figures(r: ExploreResult): Omit<ExploreResult, 'seconds' | 'statesPerSecond'> {
  const { seconds: _s, statesPerSecond: _r, ...rest } = r;
  return rest;
}

interface Case {
  readonly name: string;
  readonly options: ExploreOptions;
}

const cases: Case[] = [
  { name: '1 job, full alphabet, complete, dead ends', options: { config: makeConfig(profileFor('10.1'), 1, false) } },
  { name: '3 jobs grouped, core, complete, dead ends', options: { config: makeConfig(profileFor('10.1'), 3, true), alphabet: 'core' } },
  { name: '2 jobs, full, 5.2, urgent free', options: { config: makeConfig(profileFor('5.2'), 2, false), urgent: 'free' } },
  { name: '4 jobs, core, no symmetry, stopped at 20,000', options: { config: makeConfig(profileFor('10.1'), 4, false), alphabet: 'core', symmetry: false, maxStates: 20_000, deadEnds: false } },
  { name: '6 jobs grouped, full, stopped at 30,000, dead ends', options: { config: makeConfig(profileFor('10.1'), 6, true), maxStates: 30_000 } },
  { name: '5 jobs grouped, full, stopped at 60,000, no dead ends', options: { config: makeConfig(profileFor('10.1'), 5, true), maxStates: 60_000, deadEnds: false } },
];

describe('exploring on two threads', () => {
  for (const c of cases) {
    it(`gives every figure of one thread: ${c.name}`, () => {
      const one = exploreCompiled(c.options);
      const two = exploreCompiled({ ...c.options, threads: 2 });
      expect(one.states).toBeGreaterThan(100);
      expect(figures(two)).toEqual(figures(one));
    }, 60_000);
  }

  it('stops where one thread stops, for every bound near a level end', () => {
    const options: ExploreOptions = { config: makeConfig(profileFor('10.1'), 2, true), alphabet: 'core', deadEnds: false };
    const whole = exploreCompiled(options);
    expect(whole.complete).toBe(true);
    // Bounds around the states of the whole run: each stop is exact, the last one is no stop at all.
    for (const maxStates of [1, 2, 3, 50, 51, 52, 500, whole.states - 1, whole.states]) {
      const one = exploreCompiled({ ...options, maxStates });
      const two = exploreCompiled({ ...options, maxStates, threads: 2 });
      expect({ maxStates, ...figures(two) }).toEqual({ maxStates, ...figures(one) });
    }
  }, 60_000);

  it('refuses what it cannot do: more threads, a state directory', () => {
    const config = makeConfig(profileFor('10.1'), 1, false);
    expect(() => exploreCompiled({ config, threads: 3 })).toThrow(ExploreStateError);
    expect(() => exploreCompiled({ config, threads: 2, stateDir: join(scratch.dir, 'run') })).toThrow(/two threads explore in memory/);
  });
});

describe('the state set on its thread', () => {
  /** States of one member: [abort flag, local state] pairs, flattened. */
  const states = (...locals: number[]) => Int32Array.from(locals.flatMap((l) => [0, l]));
  /** Sends `count` successors (n + 1 words each in `words`) as the batch of the expansion of `parent`. */
  const send = (store: StoreThread, parent: Int32Array, words: Int32Array, codes: Int32Array, count: number, locals: number) => {
    const width = parent.length;
    store.begin(locals);
    for (let s = 0; s < count; s++) store.append(words.subarray(s * width, (s + 1) * width), codes[s]!, locals);
    store.end();
  };

  /**
   * Explores from `initial` (n members) to the end, `expand` sending the batch of state s (`parent`, as
   * read from the queue); what was expanded and the worker's records.
   */
  const drive = (n: number, initial: Int32Array, expand: (store: StoreThread, s: number, parent: Int32Array) => void) => {
    const store = new StoreThread(n, initial, true, 4, 8);
    const w = new Int32Array(n + 1);
    const expanded: number[][] = [];
    try {
      for (let s = 0; store.next(s, Infinity, w) === EXPAND; s++) {
        expanded.push([...w]);
        expand(store, s, Int32Array.from(w));
      }
      const r = store.finish();
      return { expanded, count: r.count, parent: [...r.parent.subarray(0, r.count)], via: [...r.via.subarray(0, r.count)], numbers: [...r.numbers] };
    } finally {
      store.close();
    }
  };

  it('numbers each successor sent, new or seen, and records parents and events in order', () => {
    const store = new StoreThread(1, states(0), true, 4, 8);
    const w = new Int32Array(2);
    try {
      expect(store.next(0, Infinity, w)).toBe(EXPAND);
      expect([...w]).toEqual([0, 0]);
      send(store, w, states(1, 2, 1, 0), Int32Array.of(5, 6, 7, 8), 4, 3);
      expect(store.next(1, Infinity, w)).toBe(EXPAND);
      expect([...w]).toEqual([0, 1]);
      send(store, w, states(2, 3), Int32Array.of(1, 2), 2, 4);
      expect(store.next(2, Infinity, w)).toBe(EXPAND);
      send(store, w, states(), new Int32Array(0), 0, 4);
      expect(store.next(3, Infinity, w)).toBe(EXPAND);
      expect([...w]).toEqual([0, 3]);
      send(store, w, states(), new Int32Array(0), 0, 4);
      expect(store.next(4, Infinity, w)).toBe(COMPLETE);
      const r = store.finish();
      expect({ count: r.count, depth: r.depth, parent: [...r.parent.subarray(0, 4)], via: [...r.via.subarray(0, 4)], numbers: [...r.numbers] }).toEqual({
        count: 4,
        depth: 2,
        parent: [-1, 0, 0, 1],
        via: [-1, 5, 6, 2],
        numbers: [1, 2, 1, 0, 2, 3],
      });
    } finally {
      store.close();
    }
  });

  it('gives up on a worker that does not start, with an error, not a hang', () => {
    const broken = new URL(`data:text/javascript,${encodeURIComponent("throw new Error('no worker here');")}`);
    const store = new StoreThread(1, states(0), false, 4, 8, 0, { url: broken, ms: 1500 });
    expect(() => store.next(0, Infinity, new Int32Array(2))).toThrow(/state set's thread failed: it did not start in 1.5 s/);
  });

  it('stops past maxStates only once the states found are known to be more', () => {
    const store = new StoreThread(1, states(0), false, 4, 8);
    const w = new Int32Array(2);
    try {
      expect(store.next(0, 2, w)).toBe(EXPAND);
      send(store, w, states(1, 2), Int32Array.of(1, 1), 2, 3);
      // 3 states found, more than 2: state 1 is not expanded.
      expect(store.next(1, 2, w)).toBe(LIMIT);
      expect(store.finish().count).toBe(3);
    } finally {
      store.close();
    }
  });

  it('passes more batches than its ring holds, in order', () => {
    // 6 members: 8 words a successor, 60 a batch, 3,000 batches: the ring (2^20 words) wraps.
    const n = 6;
    const store = new StoreThread(n, new Int32Array(n + 1), true, 200, 60);
    const w = new Int32Array(n + 1);
    const batch = new Int32Array(60 * (n + 1));
    const codes = new Int32Array(60);
    let sent = 0;
    try {
      for (let s = 0; s < 3000; s++) {
        expect(store.next(s, Infinity, w)).toBe(EXPAND);
        // State s is the s-th found: its words say so (member 1 and 2 hold s in base 200).
        expect([w[1], w[2]]).toEqual([s % 200, Math.floor(s / 200)]);
        for (let k = 0; k < 60; k++) {
          // 2 new states a batch, then states seen already.
          const target = k < 2 ? 2 * s + 1 + k : Math.min(2 * s, (s * 7 + k) % (2 * s + 1));
          batch.fill(0, k * (n + 1), (k + 1) * (n + 1));
          batch[k * (n + 1) + 1] = target % 200;
          batch[k * (n + 1) + 2] = Math.floor(target / 200);
          codes[k] = k;
        }
        send(store, w, batch, codes, 60, 200);
        sent += 60;
      }
      const r = store.finish();
      expect(r.count).toBe(6001);
      expect(r.numbers.length).toBe(sent);
      expect([...r.numbers.subarray(0, 4)]).toEqual([1, 2, 0, 0]);
      expect(r.parent[6000]).toBe(2999);
      expect(r.via[6000]).toBe(1);
    } finally {
      store.close();
    }
  });
  it('repacks the open batch when a local state that does not fit its keys is interned during the expansion', () => {
    // 6 members of 5 bits: keys of one word; for 41 local states, 10 bits: two.
    const n = 6;
    const store = new StoreThread(n, new Int32Array(n + 1), true, 4, 4);
    const w = new Int32Array(n + 1);
    try {
      expect(store.next(0, Infinity, w)).toBe(EXPAND);
      store.begin(4);
      store.append(Int32Array.of(1, 3, 0, 2, 0, 0, 1), 7, 4);
      store.append(Int32Array.of(0, 0, 40, 0, 0, 3, 0), 8, 41);
      store.append(Int32Array.of(1, 3, 0, 2, 0, 0, 1), 9, 41);
      store.end();
      expect(store.next(1, Infinity, w)).toBe(EXPAND);
      expect([...w]).toEqual([1, 3, 0, 2, 0, 0, 1]);
      store.begin(41);
      store.end();
      expect(store.next(2, Infinity, w)).toBe(EXPAND);
      expect([...w]).toEqual([0, 0, 40, 0, 0, 3, 0]);
      store.begin(41);
      store.end();
      expect(store.next(3, Infinity, w)).toBe(COMPLETE);
      const r = store.finish();
      expect({ count: r.count, via: [...r.via.subarray(0, 3)], numbers: [...r.numbers] }).toEqual({ count: 3, via: [-1, 7, 8], numbers: [1, 2, 1] });
    } finally {
      store.close();
    }
  });

  it('refuses a batch larger than the most successors an expansion can find', () => {
    const store = new StoreThread(1, states(0), false, 4, 2);
    try {
      expect(store.next(0, Infinity, new Int32Array(2))).toBe(EXPAND);
      store.begin(4);
      store.append(states(1), 1, 4);
      store.append(states(2), 1, 4);
      expect(() => store.append(states(3), 1, 4)).toThrow(/more than 2 successors/);
    } finally {
      store.close();
    }
  });
  it('packs a successor from its one changed member as it packs it whole, before and after the keys widen', () => {
    const n = 6;
    /** Member `m` of `from` set to v. */
    const moved = (from: Int32Array, m: number, v: number) => {
      const next = Int32Array.from(from);
      next[1 + m] = v;
      return next;
    };
    const run = (hinted: boolean) =>
      drive(n, Int32Array.of(1, 0, 2, 0, 1, 0, 0), (store, s, parent) => {
        store.begin(s === 0 ? 4 : 41);
        if (s <= 1) {
          const changes: [number, number, number][] = s === 0 ? [[2, 3, 4], [5, 9, 10], [3, 40, 41], [0, 1, 41]] : [[5, 2, 41], [2, 4, 41], [4, 33, 41]];
          for (const [m, v, locals] of changes) store.append(moved(parent, m, v), 10 * s + m, locals, hinted ? m : -1);
        }
        store.end();
      });
    const whole = run(false);
    expect(whole.count).toBe(8);
    expect(whole.expanded[3]).toEqual([1, 0, 2, 0, 40, 0, 0]);
    expect(run(true)).toEqual(whole);
  });

  it("sends a member's run of successors as one record, as it sends them one by one, before and after the keys widen", () => {
    const n = 6;
    /** Runs: member, code of template 0, the local states gone to and their templates; the same id sends the same run again. */
    const runs: { member: number; codes: number; run: MemberRun; locals: number }[][] = [
      [
        { member: 2, codes: 100, run: { id: 0, to: Int32Array.of(3, 1, 2), templates: Int32Array.of(1, 2, 5) }, locals: 4 },
        { member: 4, codes: 200, run: { id: 1, to: Int32Array.of(40, 3), templates: Int32Array.of(0, 3) }, locals: 41 },
      ],
      [
        { member: 2, codes: 100, run: { id: 0, to: Int32Array.of(3, 1, 2), templates: Int32Array.of(1, 2, 5) }, locals: 41 },
        { member: 0, codes: 300, run: { id: 2, to: Int32Array.of(33), templates: Int32Array.of(7) }, locals: 41 },
      ],
    ];
    const explore = (asRuns: boolean) =>
      drive(n, Int32Array.of(1, 0, 2, 0, 1, 0, 0), (store, s, parent) => {
        store.begin(4);
        // A whole key first: the records that follow it are read past it.
        if (s <= 1) store.append(Int32Array.of(0, 9, 9, 9, 9, 9, 9), 1, 10);
        for (const { member, codes, run, locals } of runs[s] ?? []) {
          if (asRuns) store.appendRun(member, codes, run, locals);
          else {
            run.to.forEach((to, u) => {
              const next = Int32Array.from(parent);
              next[1 + member] = to;
              store.append(next, codes + run.templates[u]!, locals);
            });
          }
        }
        store.end();
      });
    const oneByOne = explore(false);
    expect(oneByOne.count).toBe(11);
    expect(oneByOne.expanded[2]).toEqual([1, 0, 2, 3, 1, 0, 0]);
    expect(oneByOne.via.slice(0, 5)).toEqual([-1, 1, 101, 102, 105]);
    expect(explore(true)).toEqual(oneByOne);
  });

  it('refuses a run that does not fit the batch or whose event codes do not fit the record', () => {
    const store = new StoreThread(1, states(0), false, 4, 2);
    try {
      expect(store.next(0, Infinity, new Int32Array(2))).toBe(EXPAND);
      store.begin(4);
      expect(() => store.appendRun(0, 0, { id: 0, to: Int32Array.of(1, 2, 3), templates: Int32Array.of(0, 1, 2) }, 4)).toThrow(/more than 2 successors/);
      expect(() => store.appendRun(0, 1 << 25, { id: 1, to: Int32Array.of(1), templates: Int32Array.of(0) }, 4)).toThrow(/does not fit in a RUN record/);
    } finally {
      store.close();
    }
  });
});
