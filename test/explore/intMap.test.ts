import { describe, expect, it } from 'vitest';
import { randomUint32 as random } from '../support/random.ts';
import { RegionMaps, TripleMap } from '../../explore/intMap.ts';

describe('the typed-array maps', () => {
  it('RegionMaps keeps each region apart and finds every key across growth', () => {
    const next = random(5);
    const maps = new RegionMaps(2);
    const reference = new Map<string, number>();
    for (let i = 0; i < 50_000; i++) {
      // Few regions at first, then many (the region index grows), keys small and large.
      const r = next() % (i < 20_000 ? 50 : 3_000);
      const key = i % 3 === 0 ? next() % 0x7fff_fffe : next() % 64;
      const known = reference.get(`${r}/${key}`);
      expect(maps.get(r, key)).toBe(known ?? -1);
      if (known === undefined) {
        maps.set(r, key, i);
        reference.set(`${r}/${key}`, i);
      }
      maps.touch(r);
    }
    for (const [rk, value] of [...reference].slice(0, 2_000)) {
      const [r, key] = rk.split('/').map(Number);
      expect(maps.get(r!, key!)).toBe(value);
    }
    expect(maps.get(10_000, 1)).toBe(-1);
  });

  it('TripleMap finds every key across growth', () => {
    const next = random(9);
    const map = new TripleMap(16);
    const reference = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const a = next() % 100;
      const b = next() % 7;
      const c = next() | 0;
      map.set(a, b, c, i);
      reference.set(`${a},${b},${c}`, i);
    }
    for (const [k, v] of reference) {
      const [a, b, c] = k.split(',').map(Number);
      expect(map.get(a!, b!, c!)).toBe(v);
    }
    expect(map.size).toBe(reference.size);
  });
});
