/**
 * The compiled engine on two threads (`qjob explore --threads 2`): this thread expands states, a
 * worker thread (node:worker_threads) keeps the set of states seen and the breadth-first queue. What
 * one expansion finds goes to the worker as a batch through a ring of shared memory; the worker looks
 * the batch's successors up in the set, in the order found, and appends the new ones to the queue,
 * which is shared too, so that this thread reads from it the states to expand. The states are
 * numbered, counted and stopped at (`maxStates`) exactly as on one thread: one thread interns local
 * states and builds tables in the order of expansion, the other adds successors in that same order.
 *
 * Shared memory: control words (Int32, read and written with Atomics), the ring (batches: the number
 * of successors and the bits per member of their keys, then per successor a record: its key as the set
 * packs it, the key's hash and the event code; or, for a successor that differs from the state expanded
 * in one member's local state only, a MOVED record, that member and local state in one word and the event
 * code, the worker packing the key from the state expanded, which its queue holds; for several such
 * successors of one member at once, a RUN record, the member and where their local states and events
 * are in the runs' list (shared memory this thread appends a run to when it first sends it); a -1
 * where the writer went back to the ring's start), and the queue's states (16-bit words, n + 1 per
 * state, in a growable SharedArrayBuffer of at most 4 GiB). A batch, a state in the queue, a run, is
 * written before the control word that makes it visible. A batch is written as the expansion finds its
 * successors, in room made for the largest one at its start.
 *
 * The worker thread runs this module: from the TypeScript sources (through tsx, or under vitest) it
 * first registers tsx, whose hooks a new thread does not inherit; from the bundle built by
 * scripts/build.mjs it starts from dist/explore-worker.mjs, which that script builds beside
 * dist/qjob.mjs.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMainThread, MessageChannel, receiveMessageOnPort, Worker, workerData, type MessagePort } from 'node:worker_threads';
import { grow } from './stateGraph.ts';
import { hashKey, keyBits, keyWords, PackedStateSet, packKey, setMember, unpackKey } from './stateStore.ts';

/**
 * A MOVED record's first word: the member (4 bits) and its new local state, shifted left twice. Its low
 * bit is 0 where a key's first word has the presence bit; the next one is 0 where a RUN record's is 1.
 */
function moved(member: number, local: number): number {
  return (member | (local << 4)) << 2;
}

/** A RUN record's first word: the member and the code of its events' template 0 (see `appendRun`). */
function runWord(member: number, codes: number): number {
  return ((member | (codes << 4)) << 2) | 2;
}

/**
 * A member's moves that a RUN record names (compiled.ts's Run): the distinct local states it goes to,
 * and the template of each.
 */
export interface MemberRun {
  readonly id: number;
  readonly to: Int32Array;
  readonly templates: Int32Array;
}

/**
 * Control words: those this thread writes, then, 128 bytes on (other cache lines: a line written by
 * both threads would go back and forth between their cores), those the worker writes.
 */
const WRITE = 0; // ring position after the last batch written
const DONE = 1; // 1: no more batches; 2: stop at once (the expanding thread failed)
const EXPANDER_WAITS = 2; // 1: this thread sleeps on BATCHES
const READ = 32; // ring position after the last batch added
const BATCHES = 33; // batches added (states expanded whose successors are in the set)
const COUNT = 34; // states in the queue
const LOOKED_UP = 35; // successors of the batches added
const DEPTH = 36; // the breadth-first level of the last batch added
const FINISHED = 37; // 1: every batch added and the records posted; 2: the worker failed (message posted)
const STORE_WAITS = 38; // 1: the worker sleeps on WRITE
const CONTROL_WORDS = 64;

/** Ring words (4 MiB). A batch is at most a few thousand. */
const RING = 1 << 20;
/** The runs' list grows up to this. */
const MAX_RUN_BYTES = 2 ** 28;
/** The queue's SharedArrayBuffer grows up to this (the largest a SharedArrayBuffer can be here). */
const MAX_QUEUE_BYTES = 2 ** 32 - 2 ** 16;
/**
 * How long the worker may take to start. This thread waits synchronously, so it hears nothing of a
 * worker that fails to load (its 'error' event would come on the event loop): past this, it gives up.
 */
