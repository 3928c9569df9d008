/**
 * The compiled engine: `step` turned into tables once, then a breadth-first search over group states
 * packed as integers (the abort flag and one interned local state per member, see localStates.ts).
 *
 * Every event becomes table entries, each computed by one call of `step` the first time it is needed:
 *  - an event of scope `job` (alphabet.ts) that stays within its member: per (local state, abort flag,
 *    event), the member's next local state;
 *  - a transaction event: per event context (the event, its member's local state, the abort flag,
 *    every member's status / started / cancelled) whether it happens, the next abort flag, and per
 *    member and local state that member's next local state. What `step` does to one member depends on
 *    that context and the member's own state only; an `alone` event changes its own member only.
 *  - a `job` event that starts a transaction abort: per (local state, abort flag, event, member)
 *    whether it happens and the member's next local state; every other member's per its local state
 *    and the abort flag alone, the same for every such event (the abort image, alphabet.ts's claim).
 * Each entry also holds the JobSTT edges the member takes and the transition invariants it breaks. With
 * symmetry, states are orbit representatives (symmetry.ts): the permutations used leave the transition
 * relation unchanged, so a representative's transitions stand for every member of its orbit.
 *
 * The tables are typed-array hash maps (intMap.ts); the states seen are a packed set (stateStore.ts);
 * the queue is in memory or in a state directory, checkpointed so that a run can resume (frontier.ts),
 * and with a memory bound the set of states seen spills to that directory too (spill.ts).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JobStatus, step, UrgentInternalEvents, type GroupContext, type InternalEventType, type JobContext, type JobInput, type Outcome } from '../machines/index.ts';
import { jobTemplates, PREPARE_FAIL, type EventTemplate } from './alphabet.ts';
import { formatMix, interchangeableClasses, initialGroup } from './config.ts';
import { edgeIndex } from './coverage.ts';
import { Findings, type FindingsSnapshot } from './findings.ts';
import { eventsAbout, GroupInvariants, JobInvariants, violatedMemberInvariants } from './invariants.ts';
import { LocalStates, NULL_CODE, STATUS_COUNT, statusCode, UNDEFINED_CODE } from './localStates.ts';
import { RegionMaps, TripleMap } from './intMap.ts';
import type { ExploreOptions, ExploreResult } from './result.ts';
import { grow, type StateGraph } from './stateGraph.ts';
import { keyBits, PackedStateSet } from './stateStore.ts';
import { DiskFrontier, ExploreStateError, MemoryFrontier, type Frontier } from './frontier.ts';
import { SpilledStateSet } from './spill.ts';
import { COMPLETE, EXPAND, StoreThread, type StoreRecords } from './storeThread.ts';
import { Symmetry } from './symmetry.ts';

const ABORTING = statusCode('aborting');

/** Table entries: one member's change across one event. */
class Entries {
  /**
   * Per entry: the member's next local state × 4, + 2 when it breaks an invariant, + 1 when it matters
   * to a Sink (takes an edge or breaks an invariant; the others are not reported). One word, as
   * expansion reads them together.
   */
  packed = new Int32Array(1 << 12);
  readonly edgeMask: number[] = [];
  readonly violations: (readonly string[])[] = [];
  /** The template whose event the entry belongs to. */
  readonly template: number[] = [];
  size = 0;

  add(next: number, mask: number, violations: readonly string[], template: number): number {
    const e = this.size++;
    if (e >= this.packed.length) this.packed = grow(this.packed, e + 1);
    this.packed[e] = next * 4 + (violations.length > 0 ? 3 : mask !== 0 ? 1 : 0);
    this.edgeMask.push(mask);
    this.violations.push(violations);
    this.template.push(template);
    return e;
  }

  /** The member's next local state by entry e. */
  next(e: number): number {
    return this.packed[e]! >> 2;
  }

  /** Whether entry e breaks an invariant. */
  violates(e: number): boolean {
    return (this.packed[e]! & 2) !== 0;
  }
}

/**
 * The `job` events of one local state (under one abort flag) that change their member alone, urgent or
 * not: what expansion emits together, on any member in that local state (Sink.run).
 */
export interface Run {
  /** Its number among the model's runs. */
  readonly id: number;
  /** [template, entry] pairs, in the order expansion emits them. */
  readonly pairs: readonly number[];
  /** The distinct next local states, in the order first reached, and the template first reaching each. */
  readonly to: Int32Array;
  readonly templates: Int32Array;
  /** Per pair: the place of its next local state in `to`. */
  readonly unique: Int32Array;
  /** Per pair whose entry matters to a Sink (Sink.entry): that entry. */
  readonly hits: Int32Array;
  /** Whether an entry breaks an invariant. */
  readonly violates: boolean;
  /** Whether the local state or one it goes to is one that symmetry reorders (Symmetry.mayReorderRun). */
  readonly reorders: boolean;
}

interface LocalInfo {
  /** The `job` events that change this member alone: urgent ones, the others. */
  readonly urgent: Run;
  readonly normal: Run;
  /** `job` templates that start a transaction abort here (their own context each, the others' change the abort image). */
  readonly fallback: number[];
  /** [template, entry] pairs of refused commands that take the aborting → aborting self-loop. */
  readonly selfLoops: number[];
  /** Bit mask of the job invariants this local state breaks. */
  readonly jobViolations: number;
}

/** Receives what expansion finds; the explorer records coverage and invariants, a path search does not. */
export interface Sink {
  /**
   * A successor `w` (canonical when symmetric) reached by event `code`; may return a number that `again`
   * is then given for it. `member` >= 0: w differs from the state expanded in that member's local state
   * alone (-1: it may differ anywhere).
   */
  successor(code: number, w: Int32Array, member: number): number | void;
  /**
   * The successor `successor` returned `index` for (within the same expansion) reached again, by event
   * `code`: both spellings of a verb, for instance. Without it every successor goes to `successor`.
   */
  again?(code: number, index: number): void;
  /** A member's change by a table entry that takes a JobSTT edge or breaks an invariant, within the transition `code`. */
  entry(e: number, code: number): void;
  /** A refused command on an aborting member: the self-loop. */
  selfLoop(code: number): void;
  /**
   * Optional: run `run` on member i of the state expanded, at once: for each of its pairs, in order,
   * a successor that differs from that state in member i's local state alone (run.to[run.unique[k]]),
   * by event code(run.pairs[2k], i), as `successor` (the first to reach that local state) or `again`
   * would have it, and `entry` for run.hits. Given only runs whose entries break no invariant, and
   * whose successors are canonical as they are. Without it, each goes to `successor` and `again`.
   */
  run?(i: number, run: Run): void;
}

export interface Expansion {
  /** Transitions by urgent events. */
  readonly urgent: number;
  /** Transitions by the other events (0 when they were not offered). */
  readonly normal: number;
}

