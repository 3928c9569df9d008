import { describe, expect, it } from 'vitest';
import { randomUint32 as random } from '../support/random.ts';
import { bitsFor, PackedStateSet } from '../../explore/stateStore.ts';

describe('the packed state set', () => {
  for (const n of [1, 2, 3, 6]) {
    it(`adds, finds and numbers states of ${n} member(s) exactly, across growth and widening`, () => {
      const seed = 1000 + n;
      const next = random(seed);
      const set = new PackedStateSet(n, true, 4);
      const reference = new Map<string, number>();
      const w = new Int32Array(n + 1);
      let widened = false;
      for (let i = 0; i < 20_000; i++) {
        // Small values first (many repeats), larger ones later (beyond 4 bits: the set must widen).
        const range = i < 10_000 ? 6 : 1 << 11;
        w[0] = next() & 1;
        for (let k = 1; k <= n; k++) w[k] = next() % range;
        if (Math.max(...w.subarray(1)) > set.maxLocal) {
          set.widen(bitsFor(Math.max(...w.subarray(1)) + 1));
          widened = true;
        }
        const key = w.join(',');
        const known = reference.get(key);
        const got = set.add(w, reference.size);
        if (known === undefined) {
          expect(got, `seed ${seed}, state ${key}`).toBe(-1);
          reference.set(key, reference.size);
        } else {
          expect(got, `seed ${seed}, state ${key}`).toBe(known);
        }
      }
      expect(widened).toBe(true);
      expect(set.count).toBe(reference.size);
      for (const key of [...reference.keys()].slice(0, 500)) expect(set.has(Int32Array.from(key.split(',').map(Number)))).toBe(true);
      w.fill(0);
      w[1] = set.maxLocal;
      expect(set.has(w)).toBe(reference.has(w.join(',')));
    });
  }

  it('keeps every state when it makes room for the states expected, with widenings before and after', () => {
    // Room for 300,000 is made once 65,536 states are in: the first widening comes before, the second after.
    const next = random(4242);
    const set = new PackedStateSet(6, true, 4, 300_000);
    const reference = new Map<string, number>();
    const w = new Int32Array(7);
    const widenings: number[] = [];
    for (let i = 0; reference.size < 90_000; i++) {
      const range = reference.size < 1_000 ? 12 : reference.size < 70_000 ? 60 : 300;
      w[0] = next() & 1;
      for (let k = 1; k <= 6; k++) w[k] = next() % range;
      if (Math.max(...w.subarray(1)) > set.maxLocal) {
        set.widen(bitsFor(Math.max(...w.subarray(1)) + 1));
        widenings.push(reference.size);
      }
      const key = w.join(',');
      const known = reference.get(key);
      expect(set.add(w, reference.size), `state ${i}: ${key}`).toBe(known ?? -1);
      if (known === undefined) reference.set(key, reference.size);
    }
    expect(widenings.some((at) => at < 65_536) && widenings.some((at) => at > 65_536)).toBe(true);
    expect(set.count).toBe(reference.size);
    let k = 0;
    for (const [key, number] of reference) {
      if (k++ % 7 !== 0) continue;
      expect(set.add(Int32Array.from(key.split(',').map(Number)), -5)).toBe(number);
    }
  });

  for (const expected of [0, 20_000]) {
    it(`adds a batch (prepare, then addPrepared in order) as one add after another would, repeats within the batch included (room made for ${expected} states)`, () => {
      const next = random(77 + expected);
      const one = new PackedStateSet(6, true, 10);
      const batched = new PackedStateSet(6, true, 10, expected);
      let number = 0;
      let again = 0;
      for (let round = 0; round < 300; round++) {
        const count = 1 + (next() % 90);
        // Two words a state: the batch is read `apart` words apart, from word 1.
        const states = new Int32Array(1 + count * 9);
        for (let p = 0; p < count; p++) for (let k = 0; k < 7; k++) states[1 + p * 9 + k] = k === 0 ? next() & 1 : next() % 4;
        batched.prepare(states, count, 9, 1);
        for (let p = 0; p < count; p++) {
          const expected = one.add(states.subarray(1 + p * 9, 1 + p * 9 + 7), number);
          if (p % 3 === 0) expect(batched.hasPrepared(p)).toBe(expected >= 0);
          expect(batched.addPrepared(p, number)).toBe(expected);
          if (expected < 0) number++;
          else again++;
        }
      }
      expect(again).toBeGreaterThan(5000);
      expect(batched.count).toBe(one.count);
      // Emptied, the set holds nothing.
      batched.clear();
      const first = Int32Array.from([0, 0, 0, 0, 0, 0, 0]);
      expect(one.has(first)).toBe(true);
      expect(batched.has(first)).toBe(false);
    });
  }

  it('tells states apart that differ only in the abort flag or in one member', () => {
    const set = new PackedStateSet(6, false, 10);
    expect(set.add(Int32Array.from([0, 0, 0, 0, 0, 0, 0]), 0)).toBe(-1);
    expect(set.add(Int32Array.from([1, 0, 0, 0, 0, 0, 0]), 1)).toBe(-1);
    expect(set.add(Int32Array.from([0, 0, 0, 0, 0, 0, 1023]), 2)).toBe(-1);
    expect(set.add(Int32Array.from([0, 1023, 0, 0, 0, 0, 0]), 3)).toBe(-1);
    expect(set.add(Int32Array.from([0, 0, 0, 0, 0, 0, 1023]), 4)).toBe(0);
    expect(set.count).toBe(4);
    expect(set.words).toBe(2);
  });
});