const START_MS = 60_000;
/** Polls of a control word before sleeping on it. */
const SPINS = 200;
/**
 * A sleeping worker is woken once this many batches wait (or when this thread needs it): a wake-up is a
 * system call, too dear for every batch when the worker keeps up. The worker says how far it got
 * every PUBLISH_BATCHES batches, and whenever it has added every batch sent.
 */
const WAKE_BATCHES = 64;
const PUBLISH_BATCHES = 32;
/** This thread says how far it wrote every PUBLISH_WRITE batches (a shared word written less often is read less often across cores), and whenever it waits. */
const PUBLISH_WRITE = 8;

/** What `next` says of the state to expand. */
export const EXPAND = 0;
export const COMPLETE = 1;
export const LIMIT = 2;

interface StoreSetup {
  readonly qjobExploreStore: true;
  readonly n: number;
  readonly control: SharedArrayBuffer;
  readonly ring: SharedArrayBuffer;
  readonly queue: SharedArrayBuffer;
  readonly runs: SharedArrayBuffer;
  readonly initial: Int32Array;
  /** Keep each successor's state number, in the order sent (the successor lists need them). */
  readonly numbers: boolean;
  /** Bits per member of the first keys. */
  readonly bits: number;
  /** States to make room for at once. */
  readonly expected: number;
  readonly port: MessagePort;
}

/** What the worker hands back once every batch is added. */
export interface StoreRecords {
  /** States found, the level of the last state expanded. */
  readonly count: number;
  readonly depth: number;
  readonly parent: Int32Array<ArrayBuffer>;
  readonly via: Int32Array<ArrayBuffer>;
  /** Per successor sent, in order: its state number (empty unless asked for). */
  readonly numbers: Int32Array<ArrayBuffer>;
}

type FromStore = { readonly records: StoreRecords } | { readonly error: string };

/** The module a worker thread starts from. */
function workerUrl(): URL {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) {
    const bundle = new URL('./explore-worker.mjs', self);
    if (!existsSync(fileURLToPath(bundle))) throw new Error(`${fileURLToPath(bundle)} is missing: run npm run build`);
    return bundle;
  }
  const tsx = import.meta.resolve('tsx/esm/api');
  const source = `import { register } from ${JSON.stringify(tsx)};\nregister();\nawait import(${JSON.stringify(self)});\n`;
  return new URL(`data:text/javascript,${encodeURIComponent(source)}`);
}

/** This thread's side: sends the batches, reads the queue, waits where the order requires it. */
export class StoreThread {
  private readonly control: Int32Array;
  private readonly ring: Int32Array;
  private readonly queueBuffer: SharedArrayBuffer;
  /** The runs sent: per run, its number of local states, those states, their templates. */
  private readonly runBuffer: SharedArrayBuffer;
  private runs: Int32Array;
  private runsEnd = 0;
  /** Per run (MemberRun.id): where it is in the runs' list, + 1 (0: not there yet). */
  private runAt = new Int32Array(64);
  /** A view of the queue as long as it was when last looked at (a view that tracks a growing buffer's length is slower to index). */
  private queue: Uint16Array;
  private readonly port: MessagePort;
  private readonly worker: Worker;
  private readonly width: number;
  /** Bits per member of the keys sent: chosen as a set on one thread chooses them (the worker's set follows). */
  private bits: number;
  /** 32-bit words of those keys. */
  private words: number;
  private write = 0;
  private batches = 0;
  /** The open batch: where it starts in the ring, where its next key goes, its successors. */
  private batchAt = 0;
  private batchEnd = 0;
  private batchCount = 0;
  /** Successors sent so far: the number the next one sent has in the order of `numbers`. */
  sent = 0;
  private closed = false;
  /** The worker's figures as last read: states found, successors looked up, ring position. */
  private seenCount = 0;
  private seenLookedUp = 0;
  private seenRead = 0;
  /** Why the worker stopped, when it failed to start. */
  private failure: string | undefined;
  private readonly startedAt = performance.now();