export class CompiledModel {
  readonly n: number;
  readonly ids: readonly string[];
  readonly templates: readonly EventTemplate[];
  readonly locals: LocalStates;
  readonly symmetry: Symmetry;
  readonly entries = new Entries();
  readonly grouped: boolean;
  readonly urgentFirst: boolean;
  private readonly infos: (LocalInfo | undefined)[] = [];
  /**
   * Event contexts: (slot, summaries) → context number, the slot being (local state, abort flag,
   * template, member), the summaries every member's status, started and cancelled, 6 bits each (members
   * 0 to 4 in the first word, the others in the second). The summaries are numbered first (one lookup a
   * state), then each summary number has a small map from slot to context: the events of one state
   * find their contexts in a few cache lines.
   */
  private readonly summaryIndex = new TripleMap();
  private readonly contextIndex = new RegionMaps(5);
  /** The number of the summaries of the state being expanded (-1: not looked up yet). */
  private summaryId = -1;
  /**
   * Per context, one word: whether the event happens (bit 0), the abort flag after it (bit 1) and, for
   * an `alone` template, the entry of the member it is addressed to + 1 (from bit 2; 0: not built yet).
   */
  private ctxWords = new Int32Array(1 << 12);
  private ctxCount = 0;
  /**
   * The context words of the `fallback` templates, by slot (-1: not met yet): a transaction abort reads
   * nothing of the other members but each one's own state, so its key has no summaries, and no other
   * member has entries of its own there (the abort image).
   */
  private abortContexts = new Int32Array(1 << 12).fill(-1);
  /**
   * The abort image (alphabet.ts's claim on `job` events that start a transaction abort): per local
   * state and abort flag, what such an event on another member makes of the local state, whichever
   * the event and the member. Per (local state, abort flag): the next local state + 1 (0: not known yet)
   * and the entry it was first built as; per (local state, abort flag, template): the entry of that
   * template + 1 (0: not built yet), built only for the entries that matter to a Sink, as coverage
   * names the template.
   */
  private abortNext = new Int32Array(1 << 10);
  private abortFirst = new Int32Array(1 << 10);
  private abortEntry = new Int32Array(1 << 14);
  /**
   * The abort image of the state being expanded, made on its first abort: the words of the state with
   * every member changed as by another member's abort, and bit masks of the members whose image is not
   * known yet, whose entry matters to a Sink, and whose change may reorder a canonical state.
   */
  private imageReady = false;
  private readonly imageWords: Int32Array;
  private imageUnknown = 0;
  private imageMatters = 0;
  private imageReorders = 0;
  /** The successors of one member's aborts so far, by its own next local state and the abort flag. */
  private readonly abortSeenLocal = new Int32Array(32);
  private readonly abortSeenIndex = new Float64Array(32);
  private abortSeen = 0;
  /** (context, member, local state) → table entry: per context, member × 65536 + local state → entry. */
  private readonly memberEntries = new RegionMaps(5);
  private readonly expandInfos: LocalInfo[] = [];
  private readonly seenLocal = new Int32Array(64);
  /** Runs made so far (Run.id). */
  private runs = 0;
  private readonly seenIndex = new Float64Array(64);
  private readonly lastFired = new Int32Array(8);
  private lastFiredMember = -2;
  private lastFiredIndex = -1;
  private sumLo = 0;
  private sumHi = 0;
  private readonly urgentT: boolean[];
  private readonly isCommandT: boolean[];
  /** Per template: whether it changes its own member only (EventTemplate.alone). */
  private readonly aloneT: boolean[];
  /** Per member of the state being expanded: 1 << its status. */
  private readonly statusBit: Int32Array;
  /** Per template: bit mask of the member statuses in which it may change anything (all bits: no claim). */
  private readonly statusMask: number[];
  private readonly txnUrgent: number[];
  /**
   * Per member status: the `txn` templates not urgent, in order, each t × 2 + 1 where its status claim
   * lets it happen, t × 2 where it is skipped but the Sink or verifyClaims still hears of it (a command
   * on an aborting member takes the self-loop); the others left out.
   */
  private readonly txnNormalPlan: number[][];
  private readonly prepareFailT: number;
  /** The JobSTT edge index of each (status, status) pair (-1: not an edge). */
  private readonly edgeBits: Int8Array;
  /** Group invariant bits + 1 by status vector and abort flag (0: not computed): 11^6 × 2 entries at most (MAX_JOBS). */
  private readonly groupViolationMemo: Int32Array;
  private readonly pow: number[];
  private group: GroupContext | undefined;
  private readonly groupWords: Int32Array;
  private readonly scratch: Int32Array;

  constructor(readonly options: ExploreOptions) {
    const { config } = options;
    this.n = config.inputs.length;
    this.ids = config.inputs.map((i) => i.id);
    this.grouped = config.grouped;
    this.templates = [...jobTemplates(config.profile, options.alphabet ?? 'full'), PREPARE_FAIL];
    this.prepareFailT = this.templates.length - 1;
    this.locals = new LocalStates(this.ids);
    this.symmetry = new Symmetry(interchangeableClasses(config.inputs), config.grouped);
    this.urgentFirst = (options.urgent ?? 'first') === 'first';
    this.urgentT = this.templates.map((t) => UrgentInternalEvents.has(t.make('_').type as InternalEventType));
    this.isCommandT = this.templates.map((t) => t.isCommand);
    this.aloneT = this.templates.map((t) => t.alone === true);
    this.statusBit = new Int32Array(this.n);
    this.statusMask = this.templates.map((t) => (t.whenStatus ? t.whenStatus.reduce((m, s) => m | (1 << statusCode(s)), 0) : -1));
    const txn = this.templates.flatMap((t, i) => (t.scope === 'txn' ? [i] : []));
    this.txnUrgent = txn.filter((i) => this.urgentT[i]);
    this.txnNormalPlan = Array.from({ length: STATUS_COUNT }, (_, st) =>
      txn.flatMap((t) => {
        if (this.urgentT[t]) return [];
        if (this.statusMask[t]! & (1 << st)) return [t * 2 + 1];
        return options.verifyClaims === true || (this.isCommandT[t] && st === ABORTING) ? [t * 2] : [];
      }),
    );
    const edgeIdx = edgeIndex(config.profile);
    this.edgeBits = new Int8Array(STATUS_COUNT * STATUS_COUNT).fill(-1);
    for (let a = 0; a < STATUS_COUNT; a++) {
      for (let b = 0; b < STATUS_COUNT; b++) this.edgeBits[a * STATUS_COUNT + b] = edgeIdx.get(`${JobStatus[a]}->${JobStatus[b]}`) ?? -1;
    }
    this.pow = Array.from({ length: this.n }, (_, k) => STATUS_COUNT ** k);
    this.groupWords = new Int32Array(this.n + 1).fill(-1);
    this.scratch = new Int32Array(this.n + 1);
    this.imageWords = new Int32Array(this.n + 1);
    this.groupViolationMemo = new Int32Array(STATUS_COUNT ** this.n * 2);
  }

  get width(): number {
    return this.n + 1;
  }

  /** The most successors one expansion can give a Sink: one per template and member, and the group-wide event. */
  get maxSuccessors(): number {
    return this.templates.length * this.n + 1;
  }

  /** Event code: template t on member `job` (-1: group-wide). */
  code(t: number, job: number): number {
    return (job + 1) * this.templates.length + t;
  }

  decode(code: number): { t: number; job: number } {
    const T = this.templates.length;
    return { t: code % T, job: Math.floor(code / T) - 1 };
  }

  label(code: number): string {
    const { t, job } = this.decode(code);
    const tpl = this.templates[t]!;
    return job < 0 ? tpl.label : `${tpl.label} ${this.ids[job]}`;
  }

  initialWords(): Int32Array {
    const g = initialGroup(this.options.config);
    const w = new Int32Array(this.width);
    w[0] = g.aborting ? 1 : 0;
    g.jobs.forEach((j, k) => (w[1 + k] = this.locals.internAt(k, j)));
    return w;
  }

