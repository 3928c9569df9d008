/**
 * The breadth-first queue of the compiled engine, which is also the record of every state found: state
 * number i is the i-th state added, with the number of its BFS parent and the event that reached it.
 * The states from `head` on are the frontier; those before it are explored, kept for shortest paths.
 *
 *  - MemoryFrontier keeps the records in typed arrays (what dead ends and the result's graph need).
 *  - DiskFrontier appends them to a file (`states.bin` in a state directory), `n + 4` 16-bit words a
 *    record: the state (abort flag, each member's local state), the parent's number (two words) and the
 *    event. It reads the frontier back in large blocks, so memory holds only two buffers; the file is
 *    what a resumed run rebuilds its set of seen states from.
 */
import { closeSync, fsyncSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { grow } from './stateGraph.ts';

/** The state directory of a resumable run is missing, damaged, foreign to this configuration, or already used. */
export class ExploreStateError extends Error {
  override readonly name = 'ExploreStateError';
}

export interface Frontier {
  /** States added so far. */
  readonly count: number;
  push(w: Int32Array, parent: number, via: number): void;
  /** State `index` into w (n + 1 words). */
  read(index: number, w: Int32Array): void;
}

export class MemoryFrontier implements Frontier {
  count = 0;
  words: Uint16Array<ArrayBuffer>;
  parent: Int32Array<ArrayBuffer>;
  via: Int32Array<ArrayBuffer>;

  /** `capacity`: the states to make room for at once (more are made room for as they come). */
  constructor(
    readonly width: number,
    capacity = 1 << 16,
  ) {
    this.words = new Uint16Array(capacity * width);
    this.parent = new Int32Array(capacity);
    this.via = new Int32Array(capacity);
  }

  push(w: Int32Array, parent: number, via: number): void {
    const i = this.count++;
    const base = i * this.width;
    if (base + this.width > this.words.length) this.words = grow(this.words, base + this.width);
    for (let k = 0; k < this.width; k++) this.words[base + k] = w[k]!;
    if (i >= this.parent.length) {
      this.parent = grow(this.parent, i + 1);
      this.via = grow(this.via, i + 1);
    }
    this.parent[i] = parent;
    this.via[i] = via;
  }

  read(index: number, w: Int32Array): void {
    const base = index * this.width;
    for (let k = 0; k < this.width; k++) w[k] = this.words[base + k]!;
  }
}

const BLOCK_RECORDS = 1 << 16;
const NO_VIA = 0xffff;

export class DiskFrontier implements Frontier {
  count: number;
  private readonly fd: number;
  private readonly record: number;
  private readonly out: Uint16Array;
  private outCount = 0;
  /** Records written to the file. */
  private flushed: number;
  private readonly inBuf: Uint16Array;
  private inStart = 0;
  private inEnd = 0;
  private readonly one: Uint16Array;

  /** Opens (creating) the file; `keep` records already in it are kept, any beyond are dropped. */
  constructor(
    readonly path: string,
    readonly width: number,
    keep = 0,
  ) {
    this.record = width + 3;
    this.fd = openSync(path, keep > 0 ? 'r+' : 'w+', 0o600);
    const have = Math.floor(fstatSync(this.fd).size / (this.record * 2));
    if (have < keep) throw new ExploreStateError(`${path}: holds ${have} states, the checkpoint expects ${keep}`);
    ftruncateSync(this.fd, keep * this.record * 2);
    this.count = keep;
    this.flushed = keep;
    this.out = new Uint16Array(BLOCK_RECORDS * this.record);
    this.inBuf = new Uint16Array(BLOCK_RECORDS * this.record);
    this.one = new Uint16Array(this.record);
  }

  push(w: Int32Array, parent: number, via: number): void {
    if (this.outCount === BLOCK_RECORDS) this.flush();
    const base = this.outCount++ * this.record;
    const out = this.out;
    for (let k = 0; k < this.width; k++) out[base + k] = w[k]!;
    out[base + this.width] = parent & 0xffff;
    out[base + this.width + 1] = (parent >>> 16) & 0xffff;
    out[base + this.width + 2] = via < 0 ? NO_VIA : via;
    this.count++;
  }

  /** Writes the buffered records to the file. */
  flush(): void {
    if (this.outCount === 0) return;
    const bytes = this.outCount * this.record * 2;
    let done = 0;
    while (done < bytes) done += writeSync(this.fd, this.out, done, bytes - done, this.flushed * this.record * 2 + done);
    this.flushed += this.outCount;
    this.outCount = 0;
  }

  /** Flushes and asks the disk to keep what was written (before a checkpoint names it). */
  sync(): void {
    this.flush();
    fsyncSync(this.fd);
  }

  private readInto(buf: Uint16Array, first: number, records: number): void {
    const bytes = records * this.record * 2;
    let done = 0;
    while (done < bytes) {
      const got = readSync(this.fd, buf, done, bytes - done, first * this.record * 2 + done);
      if (got === 0) throw new ExploreStateError(`${this.path}: ends before state ${first + records}`);
      done += got;
    }
  }

  /** The record of state `index`, from the read block when it holds it. */
  private at(index: number): { buf: Uint16Array; base: number } {
    if (index >= this.inStart && index < this.inEnd) return { buf: this.inBuf, base: (index - this.inStart) * this.record };
    if (index >= this.flushed) this.flush();
    this.readInto(this.one, index, 1);
    return { buf: this.one, base: 0 };
  }

  /** Reads state `index` (sequential reads from the frontier's head are served a block at a time). */
  read(index: number, w: Int32Array): void {
    if (index < this.inStart || index >= this.inEnd) {
      if (index >= this.flushed) this.flush();
      const records = Math.min(BLOCK_RECORDS, this.flushed - index);
      this.readInto(this.inBuf, index, records);
      this.inStart = index;
      this.inEnd = index + records;
    }
    const base = (index - this.inStart) * this.record;
    for (let k = 0; k < this.width; k++) w[k] = this.inBuf[base + k]!;
  }

  parentOf(index: number): number {
    const { buf, base } = this.at(index);
    const p = buf[base + this.width]! | (buf[base + this.width + 1]! << 16);
    return index === 0 ? -1 : p >>> 0;
  }

  viaOf(index: number): number {
    const { buf, base } = this.at(index);
    const v = buf[base + this.width + 2]!;
    return v === NO_VIA ? -1 : v;
  }

  /** State `index` into w, read on its own (for paths). */
  readOne(index: number, w: Int32Array): void {
    const { buf, base } = this.at(index);
    for (let k = 0; k < this.width; k++) w[k] = buf[base + k]!;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