  /** `start`: where the worker starts from and how long it may take (tests give a module that fails). */
  constructor(
    private readonly n: number,
    initial: Int32Array,
    numbers: boolean,
    locals: number,
    /** The most successors one expansion can find. */
    private readonly maxBatch: number,
    expected = 0,
    private readonly start: { readonly url?: URL; readonly ms?: number } = {},
  ) {
    if (n > 16) throw new RangeError(`${n} members: a MOVED record names at most 16`);
    this.width = n + 1;
    this.bits = keyBits(n, locals);
    this.words = keyWords(n, this.bits);
    const control = new SharedArrayBuffer(CONTROL_WORDS * 4);
    const ring = new SharedArrayBuffer(RING * 4);
    const queue = new SharedArrayBuffer(Math.min(MAX_QUEUE_BYTES, Math.max(1 << 20, expected * this.width * 2)), { maxByteLength: MAX_QUEUE_BYTES });
    this.control = new Int32Array(control);
    this.ring = new Int32Array(ring);
    this.queueBuffer = queue;
    this.queue = fixedView(queue);
    this.runBuffer = new SharedArrayBuffer(1 << 16, { maxByteLength: MAX_RUN_BYTES });
    this.runs = new Int32Array(this.runBuffer, 0, this.runBuffer.byteLength >>> 2);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const setup: StoreSetup = { qjobExploreStore: true, n, control, ring, queue, runs: this.runBuffer, initial: Int32Array.from(initial), numbers, bits: this.bits, expected, port: port2 };
    this.worker = new Worker(start.url ?? workerUrl(), { workerData: setup, transferList: [port2] });
    this.worker.unref();
    // A worker that fails to start posts nothing: its error ends the wait below.
    this.worker.on('error', (err) => {
      Atomics.store(this.control, FINISHED, 2);
      this.failure ??= err instanceof Error ? err.message : String(err);
      Atomics.notify(this.control, BATCHES);
    });
  }

  /** States in the queue (at least; the worker may have added more since). */
  get count(): number {
    return Atomics.load(this.control, COUNT);
  }

  get depth(): number {
    return Atomics.load(this.control, DEPTH);
  }

  /**
   * Whether state `current` is to be expanded (its words into w), as on one thread: not when every
   * state found is expanded (COMPLETE), nor when more than `maxStates` are found (LIMIT). Without
   * waiting while the state is in the queue and the states found cannot be more than `maxStates`.
   */
  next(current: number, maxStates: number, w: Int32Array): number {
    const control = this.control;
    // What the worker said last time, while it still settles the question: counts only grow, and an
    // older (count, looked up) pair still bounds the states found.
    if (current < this.seenCount && this.seenCount + (this.sent - this.seenLookedUp) <= maxStates) return this.take(current, w);
    for (let spin = 0; ; spin++) {
      // Read in the reverse of the order the worker writes them (count, looked up, batches): `count`
      // is then at least what the batches read say, and exact once every batch sent is added.
      const lookedUp = Atomics.load(control, LOOKED_UP);
      const added = Atomics.load(control, BATCHES);
      const count = Atomics.load(control, COUNT);
      this.seenLookedUp = lookedUp;
      this.seenCount = count;
      // Until the worker has added the initial state, nothing is known.
      const exact = added === current && count > 0;
      if (exact && current >= count) return COMPLETE;
      if (exact && count > maxStates) return LIMIT;
      // Every successor not yet looked up may be new: the states found are at most this many.
      if (current < count && (exact || count + (this.sent - lookedUp) <= maxStates)) return this.take(current, w);
      this.wait(added, spin);
    }
  }

  /** State `current` of the queue into w. */
  private take(current: number, w: Int32Array): number {
    this.read(current, w);
    return EXPAND;
  }

