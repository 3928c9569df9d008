/** Seeded unsigned 32-bit integers for tests (pure-rand's xoroshiro128+), so a failure repeats. */
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

export function randomUint32(seed: number): () => number {
  const generator = xoroshiro128plus(seed);
  return () => uniformInt(generator, 0, 0xffff_ffff);
}
