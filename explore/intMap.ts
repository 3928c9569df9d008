/**
 * A map from three 32-bit integers to a non-negative integer: open addressing over one typed array,
 * each slot the three key words and the value side by side (one cache line a probe).
 */
export class TripleMap {
  private slots: Int32Array;
  private mask: number;
  size = 0;

  constructor(capacity = 1 << 12) {
    let n = 16;
    while (n < capacity * 2) n *= 2;
    this.slots = TripleMap.empty(n);
    this.mask = n - 1;
  }

  private static empty(n: number): Int32Array {
    const slots = new Int32Array(n * 4);
    for (let s = 3; s < slots.length; s += 4) slots[s] = -1;
    return slots;
  }

  private static hash(a: number, b: number, c: number): number {
    let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13) ^ b, 0xc2b2ae35);
    h = Math.imul(h ^ (h >>> 16) ^ c, 0x27d4eb2f);
    return h ^ (h >>> 15);
  }

  /** The value of (a, b, c), or -1. */
  get(a: number, b: number, c: number): number {
    const slots = this.slots;
    let s = TripleMap.hash(a, b, c) & this.mask;
    for (;;) {
      const base = s << 2;
      const v = slots[base + 3]!;
      if (v < 0) return -1;
      if (slots[base] === a && slots[base + 1] === b && slots[base + 2] === c) return v;
      s = (s + 1) & this.mask;
    }
  }

  /** Sets the value (>= 0) of a key not in the map. */
  set(a: number, b: number, c: number, value: number): void {
    const slots = this.slots;
    let s = TripleMap.hash(a, b, c) & this.mask;
    while (slots[(s << 2) + 3]! >= 0) s = (s + 1) & this.mask;
    const base = s << 2;
    slots[base] = a;
    slots[base + 1] = b;
    slots[base + 2] = c;
    slots[base + 3] = value;
    if (++this.size * 2 > this.mask + 1) this.rehash();
  }

  private rehash(): void {
    const old = this.slots;
    const n = (this.mask + 1) * 2;
    this.slots = TripleMap.empty(n);
    this.mask = n - 1;
    this.size = 0;
    for (let base = 0; base < old.length; base += 4) if (old[base + 3]! >= 0) this.set(old[base]!, old[base + 1]!, old[base + 2]!, old[base + 3]!);
  }
}

/**
 * Many small maps from a non-negative integer key (below 2^31 - 1) to a non-negative integer, one per
 * region number: each region an open-addressing table of (key + 1, value) pairs inside one typed array,
 * so that the keys of one region looked up together share a few cache lines instead of a cache miss
 * each. A region that fills up moves to a table twice its size at the end of the array.
 */
export class RegionMaps {
  /** Pairs (key + 1, value); key 0: a free slot. */
  private data = new Int32Array(1 << 16);
  private used = 0;
  /** Per region: the offset of its table (-1: none yet), log2 of its slots, and its size. */
  private offset = new Int32Array(1 << 10).fill(-1);
  private logSlots = new Int8Array(1 << 10);
  private sizes = new Int32Array(1 << 10);
  /** What `touch` read (kept so that the reads are not optimised away). */
  private touched = 0;
  /** The region `select` chose: its offset (-1: none) and log2 of its slots. */
  private selBase = -1;
  private selLog = 0;

  constructor(private readonly initialLog = 4) {}

  private static slot(key: number, log: number): number {
    return Math.imul(key + 1, 0x9e3779b1) >>> (32 - log);
  }

  /** The value of `key` in region r, or -1. */
  get(r: number, key: number): number {
    this.select(r);
    return this.getSelected(key);
  }

  /** Chooses region r for `getSelected` (until the next `set`). */
  select(r: number): void {
    this.selBase = r < this.offset.length ? this.offset[r]! : -1;
    this.selLog = this.selBase < 0 ? 0 : this.logSlots[r]!;
  }

  /** The value of `key` in the region `select` chose, or -1: lookups of one region without finding it again. */
  getSelected(key: number): number {
    const base = this.selBase;
    if (base < 0) return -1;
    const log = this.selLog;
    const mask = (1 << log) - 1;
    const data = this.data;
    const k1 = key + 1;
    let s = RegionMaps.slot(key, log);
    for (;;) {
      const at = base + (s << 1);
      const k = data[at]!;
      if (k === k1) return data[at + 1]!;
      if (k === 0) return -1;
      s = (s + 1) & mask;
    }
  }

  /**
   * Reads one word of each cache line of region r's table: the lines then arrive together, where the
   * lookups that follow would have waited for each in turn.
   */
  touch(r: number): void {
    if (r >= this.offset.length) return;
    const base = this.offset[r]!;
    if (base < 0) return;
    const end = base + (2 << this.logSlots[r]!);
    const data = this.data;
    let x = 0;
    for (let at = base; at < end; at += 16) x ^= data[at]!;
    this.touched ^= x;
  }

  /** Sets the value of a key not in region r. */
  set(r: number, key: number, value: number): void {
    if (r >= this.offset.length) {
      let size = this.offset.length;
      while (size <= r) size *= 2;
      const offset = new Int32Array(size).fill(-1);
      offset.set(this.offset);
      this.offset = offset;
      const logSlots = new Int8Array(size);
      logSlots.set(this.logSlots);
      this.logSlots = logSlots;
      const sizes = new Int32Array(size);
      sizes.set(this.sizes);
      this.sizes = sizes;
    }
    if (this.offset[r]! < 0) this.allocate(r, this.initialLog);
    else if ((this.sizes[r]! + 1) * 4 > 3 << this.logSlots[r]!) this.regrow(r);
    this.put(r, key, value);
    this.sizes[r]!++;
  }

  private put(r: number, key: number, value: number): void {
    const base = this.offset[r]!;
    const log = this.logSlots[r]!;
    const mask = (1 << log) - 1;
    let s = RegionMaps.slot(key, log);
    while (this.data[base + (s << 1)] !== 0) s = (s + 1) & mask;
    this.data[base + (s << 1)] = key + 1;
    this.data[base + (s << 1) + 1] = value;
  }

  private allocate(r: number, log: number): void {
    const need = this.used + (2 << log);
    if (need > this.data.length) {
      let size = this.data.length;
      while (size < need) size *= 2;
      const data = new Int32Array(size);
      data.set(this.data.subarray(0, this.used));
      this.data = data;
    }
    this.offset[r] = this.used;
    this.logSlots[r] = log;
    this.used = need;
  }

  private regrow(r: number): void {
    const oldBase = this.offset[r]!;
    const oldSlots = 1 << this.logSlots[r]!;
    this.allocate(r, this.logSlots[r]! + 1);
    const data = this.data;
    for (let s = 0; s < oldSlots; s++) {
      const at = oldBase + (s << 1);
      if (data[at] !== 0) this.put(r, data[at]! - 1, data[at + 1]!);
    }
  }
}