  /** Sleeps until the worker adds a batch (after `spin` polls: first a few polls without sleeping). */
  private wait(added: number, spin: number): void {
    const control = this.control;
    this.check();
    this.flush();
    if (spin === 0) this.wake();
    if (spin < SPINS) return;
    Atomics.store(control, EXPANDER_WAITS, 1);
    Atomics.wait(control, BATCHES, added, 20);
    Atomics.store(control, EXPANDER_WAITS, 0);
  }

  /** Fails when the worker has failed, or has not started in START_MS. */
  private check(): void {
    const control = this.control;
    if (Atomics.load(control, FINISHED) === 2) this.fail();
    const startMs = this.start.ms ?? START_MS;
    if (Atomics.load(control, COUNT) === 0 && performance.now() - this.startedAt > startMs) {
      this.failure = `it did not start in ${startMs / 1000} s`;
      this.fail();
    }
  }

  private fail(): never {
    const m = receiveMessageOnPort(this.port)?.message as FromStore | undefined;
    const reason = m !== undefined && 'error' in m ? m.error : (this.failure ?? 'it stopped');
    this.close();
    throw new Error(`the state set's thread failed: ${reason}`);
  }

  /**
   * Opens the batch of the state about to be expanded: makes room in the ring for the most successors
   * an expansion can find (`maxBatch`), with keys of four words. `locals`: the local states interned.
   */
  begin(locals: number): void {
    if (locals - 1 > (1 << this.bits) - 1) this.setBits(keyBits(this.n, locals));
    const size = 2 + this.maxBatch * 6;
    const ring = this.ring;
    let at = this.write;
    for (let spin = 0; ; spin++) {
      const read = this.seenRead;
      if (at >= read ? size < RING - at || size < read : at + size < read) break;
      if (spin > 0) this.waitForRoom(spin);
      this.seenRead = Atomics.load(this.control, READ);
    }
    if (size >= RING - at) {
      ring[at] = -1;
      at = 0;
    }
    this.batchAt = at;
    this.batchEnd = at + 2;
    this.batchCount = 0;
  }

  /**
   * Adds successor w (n + 1 words), reached by event `code`, to the open batch; `locals` as in `begin`.
   * `member` >= 0: w differs from the state expanded in that member's local state alone, which is then
   * all that is sent (a MOVED record: the worker packs the key from the state expanded, in its queue).
   */
  append(w: Int32Array, code: number, locals: number, member = -1): void {
    if (locals - 1 > (1 << this.bits) - 1) this.rebits(keyBits(this.n, locals));
    if (this.batchCount === this.maxBatch) throw new Error(`an expansion found more than ${this.maxBatch} successors`);
    const p = this.batchEnd;
    const ring = this.ring;
    if (member >= 0) {
      ring[p] = moved(member, w[1 + member]!);
      ring[p + 1] = code;
      this.batchEnd = p + 2;
    } else {
      const words = this.words;
      // packKey writes 4 words: those past the key's own are the hash's and the code's places (or the next record's).
      ring[p + words] = packKey(w, 0, this.n, this.bits, words, ring, p);
      ring[p + words + 1] = code;
      this.batchEnd = p + words + 2;
    }
    this.batchCount++;
  }

  /**
   * Adds run `run` of member `member` to the open batch, as one record: its successors in order, each the
   * state expanded with that member in local state run.to[u], by event code `codes` + run.templates[u].
   * `locals` as in `begin`.
   */
  appendRun(member: number, codes: number, run: MemberRun, locals: number): void {
    if (locals - 1 > (1 << this.bits) - 1) this.rebits(keyBits(this.n, locals));
    const count = run.to.length;
    if (this.batchCount + count > this.maxBatch) throw new Error(`an expansion found more than ${this.maxBatch} successors`);
    if (codes >= 1 << 25) throw new RangeError(`event code ${codes} does not fit in a RUN record`);
    const at = run.id < this.runAt.length ? this.runAt[run.id]! - 1 : -1;
    const p = this.batchEnd;
    this.ring[p] = runWord(member, codes);
    this.ring[p + 1] = at >= 0 ? at : this.addRun(run);
    this.batchEnd = p + 2;
    this.batchCount += count;
  }

