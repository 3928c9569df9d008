import { describe, expect, it } from 'vitest';
import { inShard, parseShard, ShardError, shardOf } from '../../traces/shard.ts';

describe('--shard k/n', () => {
  it('reads k/n with 1 <= k <= n', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    expect(parseShard('1/1')).toEqual({ index: 1, count: 1 });
    for (const bad of ['0/3', '4/3', '1/0', '1/', '/2', 'a/b', '1-2', ' 1/2']) expect(() => parseShard(bad), bad).toThrow(ShardError);
  });

  it('deals items round-robin so that the shards together hold each item once', () => {
    const items = Array.from({ length: 23 }, (_, i) => `traces/qemu-7.2/t${String(i).padStart(2, '0')}.jsonl`);
    for (const count of [1, 2, 3, 5, 23, 30]) {
      const parts = Array.from({ length: count }, (_, k) => shardOf(items, { index: k + 1, count }));
      expect(parts.flat().sort()).toEqual(items);
      expect(new Set(parts.flat()).size).toBe(items.length);
      expect(Math.max(...parts.map((p) => p.length)) - Math.min(...parts.map((p) => p.length))).toBeLessThanOrEqual(1);
    }
    expect(shardOf(items, undefined)).toEqual(items);
    expect([1, 2, 3, 4, 5, 6, 7].filter((run) => inShard(run, { index: 2, count: 3 }))).toEqual([2, 5]);
  });
});