  groupOf(w: Int32Array): GroupContext {
    let same = this.group !== undefined;
    for (let k = 0; same && k < this.width; k++) same = this.groupWords[k] === w[k];
    if (same) return this.group!;
    const jobs: JobContext[] = [];
    for (let k = 0; k < this.n; k++) jobs.push(this.locals.at(k, w[1 + k]!));
    this.group = { jobs, grouped: this.grouped, aborting: w[0] === 1 };
    this.groupWords.set(w.subarray(0, this.width));
    return this.group;
  }

  statusesOf(w: Int32Array): string[] {
    const out: string[] = [];
    for (let k = 0; k < this.n; k++) out.push(JobStatus[this.locals.status[w[1 + k]!]!]!);
    return out;
  }

  private statusVec(w: Int32Array): number {
    let v = 0;
    for (let k = 0; k < this.n; k++) v += this.locals.status[w[1 + k]!]! * this.pow[k]!;
    return v;
  }

  /** What transaction events read of the members: each one's status, started and cancelled (into sumLo, sumHi). */
  private summaries(w: Int32Array): void {
    const summary = this.locals.summary;
    let lo = 0;
    let hi = 0;
    for (let k = 0; k < this.n; k++) {
      const v = summary[w[1 + k]!]!;
      if (k < 5) lo |= v << (6 * k);
      else hi |= v << (6 * (k - 5));
    }
    this.sumLo = lo;
    this.sumHi = hi;
  }

  /** The STT edges member k takes from local state `from` to `to` (coverage.ts's rule, on local states). */
  private edgeMask(from: number, to: number, addressed: boolean, abortChanged: boolean): number {
    const a = this.locals.status[from]!;
    const b = this.locals.status[to]!;
    // A change that is no edge (a broken model: stt-legal reports it) is counted as edge 0.
    if (a !== b) return 1 << Math.max(0, this.edgeBits[a * STATUS_COUNT + b]!);
    const self = this.edgeBits[a * STATUS_COUNT + a]!;
    if (self >= 0 && (addressed || from !== to || abortChanged)) return 1 << self;
    return 0;
  }

  /** What template t on member `member` (outcome `out`) does to member k in local state `from`: its next local state, edges and broken invariants. */
  private changeOf(k: number, from: number, before: GroupContext, out: Outcome, t: number, member: number): { to: number; mask: number; violations: string[] } {
    const after = out.group.jobs[k]!;
    const to = after === before.jobs[k] ? from : this.locals.internFrom(k, from, after);
    const addressed = k === member && this.templates[t]!.isCommand;
    const mask = this.edgeMask(from, to, addressed, out.group.aborting !== before.aborting);
    const violations = violatedMemberInvariants(this.options.config.profile, before.jobs[k]!, after, eventsAbout(out.events, before.jobs[k]!.id));
    return { to, mask, violations };
  }

  private memberEntry(k: number, from: number, before: GroupContext, out: Outcome, t: number, member: number): number {
    const { to, mask, violations } = this.changeOf(k, from, before, out, t, member);
    return this.entries.add(to, mask, violations, t);
  }

  /** The table of local state `lid` under abort flag `ab`, built with member `member` of state `w`. */
  private info(lid: number, ab: number, member: number, w: Int32Array): LocalInfo {
    const lk = lid * 2 + ab;
    const hit = this.infos[lk];
    if (hit) return hit;
    const profile = this.options.config.profile;
    const before = this.groupOf(w);
    const job = before.jobs[member]!;
    const urgentPairs: number[] = [];
    const normalPairs: number[] = [];
    const fallback: number[] = [];
    const selfLoops: number[] = [];
    this.templates.forEach((tpl, t) => {
      if (tpl.scope !== 'job' || (tpl.admits && !tpl.admits(job))) return;
      const out = step(profile, before, tpl.make(this.ids[member]!));
      if (!out) return;
      if (out.group.aborting !== before.aborting) {
        fallback.push(t);
        return;
      }
      for (let k = 0; k < this.n; k++) {
        if (k !== member && out.group.jobs[k] !== before.jobs[k]) {
          throw new Error(`alphabet scope claim broken: ${tpl.label} on ${this.ids[member]} changed ${this.ids[k]}`);
        }
      }
      const e = this.memberEntry(member, lid, before, out, t, member);
      if (this.entries.next(e) === lid) {
        if (this.entries.edgeMask[e] !== 0 && tpl.isCommand) selfLoops.push(t, e);
        return;
      }
      (this.urgentT[t] ? urgentPairs : normalPairs).push(t, e);
    });
    let jobViolations = 0;
    const flags = { grouped: this.grouped, aborting: ab === 1 };
    JobInvariants.forEach((inv, b) => {
      if (!inv.holds(job, flags)) jobViolations |= 1 << b;
    });
    const info: LocalInfo = { urgent: this.runOf(lid, urgentPairs), normal: this.runOf(lid, normalPairs), fallback, selfLoops, jobViolations };
    this.infos[lk] = info;
    return info;
  }

  /** The run of [template, entry] `pairs` from local state `from`. */
  private runOf(from: number, pairs: number[]): Run {
    const packed = this.entries.packed;
    const status = this.locals.status;
    const to: number[] = [];
    const templates: number[] = [];
    const unique = new Int32Array(pairs.length >> 1);
    const hits: number[] = [];
    let reorders = this.symmetry.movable(from, status);
    for (let k = 0; k < pairs.length; k += 2) {
      const e = pairs[k + 1]!;
      const next = packed[e]! >> 2;
      let u = to.indexOf(next);
      if (u < 0) {
        u = to.length;
        to.push(next);
        templates.push(pairs[k]!);
        if (this.symmetry.movable(next, status)) reorders = true;
      }
      unique[k >> 1] = u;
      if (packed[e]! & 1) hits.push(e);
    }
    const violates = hits.some((e) => this.entries.violates(e));
    return { id: this.runs++, pairs, to: Int32Array.from(to), templates: Int32Array.from(templates), unique, hits: Int32Array.from(hits), violates, reorders };
  }

