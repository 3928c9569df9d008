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