  /** Appends run `run` to the runs' list (before any batch that names it is published); where it is. */
  private addRun(run: MemberRun): number {
    const count = run.to.length;
    const at = this.runsEnd;
    const end = at + 1 + 2 * count;
    if (end > this.runs.length) {
      let bytes = this.runBuffer.byteLength;
      while (end * 4 > bytes) bytes *= 2;
      if (bytes > MAX_RUN_BYTES) throw new Error(`the runs sent take more than ${MAX_RUN_BYTES / 2 ** 20} MiB`);
      this.runBuffer.grow(bytes);
      this.runs = new Int32Array(this.runBuffer, 0, bytes >>> 2);
    }
    const runs = this.runs;
    runs[at] = count;
    runs.set(run.to, at + 1);
    runs.set(run.templates, at + 1 + count);
    this.runsEnd = end;
    this.runAt = grow(this.runAt, run.id + 1);
    this.runAt[run.id] = at + 1;
    return at;
  }

  /** Repacks the keys of the open batch with `bits` bits per member (a local state that did not fit was interned). */
  private rebits(bits: number): void {
    const n = this.n;
    const oldBits = this.bits;
    const oldWords = this.words;
    this.setBits(bits);
    const words = this.words;
    const records = this.ring.slice(this.batchAt + 2, this.batchEnd);
    const w = new Int32Array(n + 1);
    let p = this.batchAt + 2;
    let at = 0;
    for (let s = 0; s < this.batchCount; s++) {
      if ((records[at]! & 1) === 0) {
        // A MOVED or RUN record (two words; a RUN for several successors) does not depend on the bits.
        if (records[at]! & 2) s += this.runs[records[at + 1]!]! - 1;
        this.ring[p] = records[at]!;
        this.ring[p + 1] = records[at + 1]!;
        p += 2;
        at += 2;
        continue;
      }
      unpackKey(records, at, n, oldBits, w, 0);
      this.ring[p + words] = packKey(w, 0, n, bits, words, this.ring, p);
      this.ring[p + words + 1] = records[at + oldWords + 1]!;
      p += words + 2;
      at += oldWords + 2;
    }
    this.batchEnd = p;
  }

  private setBits(bits: number): void {
    this.bits = bits;
    this.words = keyWords(this.n, bits);
  }

  /** Closes the open batch: the worker may look its successors up. */
  end(): void {
    const ring = this.ring;
    ring[this.batchAt] = this.batchCount;
    ring[this.batchAt + 1] = this.bits;
    this.write = this.batchEnd;
    this.sent += this.batchCount;
    this.batches++;
    // The worker hears of the batches every few; at once when this thread is about to wait for it.
    if (this.batches % PUBLISH_WRITE === 0) this.flush();
    if (this.batches % WAKE_BATCHES === 0) this.wake();
  }

  /** Tells the worker of every batch closed. */
  private flush(): void {
    Atomics.store(this.control, WRITE, this.write);
  }

  /** Wakes the worker if it sleeps. */
  private wake(): void {
    if (Atomics.load(this.control, STORE_WAITS) === 1) Atomics.notify(this.control, WRITE);
  }

  private waitForRoom(spin: number): void {
    const control = this.control;
    this.check();
    this.flush();
    if (spin === 1) this.wake();
    if (spin < SPINS) return;
    Atomics.store(control, EXPANDER_WAITS, 1);
    Atomics.wait(control, BATCHES, Atomics.load(control, BATCHES), 20);
    Atomics.store(control, EXPANDER_WAITS, 0);
  }

  /** State `index` of the queue into w. */
  read(index: number, w: Int32Array): void {
    const base = index * this.width;
    if (base + this.width > this.queue.length) this.queue = fixedView(this.queueBuffer);
    const q = this.queue;
    for (let k = 0; k < this.width; k++) w[k] = q[base + k]!;
  }