  /**
   * Template t on member i (-1: group-wide) in state w: emits its successor and returns true, or
   * returns false when it changes nothing. `lo`, `hi`: the members' summaries. The caller has checked
   * t's status claim (see `skipped`). The member entries of a context sit together (RegionMaps): their
   * cache lines are asked for at once, before the lookups. A template `alone` needs its own member's
   * entry only, kept with the context.
   */
  private fire(t: number, i: number, w: Int32Array, lo: number, hi: number, symmetric: boolean, sink: Sink): boolean {
    const status = this.locals.status;
    const lk = i < 0 ? w[0]! : w[1 + i]! * 2 + w[0]!;
    const slot = (lk * this.templates.length + t) * (this.n + 1) + (i + 1);
    if (this.summaryId < 0) {
      this.summaryId = this.summaryIndex.get(lo, hi, 0);
      if (this.summaryId < 0) {
        this.summaryId = this.summaryIndex.size;
        this.summaryIndex.set(lo, hi, 0, this.summaryId);
      }
      this.contextIndex.touch(this.summaryId);
    }
    let ctx = this.contextIndex.get(this.summaryId, slot);
    const code = this.code(t, i);
    const alone = this.aloneT[t]!;
    let out: Outcome | undefined;
    let before: GroupContext | undefined;
    if (ctx < 0) {
      before = this.groupOf(w);
      out = step(this.options.config.profile, before, this.templates[t]!.make(i < 0 ? '' : this.ids[i]!));
      ctx = this.ctxCount++;
      this.ctxWords = grow(this.ctxWords, ctx + 1);
      this.ctxWords[ctx] = this.contextWord(before, out);
      this.contextIndex.set(this.summaryId, slot, ctx);
      if (alone && this.ctxWords[ctx]! & 1) this.checkAlone(t, i, before, out!);
    }
    let word = this.ctxWords[ctx]!;
    if ((word & 1) === 0) {
      if (i >= 0 && this.templates[t]!.isCommand && status[w[1 + i]!] === ABORTING) sink.selfLoop(code);
      return false;
    }
    const next = this.scratch;
    // The member alone changed, for the Sink (-1: more may have).
    let member = -1;
    if (alone) {
      if (this.options.verifyClaims) this.verifyAlone(t, i, w);
      const lid = w[1 + i]!;
      if (word < 4) {
        before ??= this.groupOf(w);
        out ??= step(this.options.config.profile, before, this.templates[t]!.make(this.ids[i]!));
        word += (this.memberEntry(i, lid, before, out!, t, i) + 1) * 4;
        this.ctxWords[ctx] = word;
      }
      const own = (word >> 2) - 1;
      const packed = this.entries.packed[own]!;
      if (packed & 1) sink.entry(own, code);
      const to = packed >> 2;
      for (let k = 0; k <= this.n; k++) next[k] = w[k]!;
      next[0] = (word >> 1) & 1;
      next[1 + i] = to;
      if (symmetric && this.symmetry.mayReorder(i, lid, to, status)) this.symmetry.canonicalize(next, status, this.locals.summary);
      else if (next[0] === w[0]) member = i;
    } else {
      next[0] = (word >> 1) & 1;
      const memberEntries = this.memberEntries;
      memberEntries.touch(ctx);
      memberEntries.select(ctx);
      for (let k = 0; k < this.n; k++) {
        const lid = w[1 + k]!;
        let e = memberEntries.getSelected(k * 65536 + lid);
        if (e < 0) {
          before ??= this.groupOf(w);
          out ??= step(this.options.config.profile, before, this.templates[t]!.make(i < 0 ? '' : this.ids[i]!));
          e = this.memberEntry(k, lid, before, out!, t, i);
          memberEntries.set(ctx, k * 65536 + lid, e);
          memberEntries.select(ctx);
        }
        const packed = this.entries.packed[e]!;
        next[1 + k] = packed >> 2;
        if (packed & 1) sink.entry(e, code);
      }
      if (symmetric) this.symmetry.canonicalize(next, status, this.locals.summary);
    }
    // The same successor as the member's previous event in this expansion (job-cancel and
    // block-job-cancel force, most often): reached again.
    const last = this.lastFired;
    const width = this.n + 1;
    if (this.lastFiredMember === i && this.lastFiredIndex >= 0) {
      let same = true;
      for (let k = 0; k < width; k++) {
        if (last[k] !== next[k]) {
          same = false;
          break;
        }
      }
      if (same) {
        sink.again!(code, this.lastFiredIndex);
        return true;
      }
    }
    const index = sink.successor(code, next, member);
    this.lastFiredMember = i;
    this.lastFiredIndex = index === undefined ? -1 : index;
    for (let k = 0; k < width; k++) last[k] = next[k]!;
    return true;
  }

  /** The word of a new event context (see ctxWords): whether `out` changes `before`, and the abort flag after it. */
  private contextWord(before: GroupContext, out: Outcome | undefined): number {
    const enabled = out !== undefined && !this.sameGroup(before, out.group);
    return enabled ? 1 + (out.group.aborting ? 2 : 0) : before.aborting ? 2 : 0;
  }

  /**
   * Template t on member i, one of the `fallback` templates of its local state (it starts a transaction
   * abort), in state w: as `fire`, with the member's own change the context's entry and every other
   * member's the state's abort image. Its context has no summaries: a transaction abort reads nothing
   * of the other members but each one's own state.
   */
  private fireAbort(t: number, i: number, w: Int32Array, symmetric: boolean, sink: Sink): boolean {
    const lid = w[1 + i]!;
    const slot = ((lid * 2 + w[0]!) * this.templates.length + t) * (this.n + 1) + (i + 1);
    if (slot >= this.abortContexts.length) {
      const had = this.abortContexts.length;
      this.abortContexts = grow(this.abortContexts, slot + 1).fill(-1, had);
    }
    let word = this.abortContexts[slot]!;
    const code = this.code(t, i);
    let out: Outcome | undefined;
    let before: GroupContext | undefined;
    if (word < 0) {
      before = this.groupOf(w);
      out = step(this.options.config.profile, before, this.templates[t]!.make(this.ids[i]!));
      word = this.contextWord(before, out);
      this.abortContexts[slot] = word;
    }
    if ((word & 1) === 0) {
      if (this.isCommandT[t] && this.locals.status[lid] === ABORTING) sink.selfLoop(code);
      return false;
    }
    if (word < 4) {
      before ??= this.groupOf(w);
      out ??= step(this.options.config.profile, before, this.templates[t]!.make(this.ids[i]!));
      word += (this.memberEntry(i, lid, before, out!, t, i) + 1) * 4;
      this.abortContexts[slot] = word;
    }
    const own = (word >> 2) - 1;
    if (!this.imageReady) this.startImage(w);
    const others = ~(1 << i);
    if ((this.imageUnknown & others) !== 0) {
      before ??= this.groupOf(w);
      out ??= step(this.options.config.profile, before, this.templates[t]!.make(this.ids[i]!));
      this.completeImage(t, i, w, before, out!);
    }
    if (this.options.verifyClaims) this.verifyImage(t, i, w);
    const ownPacked = this.entries.packed[own]!;
    if ((this.imageMatters & others) !== 0) this.abortEntries(t, i, w, own, code, sink);
    else if (ownPacked & 1) sink.entry(own, code);
    // The successor is the image with the member's own change: aborts of the member that change it
    // alike (job-cancel, block-job-cancel force and internal.shutdown, most often) reach the same state.
    const to = ownPacked >> 2;
    const aborting = (word >> 1) & 1;
    const key = to * 2 + aborting;
    const seenLocal = this.abortSeenLocal;
    for (let s = 0; s < this.abortSeen; s++) {
      if (seenLocal[s] === key) {
        sink.again!(code, this.abortSeenIndex[s]!);
        return true;
      }
    }
    const next = this.scratch;
    const image = this.imageWords;
    for (let k = 0; k <= this.n; k++) next[k] = image[k]!;
    next[0] = aborting;
    next[1 + i] = to;
    // The image changes no member that may reorder a canonical state (nor does the member's own change): canonical already.
    if (symmetric && ((this.imageReorders & others) !== 0 || this.symmetry.mayReorder(i, lid, to, this.locals.status))) {
      this.symmetry.canonicalize(next, this.locals.status, this.locals.summary);
    }
    const index = sink.successor(code, next, -1);
    if (index !== undefined && this.abortSeen < seenLocal.length) {
      seenLocal[this.abortSeen] = key;
      this.abortSeenIndex[this.abortSeen++] = index;
    }
    return true;
  }

  /** Starts the abort image of state w from the local states whose image is known. */
  private startImage(w: Int32Array): void {
    const image = this.imageWords;
    const packed = this.entries.packed;
    const abortNext = this.abortNext;
    const status = this.locals.status;
    const ab = w[0]!;
    let unknown = 0;
    let matters = 0;
    let reorders = 0;
    image[0] = ab;
    for (let k = 0; k < this.n; k++) {
      const lid = w[1 + k]!;
      const x = lid * 2 + ab;
      const next = x < abortNext.length ? abortNext[x]! - 1 : -1;
      if (next < 0) {
        unknown |= 1 << k;
        continue;
      }
      image[1 + k] = next;
      if (packed[this.abortFirst[x]!]! & 1) matters |= 1 << k;
      if (this.symmetry.mayReorder(k, lid, next, status)) reorders |= 1 << k;
    }
    this.imageUnknown = unknown;
    this.imageMatters = matters;
    this.imageReorders = reorders;
    this.imageReady = true;
  }

