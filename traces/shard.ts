/**
 * `--shard k/n`: a deterministic split of a list of work items (corpus files, verify runs) into n parts,
 * so that n CI jobs together do exactly the unsharded work, each item once. Items are dealt
 * round-robin by their position in a fixed order: sorted path for files, run number for verify runs.
 */

/** Shard `index` of `count`, both 1-based: `--shard 2/3` is `{ index: 2, count: 3 }`. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

export class ShardError extends Error {
  override readonly name = 'ShardError';
}

/** Reads `k/n` (1 <= k <= n); throws ShardError naming the problem. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  if (m === null) throw new ShardError(`expected k/n (e.g. 1/4), not '${text}'`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) throw new ShardError(`expected k/n with 1 <= k <= n, not '${text}'`);
  return { index, count };
}

/** Whether the item at `position` (1-based) of the fixed order belongs to the shard; every item does without one. */
export function inShard(position: number, shard: Shard | undefined): boolean {
  return shard === undefined || (position - 1) % shard.count === shard.index - 1;
}

/** The shard's items of a list already in its fixed order. */
export function shardOf<T>(items: readonly T[], shard: Shard | undefined): T[] {
  return items.filter((_, i) => inShard(i + 1, shard));
}

export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}
