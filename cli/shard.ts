/**
 * `--shard k/n` for the commands that take trace paths (`check`, `coverage`): which of the files the
 * paths expand to this shard takes. The files are put in one fixed order, their paths relative to the
 * working directory with `/` separators, compared by UTF-16 code units (not by locale), and dealt
 * round-robin (traces/shard.ts): the file at position i (1-based) of that order goes to shard
 * ((i - 1) mod n) + 1. So n jobs started from the same directory with the same paths take each file
 * once, and the shards' sizes differ by one at most. The order does not depend on where the checkout
 * is, nor on how a path is spelled (`traces`, `./traces/`, an absolute path to it).
 */
import { relative, resolve, sep } from 'node:path';
import { formatShard, parseShard, ShardError, shardOf, type Shard } from '../traces/shard.ts';
import { UsageError } from './errors.ts';

export { formatShard, type Shard };

/** Reads a `--shard` value (`k/n`, 1 <= k <= n); undefined without one. A bad value is a usage error. */
export function parseShardOption(text: string | undefined): Shard | undefined {
  if (text === undefined) return undefined;
  try {
    return parseShard(text);
  } catch (error) {
    if (error instanceof ShardError) throw new UsageError(`--shard: ${error.message}`);
    throw error;
  }
}

/** The key a file is ordered by: its path relative to `base`, with `/` separators. */
export function shardKey(file: string, base: string = process.cwd()): string {
  const rel = relative(base, resolve(base, file));
  return sep === '/' ? rel : rel.split(sep).join('/');
}

/**
 * The files of `shard` (all of them without one), in the order given: only the choice, not the
 * order of the output, follows the sorted keys.
 */
export function selectShard(files: readonly string[], shard: Shard | undefined, base: string = process.cwd()): string[] {
  if (shard === undefined) return [...files];
  const keys = files.map((file) => shardKey(file, base));
  // Positions in key order; a file given twice (under the same key) keeps its order of appearance.
  const order = files.map((_, i) => i).sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : a - b));
  const taken = new Set(shardOf(order, shard));
  return files.filter((_, i) => taken.has(i));
}