  /** Adds to the abort image of state w the members but i whose image is not known, from `out`: template t on member i. */
  private completeImage(t: number, i: number, w: Int32Array, before: GroupContext, out: Outcome): void {
    for (let k = 0; k < this.n; k++) {
      if (k === i || (this.imageUnknown & (1 << k)) === 0) continue;
      const lid = w[1 + k]!;
      const x = lid * 2 + w[0]!;
      // Two members in the same local state: the image of the first stands for the second.
      if (x >= this.abortNext.length || this.abortNext[x] === 0) {
        const e = this.memberEntry(k, lid, before, out, t, i);
        this.abortNext = grow(this.abortNext, x + 1);
        this.abortFirst = grow(this.abortFirst, x + 1);
        this.abortNext[x] = this.entries.next(e) + 1;
        this.abortFirst[x] = e;
        this.setAbortEntry(x, t, e);
      }
      const next = this.abortNext[x]! - 1;
      this.imageWords[1 + k] = next;
      this.imageUnknown &= ~(1 << k);
      if (this.entries.packed[this.abortFirst[x]!]! & 1) this.imageMatters |= 1 << k;
      if (this.symmetry.mayReorder(k, lid, next, this.locals.status)) this.imageReorders |= 1 << k;
    }
  }

  /** Records entry e as template t's for local state and abort flag x (lid × 2 + flag). */
  private setAbortEntry(x: number, t: number, e: number): void {
    const at = x * this.templates.length + t;
    this.abortEntry = grow(this.abortEntry, at + 1);
    this.abortEntry[at] = e + 1;
  }

  /** Reports the entries of template t on member i that matter to the Sink, member by member: `own` for i, the image's for the others. */
  private abortEntries(t: number, i: number, w: Int32Array, own: number, code: number, sink: Sink): void {
    for (let k = 0; k < this.n; k++) {
      if (k === i) {
        if (this.entries.packed[own]! & 1) sink.entry(own, code);
        continue;
      }
      if ((this.imageMatters & (1 << k)) === 0) continue;
      const lid = w[1 + k]!;
      const x = lid * 2 + w[0]!;
      const at = x * this.templates.length + t;
      let e = at < this.abortEntry.length ? this.abortEntry[at]! - 1 : -1;
      if (e < 0) {
        const before = this.groupOf(w);
        const out = step(this.options.config.profile, before, this.templates[t]!.make(this.ids[i]!))!;
        e = this.memberEntry(k, lid, before, out, t, i);
        if (!this.sameChange(e, this.abortFirst[x]!)) this.imageBroken(t, i, k, before);
        this.setAbortEntry(x, t, e);
      }
      sink.entry(e, code);
    }
  }

  /** Whether entries a and b make the same change (next local state, edges, invariants broken). */
  private sameChange(a: number, b: number): boolean {
    const { entries } = this;
    return entries.packed[a] === entries.packed[b] && entries.edgeMask[a] === entries.edgeMask[b] && entries.violations[a]!.join() === entries.violations[b]!.join();
  }

  private imageBroken(t: number, i: number, k: number, before: GroupContext): never {
    throw new Error(`alphabet abort claim broken: ${this.templates[t]!.label} on ${this.ids[i]} changes ${this.ids[k]} (${before.jobs[k]!.status}) otherwise than another abort`);
  }

  /** Checks the abort image of state w against `step` for template t on member i (ExploreOptions.verifyClaims). */
  private verifyImage(t: number, i: number, w: Int32Array): void {
    const before = this.groupOf(w);
    const out = step(this.options.config.profile, before, this.templates[t]!.make(this.ids[i]!))!;
    const { entries } = this;
    for (let k = 0; k < this.n; k++) {
      if (k === i) continue;
      const first = this.abortFirst[w[1 + k]! * 2 + w[0]!]!;
      const c = this.changeOf(k, w[1 + k]!, before, out, t, i);
      if (c.to !== entries.next(first) || c.mask !== entries.edgeMask[first] || c.violations.join() !== entries.violations[first]!.join()) this.imageBroken(t, i, k, before);
    }
  }

  /** Checks the `alone` claim of template t on member i where it first happens in a context: `out` from `before`. */
  private checkAlone(t: number, i: number, before: GroupContext, out: Outcome): void {
    const id = this.ids[i]!;
    for (let k = 0; k < this.n; k++) {
      const quiet = this.locals.same(out.group.jobs[k]!, before.jobs[k]!) && eventsAbout(out.events, this.ids[k]!).length === 0;
      if (k === i || (quiet && out.group.aborting === before.aborting)) continue;
      throw new Error(`alphabet alone claim broken: ${this.templates[t]!.label} on ${id} changed ${this.ids[k]}`);
    }
  }

  /** Checks the `alone` claim of template t on member i in state w against `step`, to the entries of the others (ExploreOptions.verifyClaims). */
  private verifyAlone(t: number, i: number, w: Int32Array): void {
    const before = this.groupOf(w);
    const out = step(this.options.config.profile, before, this.templates[t]!.make(this.ids[i]!))!;
    for (let k = 0; k < this.n; k++) {
      if (k === i) continue;
      const c = this.changeOf(k, w[1 + k]!, before, out, t, i);
      if (c.to !== w[1 + k] || c.mask !== 0 || c.violations.length > 0 || out.group.aborting !== before.aborting) {
        throw new Error(`alphabet alone claim broken: ${this.templates[t]!.label} on ${this.ids[i]} changed ${this.ids[k]}`);
      }
    }
  }

  /**
   * Template t on member i, skipped because its status claim rules out any change: a refused command
   * on an aborting member still takes the self-loop. With verifyClaims, the claim is checked.
   */
  private skipped(t: number, i: number, w: Int32Array, sink: Sink): void {
    if (this.options.verifyClaims) this.verifySkipped(t, i, w);
    if (this.isCommandT[t] && this.locals.status[w[1 + i]!] === ABORTING) sink.selfLoop(this.code(t, i));
  }

  /** Checks the status claim of a skipped template against `step` (ExploreOptions.verifyClaims). */
  private verifySkipped(t: number, i: number, w: Int32Array): void {
    const before = this.groupOf(w);
    const out = step(this.options.config.profile, before, this.templates[t]!.make(this.ids[i]!));
    if (out && !this.sameGroup(before, out.group)) {
      throw new Error(`alphabet status claim broken: ${this.templates[t]!.label} changes ${this.ids[i]} in status ${before.jobs[i]!.status}`);
    }
  }

