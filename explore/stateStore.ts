/**
 * The set of group states seen, packed: each state (the transaction's abort flag, then each member's
 * local state) is a bit string of 2 + n × `bits` bits (a presence bit, the flag, `bits` per member) in
 * one to four 32-bit words, kept inline in open-addressing hash tables over typed arrays: no strings,
 * no objects per state; for 6 jobs a key is 8 bytes, 11 to 23 a state with the free slots (more with the
 * index). The tables are split into shards by the hash's top bits, so a table grows one shard at a time.
 *
 * `bits` starts small and widens (every key repacked) when the model interns a local state that does
 * not fit: local states are found during the search.
 */

const SHARD_BITS = 6;
const SHARDS = 1 << SHARD_BITS;
/** A shard grows when it is this full. */
const LOAD = 0.7;
/** See PackedStateSet's constructor. */
const PRESIZE_AT = 1 << 16;

export class PackedStateSet {
  /** Bits per member. */
  bits = 0;
  /** 32-bit words per key. */
  words = 0;
  /** Int32 per slot: the key's words, then (withIndex) the state's number. */
  private stride = 0;
  private shards: Int32Array[] = [];
  private masks = new Int32Array(SHARDS);
  private sizes = new Int32Array(SHARDS);
  private limits = new Int32Array(SHARDS);
  count = 0;
  /** Keys packed ahead of their lookups (4 words each) and their hashes: a batch (see `prepare`). */
  private batchKeys = new Int32Array(4 * 64);
  private batchHashes = new Int32Array(64);
  /** What the batch's first reads found (kept so that they are not optimised away). */
  private touched = 0;

  /** The count at which every shard is made as large as `expected` needs (0: never). */
  private readonly presizeAt: number;

  /**
   * `expected`: the states to make room for (a run bounded by maxStates knows them). Room is made once
   * PRESIZE_AT states are in (at once for fewer): the first states are those of the first levels, when
   * the keys may still widen, and a widening repacks every slot, empty ones included.
   */
  constructor(
    readonly n: number,
    readonly withIndex: boolean,
    bits = 8,
    private readonly expected = 0,
  ) {
    this.layout(bits);
    for (let s = 0; s < SHARDS; s++) this.allocShard(s, 1 << 6);
    this.presizeAt = expected > PRESIZE_AT ? PRESIZE_AT : 0;
    if (this.presizeAt === 0) this.presize();
  }

  /** Makes every shard as large as `expected` states need. */
  private presize(): void {
    let slots = 1 << 6;
    while (slots * SHARDS * LOAD < this.expected) slots *= 2;
    for (let s = 0; s < SHARDS; s++) if (this.masks[s]! + 1 < slots) this.rehashShard(s, slots);
  }

  /** Sets the key layout for `bits` bits per member. */
  private layout(bits: number): void {
    this.bits = bits;
    this.words = keyWords(this.n, bits);
    if (this.words > 4) throw new RangeError(`a state of ${this.n} members of ${bits} bits does not fit in 128 bits`);
    this.stride = this.words + (this.withIndex ? 1 : 0);
  }

  /** The largest local state a key can hold. */
  get maxLocal(): number {
    return (1 << this.bits) - 1;
  }

  private allocShard(s: number, slots: number): void {
    this.shards[s] = new Int32Array(slots * this.stride);
    this.masks[s] = slots - 1;
    this.sizes[s] = 0;
    this.limits[s] = Math.floor(slots * LOAD);
  }

  /** Makes room for a batch of `count` keys. */
  private batchOf(count: number): void {
    if (count <= this.batchHashes.length) return;
    let size = this.batchHashes.length;
    while (size < count) size *= 2;
    this.batchHashes = new Int32Array(size);
    this.batchKeys = new Int32Array(4 * size);
  }

  /**
   * Packs `count` states, n + 1 words each, `apart` words apart from `from` in `states`, as the batch
   * that `addPrepared` then adds one by one. Their first slots are read here, all together: each is a
   * cache miss in a large set, and misses issued together overlap where one at a time they would not.
   */
  prepare(states: ArrayLike<number>, count: number, apart = this.n + 1, from = 0): void {
    this.batchOf(count);
    const hashes = this.batchHashes;
    for (let p = 0; p < count; p++) hashes[p] = packKey(states, from + p * apart, this.n, this.bits, this.words, this.batchKeys, p << 2);
    this.touch(count);
  }

  /**
   * A batch of `count` keys written in place, for keys packed already (packKey's layout, `bits` bits
   * per member): key p goes to words 4p .. 4p + words - 1 of `batchKeyWords` and its hashKey to
   * `batchHashWords[p]`; then `preparedBatch(count)` makes it the batch that `addPrepared` adds from.
   */
  openBatch(count: number): void {
    this.batchOf(count);
  }

