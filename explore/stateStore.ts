/**
 * A set of group states, each `width` 16-bit words (the transaction's abort flag, then each member's
 * local state), numbered in insertion order: an open-addressing hash table over typed arrays, so a
 * few million states cost tens of megabytes and no garbage.
 */
export class StateStore {
  words: Uint16Array;
  count = 0;
  private table: Int32Array;
  private mask: number;

  constructor(readonly width: number, capacity = 1 << 16) {
    this.words = new Uint16Array(capacity * width);
    let size = 1 << 4;
    while (size < capacity * 2) size *= 2;
    this.table = new Int32Array(size).fill(-1);
    this.mask = size - 1;
  }

  private hash(w: Uint16Array | Int32Array, off: number): number {
    let h = 0x811c9dc5;
    for (let k = 0; k < this.width; k++) h = Math.imul(h ^ w[off + k]!, 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    return (h ^ (h >>> 12)) >>> 0;
  }

  private equals(index: number, w: Int32Array): boolean {
    const base = index * this.width;
    for (let k = 0; k < this.width; k++) if (this.words[base + k] !== w[k]) return false;
    return true;
  }

  /** The number of the state `w` (width words); when it is new, adds it and returns -(number + 1). */
  add(w: Int32Array): number {
    let slot = this.hash(w, 0) & this.mask;
    for (;;) {
      const at = this.table[slot]!;
      if (at < 0) break;
      if (this.equals(at, w)) return at;
      slot = (slot + 1) & this.mask;
    }
    const index = this.count++;
    if ((index + 1) * this.width > this.words.length) {
      const bigger = new Uint16Array(this.words.length * 2);
      bigger.set(this.words);
      this.words = bigger;
    }
    this.words.set(w.subarray(0, this.width), index * this.width);
    this.table[slot] = index;
    if (this.count * 2 > this.table.length) this.rehash();
    return -(index + 1);
  }

  /** The number of state `w`, or -1. */
  find(w: Int32Array): number {
    let slot = this.hash(w, 0) & this.mask;
    for (;;) {
      const at = this.table[slot]!;
      if (at < 0) return -1;
      if (this.equals(at, w)) return at;
      slot = (slot + 1) & this.mask;
    }
  }

  read(index: number, out: Int32Array): void {
    const base = index * this.width;
    for (let k = 0; k < this.width; k++) out[k] = this.words[base + k]!;
  }

  private rehash(): void {
    const size = this.table.length * 2;
    this.table = new Int32Array(size).fill(-1);
    this.mask = size - 1;
    for (let i = 0; i < this.count; i++) {
      let slot = this.hash(this.words, i * this.width) & this.mask;
      while (this.table[slot]! >= 0) slot = (slot + 1) & this.mask;
      this.table[slot] = i;
    }
  }
}