  /** Emits run `run` on member i of state w; returns its transitions. */
  private emitEntries(w: Int32Array, i: number, run: Run, symmetric: boolean, sink: Sink): number {
    const pairs = run.pairs;
    if (sink.run !== undefined && !run.violates && !(symmetric && this.symmetry.mayReorderRun(i, run.reorders))) {
      sink.run(i, run);
      return pairs.length >> 1;
    }
    const next = this.scratch;
    const packed = this.entries.packed;
    const width = this.n + 1;
    const base = (i + 1) * this.templates.length;
    // The successors found so far, by the member's next local state: events that lead to the same one
    // (both spellings of a verb, most often) reach the same state.
    const seenLocal = this.seenLocal;
    const seenIndex = this.seenIndex;
    let seen = 0;
    // The state's words, once: each successor differs in member i only, unless canonicalized.
    for (let j = 0; j < width; j++) next[j] = w[j]!;
    let canonicalized = false;
    const from = w[1 + i]!;
    for (let k = 0; k < pairs.length; k += 2) {
      const e = pairs[k + 1]!;
      const to = packed[e]! >> 2;
      const code = base + pairs[k]!;
      if (packed[e]! & 1) sink.entry(e, code);
      let s = 0;
      while (s < seen && seenLocal[s] !== to) s++;
      if (s < seen) {
        sink.again!(code, seenIndex[s]!);
        continue;
      }
      if (canonicalized) {
        for (let j = 0; j < width; j++) next[j] = w[j]!;
        canonicalized = false;
      }
      next[1 + i] = to;
      if (symmetric && this.symmetry.mayReorder(i, from, to, this.locals.status)) {
        this.symmetry.canonicalize(next, this.locals.status, this.locals.summary);
        canonicalized = true;
      }
      const index = sink.successor(code, next, canonicalized ? -1 : i);
      if (index !== undefined && seen < seenLocal.length) {
        seenLocal[seen] = to;
        seenIndex[seen++] = index;
      }
    }
    return pairs.length >> 1;
  }

  /** Expands state w (an orbit representative when symmetric), in the urgent-first or free discipline. */
  expand(w: Int32Array, symmetric: boolean, sink: Sink): Expansion {
    const n = this.n;
    this.summaries(w);
    const lo = this.sumLo;
    const hi = this.sumHi;
    const ab = w[0]!;
    const infos = this.expandInfos;
    this.lastFiredMember = -2;
    this.summaryId = -1;
    this.imageReady = false;
    for (let i = 0; i < n; i++) infos[i] = this.infos[w[1 + i]! * 2 + ab] ?? this.info(w[1 + i]!, ab, i, w);
    const status = this.locals.status;
    const statusBit = this.statusBit;
    for (let i = 0; i < n; i++) statusBit[i] = 1 << status[w[1 + i]!]!;
    const statusMask = this.statusMask;
    let urgent = 0;
    for (let i = 0; i < n; i++) if (infos[i]!.urgent.pairs.length > 0) urgent += this.emitEntries(w, i, infos[i]!.urgent, symmetric, sink);
    const txnUrgent = this.txnUrgent;
    for (let x = 0; x < txnUrgent.length; x++) {
      const t = txnUrgent[x]!;
      for (let i = 0; i < n; i++) {
        if (statusMask[t]! & statusBit[i]!) {
          if (this.fire(t, i, w, lo, hi, symmetric, sink)) urgent++;
        } else this.skipped(t, i, w, sink);
      }
    }
    let normal = 0;
    if (!this.urgentFirst || urgent === 0) {
      const txnNormal = this.txnNormalPlan;
      for (let i = 0; i < n; i++) {
        const info = infos[i]!;
        if (info.normal.pairs.length > 0) normal += this.emitEntries(w, i, info.normal, symmetric, sink);
        const loops = info.selfLoops;
        for (let k = 0; k < loops.length; k += 2) sink.entry(loops[k + 1]!, this.code(loops[k]!, i));
        const fallback = info.fallback;
        this.abortSeen = 0;
        for (let x = 0; x < fallback.length; x++) if (this.fireAbort(fallback[x]!, i, w, symmetric, sink)) normal++;
        const plan = txnNormal[status[w[1 + i]!]!]!;
        for (let x = 0; x < plan.length; x++) {
          const t = plan[x]! >> 1;
          if (plan[x]! & 1) {
            if (this.fire(t, i, w, lo, hi, symmetric, sink)) normal++;
          } else this.skipped(t, i, w, sink);
        }
      }
      if (this.fire(this.prepareFailT, -1, w, lo, hi, symmetric, sink)) normal++;
    }
    return { urgent, normal };
  }

  private sameGroup(a: GroupContext, b: GroupContext): boolean {
    if (a.aborting !== b.aborting) return false;
    for (let k = 0; k < a.jobs.length; k++) if (!this.locals.same(a.jobs[k]!, b.jobs[k]!)) return false;
    return true;
  }

  /** Bit masks of the job and group invariants state w breaks (job bits from 0, group bits from 16). */
  stateViolations(w: Int32Array): number {
    let mask = 0;
    const ab = w[0]!;
    for (let k = 0; k < this.n; k++) mask |= (this.infos[w[1 + k]! * 2 + ab] ?? this.info(w[1 + k]!, ab, k, w)).jobViolations;
    const key = this.statusVec(w) * 2 + ab;
    const memo = this.groupViolationMemo;
    if (memo[key] === 0) {
      let bits = 0;
      const statuses = this.statusesOf(w) as JobStatus[];
      const flags = { grouped: this.grouped, aborting: ab === 1 };
      GroupInvariants.forEach((inv, b) => {
        if (!inv.holds(statuses, flags)) bits |= 1 << (16 + b);
      });
      memo[key] = bits + 1;
    }
    return mask | (memo[key]! - 1);
  }

  /** Every member dismissed, or never created (and never to be: an older member is gone). */
  isGoal(w: Int32Array): boolean {
    let dismissed = false;
    for (let k = 0; k < this.n; k++) {
      const s = this.locals.status[w[1 + k]!];
      if (s === NULL_CODE) dismissed = true;
      else if (s !== UNDEFINED_CODE) return false;
    }
    return dismissed;
  }
}

const CHECKPOINT = 'checkpoint.json';
const STATES = 'states.bin';
const SEEN = 'seen.bin';
const CHECKPOINT_VERSION = 1;

interface Checkpoint {
  readonly version: number;
  readonly signature: string;
  /** States explored (the frontier's head) and found. */
  readonly head: number;
  readonly count: number;
  readonly transitions: number;
  readonly depth: number;
  readonly levelEnd: number;
  readonly seconds: number;
  readonly complete: boolean;
  /** The local states in number order (what the state file's numbers mean). */
  readonly locals: readonly JobContext[];
  readonly findings: FindingsSnapshot;
}

/** What a state directory must have been explored with to be resumed. */
function signatureOf(options: ExploreOptions, symmetric: boolean): string {
  const { config } = options;
  return JSON.stringify({
    release: config.profile.release,
    mix: config.inputs,
    grouped: config.grouped,
    alphabet: options.alphabet ?? 'full',
    urgent: options.urgent ?? 'first',
    symmetry: symmetric,
  });
}

function describeSignature(signature: string): string {
  try {
    const s = JSON.parse(signature) as { release: string; mix: JobInput[]; grouped: boolean; alphabet: string; urgent: string; symmetry: boolean };
    return `${s.mix.length} jobs ${s.grouped ? 'grouped' : 'individual'}, mix ${formatMix(s.mix)}, QEMU ${s.release}, alphabet ${s.alphabet}, urgent ${s.urgent}${s.symmetry ? '' : ', no symmetry'}`;
  } catch {
    return 'unreadable';
  }
}