  /** The keys of the batch opened (valid until the next openBatch or prepare). */
  get batchKeyWords(): Int32Array {
    return this.batchKeys;
  }

  /** The hashes of the batch opened (valid until the next openBatch or prepare). */
  get batchHashWords(): Int32Array {
    return this.batchHashes;
  }

  /** Ends the batch written in place: reads the first slots of its `count` keys, as `prepare` does. */
  preparedBatch(count: number): void {
    this.touch(count);
  }

  /** Reads the first slot of each key of the batch: a loop of reads only, so that the processor has many of them under way at once. */
  private touch(count: number): void {
    const hashes = this.batchHashes;
    const shards = this.shards;
    const masks = this.masks;
    const stride = this.stride;
    let touched = 0;
    for (let p = 0; p < count; p++) {
      const h = hashes[p]!;
      const s = h >>> (32 - SHARD_BITS);
      touched ^= shards[s]![(h & masks[s]!) * stride]!;
    }
    this.touched ^= touched;
  }

  /**
   * Adds state w with number `index` (kept when withIndex). Returns -1 when it is new, else the
   * number it was added with (0 without the index).
   */
  add(w: ArrayLike<number>, index: number): number {
    this.prepare(w, 1);
    return this.addPrepared(0, index);
  }

  /** `add` for state p of the batch `prepare` packed (the set unchanged in between but by addPrepared). */
  addPrepared(p: number, index: number): number {
    const found = this.probe(p);
    const s = this.batchHashes[p]! >>> (32 - SHARD_BITS);
    const t = this.shards[s]!;
    const words = this.words;
    if (found >= 0) return this.withIndex ? t[found + words]! : 0;
    const base = -1 - found;
    const key = this.batchKeys;
    const at = p << 2;
    for (let k = 0; k < words; k++) t[base + k] = key[at + k]!;
    if (this.withIndex) t[base + words] = index;
    this.count++;
    if (++this.sizes[s]! > this.limits[s]!) this.rehashShard(s, (this.masks[s]! + 1) * 2);
    if (this.count === this.presizeAt) this.presize();
    return -1;
  }

  /** Whether state p of the batch `prepare` packed is in the set (not adding it). */
  hasPrepared(p: number): boolean {
    return this.probe(p) >= 0;
  }

  /** Whether state w is in the set. */
  has(w: ArrayLike<number>): boolean {
    this.prepare(w, 1);
    return this.hasPrepared(0);
  }

  /**
   * Looks for batch key p in its shard: the base of its slot when the set holds it, else -1 minus the
   * base of the free slot it would take.
   */
  private probe(p: number): number {
    const h = this.batchHashes[p]!;
    const s = h >>> (32 - SHARD_BITS);
    const t = this.shards[s]!;
    const mask = this.masks[s]!;
    const stride = this.stride;
    const words = this.words;
    const key = this.batchKeys;
    const at = p << 2;
    const k0 = key[at]!;
    const k1 = key[at + 1]!;
    let slot = h & mask;
    for (;;) {
      const base = slot * stride;
      const t0 = t[base]!;
      if (t0 === 0) return -1 - base;
      if (t0 === k0 && (words < 2 || (t[base + 1] === k1 && (words < 3 || (t[base + 2] === key[at + 2] && (words < 4 || t[base + 3] === key[at + 3])))))) return base;
      slot = (slot + 1) & mask;
    }
  }

  private rehashShard(s: number, slots: number): void {
    const old = this.shards[s]!;
    const size = this.sizes[s]!;
    const stride = this.stride;
    this.allocShard(s, slots);
    const t = this.shards[s]!;
    const mask = slots - 1;
    for (let base = 0; base < old.length; base += stride) {
      if (old[base] === 0) continue;
      let slot = hashKey(old, base, this.words) & mask;
      while (t[slot * stride] !== 0) slot = (slot + 1) & mask;
      for (let k = 0; k < stride; k++) t[slot * stride + k] = old[base + k]!;
    }
    this.sizes[s] = size;
  }

  /** Unpacks the key at `base` of table t, packed with `b` bits per member, into w (n + 1 words). */
  private unpack(t: Int32Array, base: number, b: number, w: Int32Array): void {
    unpackKey(t, base, this.n, b, w, 0);
  }

  /** Bytes the tables take. */
  get bytes(): number {
    let total = 0;
    for (const t of this.shards) total += t.byteLength;
    return total;
  }

  /** Empties the set (its tables shrink back to their first size). */
  clear(): void {
    for (let s = 0; s < SHARDS; s++) this.allocShard(s, 1 << 6);
    this.count = 0;
  }

