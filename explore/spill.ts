/**
 * The set of states seen under a memory bound (`--memory`, with a state directory): delayed duplicate
 * detection. The packed set in memory holds the states seen recently; when it passes half the bound,
 * its states are merged, sorted, into one file of the state directory (`seen.bin`: n + 1 16-bit words a
 * state, ordered word by word, each state once) and the set is emptied.
 *
 * A successor the set in memory does not hold is a candidate: kept, with its parent and event, in a
 * second packed set (so that it is kept once) until the candidates are settled: when memory passes the
 * bound, at a checkpoint and at the end of each breadth-first level. Then the candidates, sorted, are
 * looked up in the file in one sequential pass; those it does not hold are new: appended to the frontier
 * in the order they were found, and added to the set in memory.
 * A candidate found earlier always precedes one found later, so the states get the numbers, parents and
 * events they get in memory: the same figures, the same shortest paths.
 */
import { closeSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
import type { Frontier } from './frontier.ts';
import { grow } from './stateGraph.ts';
import { PackedStateSet } from './stateStore.ts';

/** Records per block read or written. */
const BLOCK = 1 << 15;
/** Records per page of the file: the page index holds the first state of each. */
const PAGE = 1 << 10;

/** Compares the states of `width` words at a[i..] and b[j..], word by word. */
function compare(a: Uint16Array, i: number, b: Uint16Array, j: number, width: number): number {
  for (let k = 0; k < width; k++) {
    const d = a[i + k]! - b[j + k]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** The order of the first `count` states of rows (`width` words each), sorted. */
function sortedOrder(rows: Uint16Array, count: number, width: number): Uint32Array {
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  return order.sort((x, y) => compare(rows, x * width, rows, y * width, width));
}

/** Reads a file of states in order, a block at a time: the current state is buf[base .. base + width]. */
class Reader {
  readonly buf: Uint16Array;
  base = 0;
  private inBlock = 0;
  private read = 0;
  private readonly fd: number;

  constructor(
    path: string,
    readonly width: number,
    private readonly total: number,
  ) {
    this.fd = openSync(path, 'r');
    this.buf = new Uint16Array(BLOCK * width);
    this.fill();
  }

  get done(): boolean {
    return this.base >= this.inBlock * this.width;
  }

  private fill(): void {
    const records = Math.min(BLOCK, this.total - this.read);
    const bytes = records * this.width * 2;
    let done = 0;
    while (done < bytes) {
      const got = readSync(this.fd, this.buf, done, bytes - done, this.read * this.width * 2 + done);
      if (got === 0) throw new Error('the file of states seen ends early');
      done += got;
    }
    this.read += records;
    this.inBlock = records;
    this.base = 0;
  }

  next(): void {
    this.base += this.width;
    if (this.base >= this.inBlock * this.width && this.read < this.total) this.fill();
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Writes states to a file, a block at a time. */
class Writer {
  count = 0;
  private readonly buf: Uint16Array;
  private inBlock = 0;
  private written = 0;

  constructor(
    private readonly fd: number,
    readonly width: number,
  ) {
    this.buf = new Uint16Array(BLOCK * width);
  }

  /** The first state of each page written. */
  index: Uint16Array<ArrayBuffer> = new Uint16Array(0);

  put(from: Uint16Array, at: number): void {
    if (this.inBlock === BLOCK) this.flush();
    if (this.count % PAGE === 0) {
      const page = this.count / PAGE;
      this.index = grow(this.index, (page + 1) * this.width);
      for (let k = 0; k < this.width; k++) this.index[page * this.width + k] = from[at + k]!;
    }
    const buf = this.buf;
    const base = this.inBlock * this.width;
    for (let k = 0; k < this.width; k++) buf[base + k] = from[at + k]!;
    this.inBlock++;
    this.count++;
  }

  flush(): void {
    const bytes = this.inBlock * this.width * 2;
    let done = 0;
    while (done < bytes) done += writeSync(this.fd, this.buf, done, bytes - done, this.written + done);
    this.written += bytes;
    this.inBlock = 0;
  }
}

export class SpilledStateSet {
  /** States in the file. */
  stored = 0;
  /** The first state of each page of the file. */
  private index: Uint16Array = new Uint16Array(0);
  private readonly page: Uint16Array;
  /** Times the set in memory was moved to the file. */
  spills = 0;
  private rows: Uint16Array<ArrayBuffer>;
  private parent: Int32Array<ArrayBuffer>;
  private via: Int32Array<ArrayBuffer>;
  /** Candidates kept. */
  private count = 0;
  private readonly w: Int32Array;
  private asked = 0;
  /** The candidates, to keep each once. */
  private readonly candidates: PackedStateSet;
  /** The bound in bytes: as asked, but at least 4 times what the empty set and candidate lists take. */
  readonly bound: number;

  /** `path`: the file (made empty: a resumed run rebuilds it from the state file); `bound`: bytes. */
  constructor(
    readonly set: PackedStateSet,
    readonly path: string,
    readonly width: number,
    bound: number,
  ) {
    closeSync(openSync(path, 'w', 0o600));
    this.candidates = new PackedStateSet(set.n, false, set.bits);
    this.rows = new Uint16Array(1024 * width);
    this.parent = new Int32Array(1024);
    this.via = new Int32Array(1024);
    this.w = new Int32Array(width);
    this.page = new Uint16Array(PAGE * width);
    this.bound = Math.max(bound, 4 * (set.bytes + this.candidateBytes));
  }

  /** Bytes the candidates take. */
  private get candidateBytes(): number {
    return this.candidates.bytes + this.rows.byteLength + this.parent.byteLength * 2;
  }

  /** Whether the set in memory and the candidates are past the bound (then `settle`); looked at every 64th call. */
  pastBound(): boolean {
    return (++this.asked & 63) === 0 && this.set.bytes + this.candidateBytes > this.bound;
  }

  /**
   * The successors of state `parent`, `count` states of n + 1 words from the start of `states` reached
   * by the events `via`: those the set in memory does not hold become candidates.
   */
  successors(states: ArrayLike<number>, count: number, parent: number, via: Int32Array): void {
    const set = this.set;
    const candidates = this.candidates;
    if (candidates.bits !== set.bits) candidates.widen(set.bits);
    set.prepare(states, count);
    candidates.prepare(states, count);
    for (let p = 0; p < count; p++) {
      if (!set.hasPrepared(p) && candidates.addPrepared(p, 0) < 0) this.candidate(states, p * this.width, parent, via[p]!);
    }
  }

  private candidate(states: ArrayLike<number>, from: number, parent: number, via: number): void {
    const c = this.count++;
    if (c >= this.parent.length) {
      this.rows = grow(this.rows, (c + 1) * this.width);
      this.parent = grow(this.parent, c + 1);
      this.via = grow(this.via, c + 1);
    }
    for (let k = 0; k < this.width; k++) this.rows[c * this.width + k] = states[from + k]!;
    this.parent[c] = parent;
    this.via[c] = via;
  }

  /** A state of the state file (a resumed run rebuilding the set). */
  addSeen(w: Int32Array): void {
    this.set.add(w, 0);
    if ((this.set.count & 4095) === 0 && this.set.bytes > this.bound / 2) this.spill();
  }

  /**
   * Appends the candidates the file does not hold to the frontier, in the order found, and moves the
   * set in memory to the file when it takes more than half the bound.
   */
  settle(frontier: Frontier): void {
    const width = this.width;
    const count = this.count;
    if (count > 0) {
      const present = new Uint8Array(count);
      if (this.stored > 0) {
        const order = sortedOrder(this.rows, count, width);
        this.lookUp(order, present);
      }
      const w = this.w;
      for (let c = 0; c < count; c++) {
        if (present[c]) continue;
        for (let k = 0; k < width; k++) w[k] = this.rows[c * width + k]!;
        frontier.push(w, this.parent[c]!, this.via[c]!);
        this.set.add(w, 0);
      }
      this.count = 0;
      this.candidates.clear();
      if (this.parent.length > 1024) {
        this.rows = new Uint16Array(1024 * width);
        this.parent = new Int32Array(1024);
        this.via = new Int32Array(1024);
      }
    }
    if (this.set.bytes > this.bound / 2) this.spill();
  }

  /**
   * Marks the candidates (in sorted `order`) the file holds: each is looked for by binary search in the
   * one page where it could be, found with the page index; pages without a candidate are not read.
   */
  private lookUp(order: Uint32Array, present: Uint8Array): void {
    const width = this.width;
    const rows = this.rows;
    const index = this.index;
    const pages = Math.ceil(this.stored / PAGE);
    const fd = openSync(this.path, 'r');
    let pg = 0;
    let loaded = -1;
    let inPage = 0;
    for (let i = 0; i < order.length; i++) {
      const at = order[i]! * width;
      while (pg + 1 < pages && compare(index, (pg + 1) * width, rows, at, width) <= 0) pg++;
      if (compare(index, pg * width, rows, at, width) > 0) continue;
      if (pg !== loaded) {
        inPage = Math.min(PAGE, this.stored - pg * PAGE);
        const bytes = inPage * width * 2;
        let done = 0;
        while (done < bytes) {
          const got = readSync(fd, this.page, done, bytes - done, pg * PAGE * width * 2 + done);
          if (got === 0) throw new Error('the file of states seen ends early');
          done += got;
        }
        loaded = pg;
      }
      let lo = 0;
      let hi = inPage - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const c = compare(this.page, mid * width, rows, at, width);
        if (c === 0) {
          present[order[i]!] = 1;
          break;
        }
        if (c < 0) lo = mid + 1;
        else hi = mid - 1;
      }
    }
    closeSync(fd);
  }

  /** Merges the set in memory into the file and empties it (no candidates pending). */
  private spill(): void {
    const width = this.width;
    const rows = new Uint16Array(this.set.count * width);
    const count = this.set.unpackAll(rows);
    const order = sortedOrder(rows, count, width);
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    const writer = new Writer(fd, width);
    const reader = this.stored > 0 ? new Reader(this.path, width, this.stored) : undefined;
    let i = 0;
    for (;;) {
      const fromFile = reader !== undefined && !reader.done;
      if (i === count && !fromFile) break;
      const c = i === count ? 1 : !fromFile ? -1 : compare(rows, order[i]! * width, reader.buf, reader.base, width);
      if (c < 0) writer.put(rows, order[i++]! * width);
      else {
        writer.put(reader!.buf, reader!.base);
        reader!.next();
        // A state both in memory and in the file (a candidate the file held) is written once.
        if (c === 0) i++;
      }
    }
    writer.flush();
    closeSync(fd);
    reader?.close();
    renameSync(tmp, this.path);
    this.stored = writer.count;
    this.index = writer.index;
    this.spills++;
    this.set.clear();
  }
}