  /** Waits until every batch sent is added; the worker's records. */
  finish(): StoreRecords {
    const control = this.control;
    this.flush();
    Atomics.store(control, DONE, 1);
    Atomics.notify(control, WRITE);
    for (;;) {
      this.check();
      if (Atomics.load(control, FINISHED) === 1) break;
      Atomics.wait(control, FINISHED, 0, 50);
    }
    const m = receiveMessageOnPort(this.port)?.message as FromStore | undefined;
    if (m === undefined || !('records' in m)) this.fail();
    this.close();
    return m.records;
  }

  /** Stops the worker (after `finish`, or when expansion failed). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.control, DONE, 2);
    Atomics.notify(this.control, WRITE);
    this.port.close();
    void this.worker.terminate();
  }
}

/** The queue's words as far as its buffer goes now. */
function fixedView(buffer: SharedArrayBuffer): Uint16Array {
  return new Uint16Array(buffer, 0, buffer.byteLength >>> 1);
}

/** The worker's side: adds the batches in order until told there are no more. */
function serve(setup: StoreSetup): void {
  const { n, numbers: keepNumbers, port } = setup;
  const width = n + 1;
  const control = new Int32Array(setup.control);
  const ring = new Int32Array(setup.ring);
  const queueBuffer = setup.queue;
  let queue = fixedView(queueBuffer);
  const runBuffer = setup.runs;
  let runs = new Int32Array(runBuffer, 0, runBuffer.byteLength >>> 2);
  // With the numbers kept, a state seen again is numbered from the set.
  const set = new PackedStateSet(n, keepNumbers, setup.bits, setup.expected);
  let parent = new Int32Array(Math.max(setup.expected, 1 << 16));
  let via = new Int32Array(Math.max(setup.expected, 1 << 16));
  let numbers = new Int32Array(keepNumbers ? 1 << 16 : 0);
  let count = 0;
  let numbered = 0;
  let depth = 0;
  let levelEnd = 1;
  let batches = 0;
  let lookedUp = 0;
  let read = 0;
  let codes = new Int32Array(1 << 8);
  const parentKey = new Int32Array(4);
  /** Appends the state whose key (`bits` bits per member) is at `at` of `from`. */
  const push = (from: Int32Array, at: number, bits: number, p: number, code: number) => {
    const base = count * width;
    if (base + width > queue.length) {
      let bytes = queueBuffer.byteLength;
      while ((base + width) * 2 > bytes) bytes *= 2;
      if (bytes > MAX_QUEUE_BYTES) {
        if ((base + width) * 2 > MAX_QUEUE_BYTES) throw new Error(`more than ${Math.floor(MAX_QUEUE_BYTES / 2 / width).toLocaleString('en-US')} states do not fit in memory on two threads; explore with --state-dir`);
        bytes = MAX_QUEUE_BYTES;
      }
      queueBuffer.grow(bytes);
      queue = fixedView(queueBuffer);
    }
    unpackKey(from, at, n, bits, queue, base);
    if (count >= parent.length) {
      parent = grow(parent, count + 1);
      via = grow(via, count + 1);
    }
    parent[count] = p;
    via[count] = code;
    count++;
  };
  set.add(setup.initial, 0);
  const initial = new Int32Array(4);
  packKey(setup.initial, 0, n, setup.bits, keyWords(n, setup.bits), initial, 0);
  push(initial, 0, setup.bits, -1, -1);
  Atomics.store(control, COUNT, count);
  Atomics.notify(control, BATCHES);
  /** Says how far the worker got: in the reverse of the order `next` reads them. */
  const publish = () => {
    Atomics.store(control, COUNT, count);
    Atomics.store(control, DEPTH, depth);
    Atomics.store(control, LOOKED_UP, lookedUp);
    Atomics.store(control, BATCHES, batches);
    Atomics.store(control, READ, read);
    if (Atomics.load(control, EXPANDER_WAITS) === 1) Atomics.notify(control, BATCHES);
  };
  let write = 0;
  for (let spin = 0; ; spin++) {
    if (read === write) write = Atomics.load(control, WRITE);
    if (read === write) {
      const done = Atomics.load(control, DONE);
      // The last batch may have come between reading WRITE and DONE.
      if (done === 2 || (done === 1 && Atomics.load(control, WRITE) === read)) break;
      if (spin >= SPINS) {
        Atomics.store(control, STORE_WAITS, 1);
        if (Atomics.load(control, WRITE) === read && Atomics.load(control, DONE) === 0) Atomics.wait(control, WRITE, read, 20);
        Atomics.store(control, STORE_WAITS, 0);
      }
      continue;
    }
    spin = 0;
    if (ring[read] === -1) read = 0;
    const successors = ring[read]!;
    const bits = ring[read + 1]!;
    if (bits !== set.bits) set.widen(bits);
    const words = keyWords(n, bits);
    // The level of the state whose successors these are.
    if (batches === levelEnd) {
      depth++;
      levelEnd = count;
    }
    // The batch's keys, written into the set's batch: as sent, or (MOVED, RUN) the state expanded's with one member changed.
    set.openBatch(successors);
    const keys = set.batchKeyWords;
    const hashes = set.batchHashWords;
    if (codes.length < successors) codes = new Int32Array(successors * 2);
    packKey(queue, batches * width, n, bits, words, parentKey, 0);
    let p = read + 2;
    for (let s = 0; s < successors; ) {
      const first = ring[p]!;
      if (first & 1) {
        const at = s << 2;
        for (let k = 0; k < words; k++) keys[at + k] = ring[p + k]!;
        hashes[s] = ring[p + words]!;
        codes[s++] = ring[p + words + 1]!;
        p += words + 2;
      } else if (first & 2) {
        // RUN: the member, the code of template 0, then where the run is in the runs' list.
        const member = (first >>> 2) & 15;
        const base = first >>> 6;
        const r = ring[p + 1]!;
        if (r >= runs.length || r + 1 + 2 * runs[r]! > runs.length) runs = new Int32Array(runBuffer, 0, runBuffer.byteLength >>> 2);
        const count = runs[r]!;
        for (let u = 0; u < count; u++) {
          const at = s << 2;
          for (let k = 0; k < words; k++) keys[at + k] = parentKey[k]!;
          setMember(keys, at, member, bits, runs[r + 1 + u]!);
          hashes[s] = hashKey(keys, at, words);
          codes[s++] = base + runs[r + 1 + count + u]!;
        }
        p += 2;
      } else {
        const at = s << 2;
        for (let k = 0; k < words; k++) keys[at + k] = parentKey[k]!;
        setMember(keys, at, (first >>> 2) & 15, bits, first >>> 6);
        hashes[s] = hashKey(keys, at, words);
        codes[s++] = ring[p + 1]!;
        p += 2;
      }
    }
    set.preparedBatch(successors);
    for (let s = 0; s < successors; s++) {
      let index = set.addPrepared(s, count);
      if (index < 0) {
        index = count;
        push(keys, s << 2, bits, batches, codes[s]!);
      }
      if (keepNumbers) {
        if (numbered >= numbers.length) numbers = grow(numbers, numbered + 1);
        numbers[numbered++] = index;
      }
    }
    read = p;
    batches++;
    lookedUp += successors;
    if (read === write || batches % PUBLISH_BATCHES === 0) publish();
  }
  if (Atomics.load(control, DONE) === 2) return;
  const records: StoreRecords = { count, depth, parent, via, numbers: numbers.subarray(0, numbered).slice() };
  port.postMessage({ records } satisfies FromStore, [records.parent.buffer, records.via.buffer, records.numbers.buffer]);
  Atomics.store(control, FINISHED, 1);
  Atomics.notify(control, FINISHED);
}

const setup = workerData as Partial<StoreSetup> | null | undefined;
if (!isMainThread && setup?.qjobExploreStore === true && setup.port !== undefined) {
  try {
    serve(setup as StoreSetup);
  } catch (err) {
    setup.port.postMessage({ error: err instanceof Error ? err.message : String(err) } satisfies FromStore);
    Atomics.store(new Int32Array(setup.control!), FINISHED, 2);
    Atomics.notify(new Int32Array(setup.control!), BATCHES);
  } finally {
    setup.port.close();
  }
}