  /** Writes every state of the set, n + 1 words each, into `out` from its start (in table order); returns how many. */
  unpackAll(out: Uint16Array): number {
    const w = new Int32Array(this.n + 1);
    const width = this.n + 1;
    let count = 0;
    for (const t of this.shards) {
      for (let base = 0; base < t.length; base += this.stride) {
        if (t[base] === 0) continue;
        this.unpack(t, base, this.bits, w);
        for (let k = 0; k < width; k++) out[count * width + k] = w[k]!;
        count++;
      }
    }
    return count;
  }

  /** Repacks every key with `bits` bits per member (local states above maxLocal were found). */
  widen(bits: number): void {
    const old = this.shards;
    const oldStride = this.stride;
    const oldWords = this.words;
    const oldBits = this.bits;
    this.layout(bits);
    this.shards = [];
    const total = this.count;
    for (let s = 0; s < SHARDS; s++) {
      // As many slots as before at least: the shard need not grow again.
      let slots = this.masks[s]! + 1;
      while (slots * LOAD < (this.sizes[s]! + 1)) slots *= 2;
      this.allocShard(s, slots);
    }
    this.count = 0;
    const w = new Int32Array(this.n + 1);
    for (const t of old) {
      for (let base = 0; base < t.length; base += oldStride) {
        if (t[base] === 0) continue;
        this.unpack(t, base, oldBits, w);
        this.add(w, this.withIndex ? t[base + oldWords]! : 0);
      }
    }
    if (this.count !== total) throw new Error(`repacking the state set lost states (${this.count} of ${total})`);
  }
}

/** 32-bit words of the key of a state of n members, `bits` bits each. */
export function keyWords(n: number, bits: number): number {
  return Math.ceil((2 + n * bits) / 32);
}

/**
 * Packs the state at `from` of w (n + 1 words: the abort flag, each member's local state) into 4 words
 * at `at` of `key`, `bits` bits per member after a presence bit and the flag (the words past the key's
 * own are 0); returns the key's hash. `words`: keyWords(n, bits).
 */
export function packKey(w: ArrayLike<number>, from: number, n: number, bits: number, words: number, key: Int32Array, at: number): number {
  key[at] = 1 | ((w[from]! & 1) << 1);
  key[at + 1] = 0;
  key[at + 2] = 0;
  key[at + 3] = 0;
  let pos = 2;
  for (let k = 1; k <= n; k++) {
    const v = w[from + k]!;
    const word = at + (pos >>> 5);
    const off = pos & 31;
    key[word]! |= v << off;
    if (off + bits > 32) key[word + 1]! |= v >>> (32 - off);
    pos += bits;
  }
  return hashKey(key, at, words);
}

/** Sets member `member`'s local state in the key at `at` of `key` (packKey's layout, `bits` bits per member) to v. */
export function setMember(key: Int32Array, at: number, member: number, bits: number, v: number): void {
  const mask = (1 << bits) - 1;
  const pos = 2 + member * bits;
  const word = at + (pos >>> 5);
  const off = pos & 31;
  key[word] = (key[word]! & ~(mask << off)) | (v << off);
  if (off + bits > 32) key[word + 1] = (key[word + 1]! & ~(mask >>> (32 - off))) | (v >>> (32 - off));
}

/** Unpacks the key at `base` of t (packKey's layout, `bits` bits per member) into n + 1 words of w from `to`. */
export function unpackKey(t: ArrayLike<number>, base: number, n: number, bits: number, w: Int32Array | Uint16Array, to: number): void {
  const m = (1 << bits) - 1;
  w[to] = (t[base]! >>> 1) & 1;
  let pos = 2;
  for (let k = 1; k <= n; k++) {
    const word = pos >>> 5;
    const off = pos & 31;
    let v = t[base + word]! >>> off;
    if (off + bits > 32) v |= t[base + word + 1]! << (32 - off);
    w[to + k] = v & m;
    pos += bits;
  }
}

/** The hash of the key of `words` words at `base` of t. */
export function hashKey(t: Int32Array, base: number, words: number): number {
  let h = Math.imul(t[base]! ^ 0x9e3779b9, 0x85ebca6b);
  for (let k = 1; k < words; k++) h = Math.imul(h ^ (h >>> 13) ^ t[base + k]!, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  return h ^ (h >>> 15);
}

/**
 * Bits per member of the keys of n members that hold local states 0 .. locals - 1 with room for as
 * many again: then as many as the key's words hold (16 at most), so that the set is repacked (every
 * key again) only when a key needs another word.
 */
export function keyBits(n: number, locals: number): number {
  const words = keyWords(n, bitsFor(Math.max(2, locals)) + 1);
  return Math.min(16, Math.floor((32 * words - 2) / n));
}

/** Bits needed for local states 0 .. size - 1 (at least 4). */
export function bitsFor(size: number): number {
  let b = 4;
  while (1 << b < size) b++;
  return b;
}