function readCheckpoint(dir: string, signature: string): Checkpoint {
  let data: Checkpoint;
  try {
    data = JSON.parse(readFileSync(join(dir, CHECKPOINT), 'utf8')) as Checkpoint;
  } catch (err) {
    throw new ExploreStateError(`${join(dir, CHECKPOINT)}: no checkpoint to resume from (${(err as Error).message})`);
  }
  const whole = (x: unknown) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
  const shaped =
    typeof data === 'object' && data !== null && whole(data.head) && whole(data.count) && data.head <= data.count && whole(data.transitions) &&
    whole(data.depth) && whole(data.levelEnd) && typeof data.seconds === 'number' && Array.isArray(data.locals) &&
    data.locals.every((c) => typeof c === 'object' && c !== null && typeof (c as { status?: unknown }).status === 'string') &&
    typeof data.findings === 'object' && data.findings !== null && Array.isArray(data.findings.witnesses) &&
    Array.isArray(data.findings.edgeCount) && Array.isArray(data.findings.edgeEvents);
  if (!shaped) throw new ExploreStateError(`${join(dir, CHECKPOINT)}: not a checkpoint of qjob explore`);
  if (data.version !== CHECKPOINT_VERSION) throw new ExploreStateError(`${join(dir, CHECKPOINT)}: checkpoint version ${String(data.version)}, expected ${CHECKPOINT_VERSION}`);
  if (data.signature !== signature) throw new ExploreStateError(`${dir}: holds an exploration of another configuration (${describeSignature(data.signature)}; this one: ${describeSignature(signature)})`);
  return data;
}

function writeCheckpoint(dir: string, c: Checkpoint): void {
  const tmp = join(dir, `${CHECKPOINT}.tmp`);
  writeFileSync(tmp, JSON.stringify(c), { mode: 0o600 });
  renameSync(tmp, join(dir, CHECKPOINT));
}

/**
 * Runs the compiled engine: every reachable state, with coverage, invariants and (in memory) dead ends.
 *
 * Breadth-first over packed states (stateStore.ts) with the queue in memory, or with `stateDir` in a
 * file of that directory (frontier.ts), checkpointed every `checkpointSeconds` so that `resume` continues
 * an interrupted run; with `memoryMiB` as well, the states seen past that bound go to a sorted file of
 * the directory, and the successors of a level are numbered once checked against it (spill.ts), in the
 * order found, as in memory. Coverage is counted per table entry and folded into the findings at the end (and
 * at each checkpoint).
 */
export function exploreCompiled(options: ExploreOptions): ExploreResult {
  const started = performance.now();
  const model = new CompiledModel(options);
  const symmetric = options.symmetry !== false && !model.symmetry.trivial;
  const findings = new Findings(options, options.config.profile);
  findings.edgeLabels = (code) => model.templates[model.decode(code).t]!.label;
  const dir = options.stateDir;
  const maxStates = options.maxStates ?? Infinity;
  const wantEdges = dir === undefined && options.deadEnds !== false;
  const width = model.width;
  const signature = signatureOf(options, symmetric);
  let resumed: Checkpoint | undefined;
  if (options.memoryMiB !== undefined && dir === undefined) throw new ExploreStateError('a memory bound needs a state directory');
  const threads = options.threads ?? 1;
  if (threads !== 1 && threads !== 2) throw new ExploreStateError(`threads: 1 or 2, not ${threads}`);
  if (threads === 2 && dir !== undefined) throw new ExploreStateError('two threads explore in memory: not with a state directory');
  if (dir !== undefined) {
    if (options.resume) {
      resumed = readCheckpoint(dir, signature);
      resumed.locals.forEach((ctx, i) => {
        if (model.locals.intern(ctx) !== i) throw new ExploreStateError(`${join(dir, CHECKPOINT)}: local state ${i} is a duplicate`);
      });
      findings.restore(resumed.findings);
    } else {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (existsSync(join(dir, CHECKPOINT))) throw new ExploreStateError(`${dir}: holds an exploration already; resume it, or give an empty directory`);
    }
  }
  // With a bound on the states, the frontier and the set in memory are made large enough for it (up to 8 million states):
  // the frontier at once, the set once its first states are in (PackedStateSet).
  const expected = options.maxStates === undefined ? 0 : Math.min(maxStates, 1 << 23) + 1024;
  // On two threads the worker keeps the queue (and the set of states seen).
  const store = threads === 2 ? new StoreThread(model.n, model.initialWords(), wantEdges, model.locals.size, model.maxSuccessors, expected) : undefined;
  const memory = dir === undefined && store === undefined ? new MemoryFrontier(width, Math.max(expected, 1 << 16)) : undefined;
  const disk = dir === undefined ? undefined : new DiskFrontier(join(dir, STATES), width, resumed?.count ?? 0);
  const frontier: Frontier = memory ?? disk ?? new MemoryFrontier(width, 1);
  // Resumed, every local state of the state file is interned already.
  const set = new PackedStateSet(model.n, wantEdges, keyBits(model.n, model.locals.size), memory ? expected : 0);
  // With a memory bound, successors the set does not hold wait as candidates (spill.ts).
  const spill = dir === undefined || options.memoryMiB === undefined ? undefined : new SpilledStateSet(set, join(dir, SEEN), width, options.memoryMiB * 2 ** 20);
  let edgeStart = new Int32Array(wantEdges ? 1 << 16 : 0);
  let edgeTarget = new Int32Array(wantEdges ? 1 << 18 : 0);
  let edges = 0;
  let transitions = resumed?.transitions ?? 0;
  let complete = true;
  let current = 0;
  let depth = resumed?.depth ?? 0;
  let levelEnd = resumed?.levelEnd ?? 1;
  const entries = model.entries;
  const T = model.templates.length;
  let hits = new Float64Array(1 << 12);
  const selfHits = new Float64Array(T);
  const selfLoop = findings.edgeIdx.get('aborting->aborting') ?? 0;
  // The successors of the state being expanded, in the order found (n + 1 words and the event each),
  // looked up in the set of states seen together once the state is expanded (PackedStateSet.prepare).
  // Until then the successor lists hold their positions here.
  let pending = new Int32Array(64 * width);
  let pendingCode = new Int32Array(64);
  let pendingIndex = new Int32Array(64);
  let pendingCount = 0;
  const sink: Sink = {
    successor(code, next, member) {
      const p = pendingCount++;
      // On two threads the successor goes to the batch at once, and an edge holds its place in the order sent (StoreThread.sent).
      if (store) store.append(next, code, model.locals.size, member);
      else {
        if (p >= pendingCode.length) {
          pending = grow(pending, (p + 1) * width);
          pendingCode = grow(pendingCode, p + 1);
          pendingIndex = grow(pendingIndex, p + 1);
        }
        for (let k = 0; k < width; k++) pending[p * width + k] = next[k]!;
        pendingCode[p] = code;
      }
      const index = store === undefined ? p : store.sent + p;
      if (wantEdges) {
        if (edges >= edgeTarget.length) edgeTarget = grow(edgeTarget, edges + 1);
        edgeTarget[edges++] = index;
      }
      transitions++;
      return index;
    },
    again(_code, index) {
      if (wantEdges) {
        if (edges >= edgeTarget.length) edgeTarget = grow(edgeTarget, edges + 1);
        edgeTarget[edges++] = index;
      }
      transitions++;
    },
    entry(e, code) {
      if (e >= hits.length) hits = grow(hits, e + 1);
      hits[e]!++;
      if (entries.violates(e)) {
        const v = entries.violations[e]!;
        for (let k = 0; k < v.length; k++) findings.violation(v[k]!, current, code);
      }
    },
    selfLoop(code) {
      selfHits[code % T]!++;
    },
  };
  // On two threads a run goes to the batch as one record: the worker makes its successors.
  if (store) {
    sink.run = (i, run) => {
      const first = store.sent + pendingCount;
      store.appendRun(i, model.code(0, i), run, model.locals.size);
      pendingCount += run.to.length;
      const unique = run.unique;
      if (wantEdges) {
        if (edges + unique.length > edgeTarget.length) edgeTarget = grow(edgeTarget, edges + unique.length);
        for (let k = 0; k < unique.length; k++) edgeTarget[edges++] = first + unique[k]!;
      }
      transitions += unique.length;
      const runHits = run.hits;
      for (let k = 0; k < runHits.length; k++) {
        const e = runHits[k]!;
        if (e >= hits.length) hits = grow(hits, e + 1);
        hits[e]!++;
      }
    };
  }
  /** Moves the coverage counted per entry into the findings. */
  const foldCoverage = () => {
    for (let e = 0; e < entries.size && e < hits.length; e++) {
      const mask = entries.edgeMask[e]!;
      if (hits[e] === 0 || mask === 0) continue;
      const code = model.code(entries.template[e]!, 0);
      for (let b = 0; mask >>> b !== 0; b++) {
        if (mask & (1 << b)) {
          findings.edgeCount[b]! += hits[e]!;
          findings.addEdge(b, 0, code);
        }
      }
    }
    hits.fill(0);
    for (let t = 0; t < T; t++) {
      if (selfHits[t] !== 0) findings.addEdge(selfLoop, selfHits[t]!, model.code(t, 0));
    }
    selfHits.fill(0);
  };
  const successor = new Int32Array(width);
  /** Adds the pending successors to the set and the frontier, in the order found; numbers the successor lists. */
  const addSuccessors = () => {
    if (model.locals.size - 1 > set.maxLocal) set.widen(keyBits(model.n, model.locals.size));
    if (spill !== undefined) {
      spill.successors(pending, pendingCount, current, pendingCode);
      pendingCount = 0;
      if (spill.pastBound()) spill.settle(frontier);
      return;
    }
    set.prepare(pending, pendingCount);
    for (let p = 0; p < pendingCount; p++) {
      let index = set.addPrepared(p, frontier.count);
      if (index < 0) {
        index = frontier.count;
        for (let k = 0; k < width; k++) successor[k] = pending[p * width + k]!;
        frontier.push(successor, current, pendingCode[p]!);
      }
      pendingIndex[p] = index;
    }
    if (wantEdges) for (let e = edgeStart[current]!; e < edges; e++) edgeTarget[e] = pendingIndex[edgeTarget[e]!]!;
    pendingCount = 0;
  };
  const w = new Int32Array(width);
  if (store) {
    // The worker adds the initial state.
  } else if (resumed) {
    // The seen states again, from the state file.
    for (let i = 0; i < resumed.count; i++) {
      frontier.read(i, w);
      if (spill) spill.addSeen(w);
      else set.add(w, i);
    }
    current = resumed.head;
  } else {
    const initial = model.initialWords();
    set.add(initial, 0);
    frontier.push(initial, -1, -1);
  }
  const priorSeconds = resumed?.seconds ?? 0;
  const elapsed = () => priorSeconds + (performance.now() - started) / 1000;
  const checkpointEvery = (options.checkpointSeconds ?? 30) * 1000;
  let lastCheckpoint = performance.now();
  let lastProgress = performance.now();
  /** Records the run in the state directory, `head` states explored. */
  const checkpoint = (head: number, done: boolean) => {
    if (dir === undefined || disk === undefined) return;
    // The candidates numbered first: the state file then holds every state found.
    spill?.settle(frontier);
    foldCoverage();
    disk.sync();
    writeCheckpoint(dir, {
      version: CHECKPOINT_VERSION,
      signature,
      head,
      count: frontier.count,
      transitions,
      depth,
      levelEnd,
      seconds: elapsed(),
      complete: done,
      locals: model.locals.list(),
      findings: findings.snapshot(),
    });
  };
  const jobIds = JobInvariants.map((i) => i.id);
  const groupIds = GroupInvariants.map((i) => i.id);
  const progress = options.onProgress;
  const progressInterval = options.progressIntervalMs ?? 250;
  let records: StoreRecords | undefined;
  try {
    for (; ; current++) {
      if (store) {
        const next = store.next(current, maxStates, w);
        if (next !== EXPAND) {
          complete = next === COMPLETE;
          break;
        }
      } else {
        // With a memory bound, the next level is numbered when the current one is explored.
        if (spill !== undefined && current === levelEnd) spill.settle(frontier);
        if (current >= frontier.count) break;
        if (frontier.count > maxStates) {
          complete = false;
          break;
        }
        if (current === levelEnd) {
          depth++;
          levelEnd = frontier.count;
        }
        frontier.read(current, w);
      }
      if (wantEdges) {
        if (current + 2 > edgeStart.length) edgeStart = grow(edgeStart, current + 2);
        edgeStart[current] = edges;
      }
      const mask = model.stateViolations(w);
      if (mask !== 0) {
        jobIds.forEach((id, b) => mask & (1 << b) && findings.violation(id, current, -1));
        groupIds.forEach((id, b) => mask & (1 << (16 + b)) && findings.violation(id, current, -1));
      }
      store?.begin(model.locals.size);
      model.expand(w, symmetric, sink);
      if (store) {
        store.end();
        pendingCount = 0;
      } else addSuccessors();
      if ((current & 1023) === 1023) {
        const now = performance.now();
        if (progress && now - lastProgress >= progressInterval) {
          lastProgress = now;
          const states = store ? store.count : frontier.count;
          progress({ explored: current + 1, states, transitions, depth: store ? store.depth : depth, seconds: elapsed() });
        }
        if (now - lastCheckpoint >= checkpointEvery) {
          checkpoint(current + 1, false);
          lastCheckpoint = performance.now();
        }
      }
    }
    if (store) {
      records = store.finish();
      depth = records.depth;
      // The successor lists from places in the order sent to state numbers.
      if (wantEdges) for (let e = 0; e < edges; e++) edgeTarget[e] = records.numbers[edgeTarget[e]!]!;
    }
  } finally {
    store?.close();
  }
  const found = records ? records.count : frontier.count;
  const count = complete ? found : current;
  foldCoverage();
  checkpoint(current, complete);
  const scratch = new Int32Array(width);
  const parts = {
    engine: 'compiled' as const,
    transitions,
    statuses: (s: number) => {
      if (disk) disk.readOne(s, scratch);
      else if (store) store.read(s, scratch);
      else frontier.read(s, scratch);
      return model.statusesOf(scratch);
    },
    label: (code: number) => model.label(code),
    seconds: elapsed(),
    complete,
    symmetry: symmetric,
    depth,
  };
  let result: ExploreResult;
  const queue = records ?? memory;
  if (queue) {
    if (wantEdges) {
      edgeStart = grow(edgeStart, count + 1);
      edgeStart[count] = edges;
    }
    const graph: StateGraph = { count, parent: queue.parent, via: queue.via, edgeStart, edgeTarget };
    result = findings.result({
      ...parts,
      graph,
      isGoal: (s) => {
        if (store) store.read(s, scratch);
        else frontier.read(s, scratch);
        return model.isGoal(scratch);
      },
    });
  } else {
    const pathCodes = (s: number): number[] => {
      const out: number[] = [];
      for (let k = s; k > 0; k = disk!.parentOf(k)) out.push(disk!.viaOf(k));
      return out.reverse();
    };
    result = findings.result({ ...parts, states: count, pathCodes });
    disk!.close();
  }
  return result;
}
