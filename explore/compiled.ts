/**
 * The compiled engine: `step` turned into tables once, then a breadth-first search over group states
 * packed as integers (the abort flag and one interned local state per member, see localStates.ts).
 *
 * Every event becomes table entries, each computed by one call of `step` the first time it is needed:
 *  - an event of scope `job` (alphabet.ts) that stays within its member: per (local state, abort flag,
 *    event), the member's next local state;
 *  - any other event (a transaction event, or one that starts a transaction abort): per event context
 *    (the event, its member's local state, the abort flag, every member's status / started / cancelled)
 *    whether it happens, the next abort flag, and per member and local state that member's next local
 *    state. What `step` does to one member depends on that context and the member's own state only.
 * Each entry also holds the JobSTT edges the member takes and the transition invariants it breaks. With
 * symmetry, states are orbit representatives (symmetry.ts): the permutations used leave the transition
 * relation unchanged, so a representative's transitions stand for every member of its orbit.
 */
import { JobStatus, step, UrgentInternalEvents, type GroupContext, type InternalEventType, type JobContext, type Outcome } from '../machines/index.ts';
import { jobTemplates, PREPARE_FAIL, type EventTemplate } from './alphabet.ts';
import { interchangeableClasses, initialGroup } from './config.ts';
import { edgeIndex } from './coverage.ts';
import { Findings } from './findings.ts';
import { eventsAbout, GroupInvariants, JobInvariants, violatedMemberInvariants } from './invariants.ts';
import { LocalStates, NULL_CODE, STATUS_COUNT, statusCode, SUMMARY_COUNT, UNDEFINED_CODE } from './localStates.ts';
import type { ExploreOptions, ExploreResult } from './result.ts';
import { grow, type StateGraph } from './stateGraph.ts';
import { StateStore } from './stateStore.ts';
import { Symmetry } from './symmetry.ts';

const ABORTING = statusCode('aborting');

/** Table entries: one member's change across one event. */
class Entries {
  readonly next: number[] = [];
  readonly edgeMask: number[] = [];
  readonly violations: (readonly string[])[] = [];
  readonly labelled: boolean[] = [];
  add(next: number, mask: number, violations: readonly string[]): number {
    this.next.push(next);
    this.edgeMask.push(mask);
    this.violations.push(violations);
    this.labelled.push(false);
    return this.next.length - 1;
  }
}

interface LocalInfo {
  /** [template, entry] pairs of `job` events that change this member alone: urgent ones, the others. */
  readonly urgent: number[];
  readonly normal: number[];
  /** `job` templates that start a transaction abort here (handled as event contexts). */
  readonly fallback: number[];
  /** [template, entry] pairs of refused commands that take the aborting → aborting self-loop. */
  readonly selfLoops: number[];
  /** Bit mask of the job invariants this local state breaks. */
  readonly jobViolations: number;
}

/** What one event does in one event context. */
interface EventContext {
  readonly enabled: boolean;
  readonly aborting: number;
  /** member × 65536 + local state → entry. */
  readonly members: Map<number, number>;
}

/** Receives what expansion finds; the explorer records coverage and invariants, a path search does not. */
export interface Sink {
  /** A successor `w` (canonical when symmetric) reached by event `code`. */
  successor(code: number, w: Int32Array): void;
  /** A member's change by a table entry, within the transition `code`. */
  entry(e: number, code: number): void;
  /** A refused command on an aborting member: the self-loop. */
  selfLoop(code: number): void;
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
  /** Event contexts by slot (local state, abort flag, template, member), then by the members' summaries. Kept dense. */
  private contexts: (Map<number, EventContext> | undefined)[] = new Array<Map<number, EventContext> | undefined>(1024).fill(undefined);
  private readonly urgentT: boolean[];
  /** Per template: bit mask of the member statuses in which it may change anything (all bits: no claim). */
  private readonly statusMask: number[];
  private readonly txnUrgent: number[];
  private readonly txnNormal: number[];
  private readonly prepareFailT: number;
  private readonly edgeIdx: ReadonlyMap<string, number>;
  private readonly stateViolationMemo = new Map<number, number>();
  private readonly pow: number[];
  private readonly powSummary: number[];
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
    this.statusMask = this.templates.map((t) => (t.whenStatus ? t.whenStatus.reduce((m, s) => m | (1 << statusCode(s)), 0) : -1));
    const txn = this.templates.flatMap((t, i) => (t.scope === 'txn' ? [i] : []));
    this.txnUrgent = txn.filter((i) => this.urgentT[i]);
    this.txnNormal = txn.filter((i) => !this.urgentT[i]);
    this.edgeIdx = edgeIndex(config.profile);
    this.pow = Array.from({ length: this.n }, (_, k) => STATUS_COUNT ** k);
    this.powSummary = Array.from({ length: this.n }, (_, k) => SUMMARY_COUNT ** k);
    this.groupWords = new Int32Array(this.n + 1).fill(-1);
    this.scratch = new Int32Array(this.n + 1);
  }

  get width(): number {
    return this.n + 1;
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

  /** What transaction events read of the members: each one's status, started and cancelled. */
  private summaryVec(w: Int32Array): number {
    let v = 0;
    for (let k = 0; k < this.n; k++) v += this.locals.summary[w[1 + k]!]! * this.powSummary[k]!;
    return v;
  }

  /** The STT edges member k takes from local state `from` to `to` (coverage.ts's rule, on local states). */
  private edgeMask(from: number, to: number, addressed: boolean, abortChanged: boolean): number {
    const a = this.locals.status[from]!;
    const b = this.locals.status[to]!;
    if (a !== b) return 1 << this.edgeIdx.get(`${JobStatus[a]}->${JobStatus[b]}`)!;
    const self = this.edgeIdx.get(`${JobStatus[a]}->${JobStatus[a]}`);
    if (self !== undefined && (addressed || from !== to || abortChanged)) return 1 << self;
    return 0;
  }

  private memberEntry(k: number, from: number, before: GroupContext, out: Outcome, t: number, member: number): number {
    const after = out.group.jobs[k]!;
    const to = after === before.jobs[k] ? from : this.locals.internFrom(k, from, after);
    const addressed = k === member && this.templates[t]!.isCommand;
    const mask = this.edgeMask(from, to, addressed, out.group.aborting !== before.aborting);
    const profile = this.options.config.profile;
    const violations = violatedMemberInvariants(profile, before.jobs[k]!, after, eventsAbout(out.events, before.jobs[k]!.id));
    return this.entries.add(to, mask, violations);
  }

  /** The table of local state `lid` under abort flag `ab`, built with member `member` of state `w`. */
  private info(lid: number, ab: number, member: number, w: Int32Array): LocalInfo {
    const lk = lid * 2 + ab;
    const hit = this.infos[lk];
    if (hit) return hit;
    const profile = this.options.config.profile;
    const before = this.groupOf(w);
    const job = before.jobs[member]!;
    const urgent: number[] = [];
    const normal: number[] = [];
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
      if (this.entries.next[e] === lid) {
        if (this.entries.edgeMask[e] !== 0 && tpl.isCommand) selfLoops.push(t, e);
        return;
      }
      (this.urgentT[t] ? urgent : normal).push(t, e);
    });
    let jobViolations = 0;
    const flags = { grouped: this.grouped, aborting: ab === 1 };
    JobInvariants.forEach((inv, b) => {
      if (!inv.holds(job, flags)) jobViolations |= 1 << b;
    });
    const info: LocalInfo = { urgent, normal, fallback, selfLoops, jobViolations };
    this.infos[lk] = info;
    return info;
  }

  /**
   * Template t on member i (-1: group-wide) in state w: emits its successor and returns true, or
   * returns false when it changes nothing.
   */
  private fire(t: number, i: number, w: Int32Array, summary: number, symmetric: boolean, sink: Sink): boolean {
    if (i >= 0 && !(this.statusMask[t]! & (1 << this.locals.status[w[1 + i]!]!))) {
      if (this.options.verifyClaims) this.verifySkipped(t, i, w);
      if (this.templates[t]!.isCommand && this.locals.status[w[1 + i]!] === ABORTING) sink.selfLoop(this.code(t, i));
      return false;
    }
    const lk = i < 0 ? w[0]! : w[1 + i]! * 2 + w[0]!;
    const slot = (lk * this.templates.length + t) * (this.n + 1) + (i + 1);
    if (slot >= this.contexts.length) {
      const bigger = new Array<Map<number, EventContext> | undefined>(Math.max(slot + 1, this.contexts.length * 2)).fill(undefined);
      for (let k = 0; k < this.contexts.length; k++) bigger[k] = this.contexts[k];
      this.contexts = bigger;
    }
    let memo = this.contexts[slot];
    if (!memo) {
      memo = new Map();
      this.contexts[slot] = memo;
    }
    let ctx = memo.get(summary);
    const code = this.code(t, i);
    let out: Outcome | undefined;
    let before: GroupContext | undefined;
    if (!ctx) {
      before = this.groupOf(w);
      out = step(this.options.config.profile, before, this.templates[t]!.make(i < 0 ? '' : this.ids[i]!));
      const enabled = out !== undefined && !this.sameGroup(before, out.group);
      ctx = { enabled, aborting: enabled ? (out!.group.aborting ? 1 : 0) : w[0]!, members: new Map() };
      memo.set(summary, ctx);
    }
    if (!ctx.enabled) {
      if (i >= 0 && this.templates[t]!.isCommand && this.locals.status[w[1 + i]!] === ABORTING) sink.selfLoop(code);
      return false;
    }
    const next = this.scratch;
    next[0] = ctx.aborting;
    for (let k = 0; k < this.n; k++) {
      const lid = w[1 + k]!;
      let e = ctx.members.get(k * 65536 + lid);
      if (e === undefined) {
        before ??= this.groupOf(w);
        out ??= step(this.options.config.profile, before, this.templates[t]!.make(i < 0 ? '' : this.ids[i]!));
        e = this.memberEntry(k, lid, before, out!, t, i);
        ctx.members.set(k * 65536 + lid, e);
      }
      next[1 + k] = this.entries.next[e]!;
      sink.entry(e, code);
    }
    if (symmetric) this.symmetry.canonicalize(next, this.locals.status, this.locals.summary);
    sink.successor(code, next);
    return true;
  }

  /** Checks the status claim of a skipped template against `step` (ExploreOptions.verifyClaims). */
  private verifySkipped(t: number, i: number, w: Int32Array): void {
    const before = this.groupOf(w);
    const out = step(this.options.config.profile, before, this.templates[t]!.make(this.ids[i]!));
    if (out && !this.sameGroup(before, out.group)) {
      throw new Error(`alphabet status claim broken: ${this.templates[t]!.label} changes ${this.ids[i]} in status ${before.jobs[i]!.status}`);
    }
  }

  private emitEntries(w: Int32Array, i: number, pairs: readonly number[], symmetric: boolean, sink: Sink): number {
    const next = this.scratch;
    for (let k = 0; k < pairs.length; k += 2) {
      const e = pairs[k + 1]!;
      next.set(w);
      next[1 + i] = this.entries.next[e]!;
      const code = this.code(pairs[k]!, i);
      sink.entry(e, code);
      if (symmetric) this.symmetry.canonicalize(next, this.locals.status, this.locals.summary);
      sink.successor(code, next);
    }
    return pairs.length / 2;
  }

  /** Expands state w (an orbit representative when symmetric), in the urgent-first or free discipline. */
  expand(w: Int32Array, symmetric: boolean, sink: Sink): Expansion {
    const n = this.n;
    const summary = this.summaryVec(w);
    const ab = w[0]!;
    const infos: LocalInfo[] = [];
    for (let i = 0; i < n; i++) infos.push(this.info(w[1 + i]!, ab, i, w));
    let urgent = 0;
    for (let i = 0; i < n; i++) urgent += this.emitEntries(w, i, infos[i]!.urgent, symmetric, sink);
    for (const t of this.txnUrgent) for (let i = 0; i < n; i++) if (this.fire(t, i, w, summary, symmetric, sink)) urgent++;
    let normal = 0;
    if (!this.urgentFirst || urgent === 0) {
      for (let i = 0; i < n; i++) {
        const info = infos[i]!;
        normal += this.emitEntries(w, i, info.normal, symmetric, sink);
        for (let k = 0; k < info.selfLoops.length; k += 2) sink.entry(info.selfLoops[k + 1]!, this.code(info.selfLoops[k]!, i));
        // A transaction abort reads nothing of the other members but each one's own state: no summary in its key.
        for (const t of info.fallback) if (this.fire(t, i, w, 0, symmetric, sink)) normal++;
        for (const t of this.txnNormal) if (this.fire(t, i, w, summary, symmetric, sink)) normal++;
      }
      if (this.fire(this.prepareFailT, -1, w, summary, symmetric, sink)) normal++;
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
    for (let k = 0; k < this.n; k++) mask |= this.info(w[1 + k]!, ab, k, w).jobViolations;
    const key = this.statusVec(w) * 2 + ab;
    let g = this.stateViolationMemo.get(key);
    if (g === undefined) {
      let bits = 0;
      const statuses = this.statusesOf(w) as JobStatus[];
      const flags = { grouped: this.grouped, aborting: ab === 1 };
      GroupInvariants.forEach((inv, b) => {
        if (!inv.holds(statuses, flags)) bits |= 1 << (16 + b);
      });
      g = bits;
      this.stateViolationMemo.set(key, g);
    }
    return mask | g;
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

/** Runs the compiled engine: every reachable state, with coverage, invariants and dead ends. */
export function exploreCompiled(options: ExploreOptions): ExploreResult {
  const started = performance.now();
  const model = new CompiledModel(options);
  const symmetric = options.symmetry !== false && !model.symmetry.trivial;
  const findings = new Findings(options, options.config.profile);
  findings.edgeLabels = (code) => model.templates[model.decode(code).t]!.label;
  const store = new StateStore(model.width);
  let parent = new Int32Array(1 << 16);
  let via = new Int32Array(1 << 16);
  let edgeStart = new Int32Array(1 << 16);
  let edgeTarget = new Int32Array(1 << 18);
  let edges = 0;
  const maxStates = options.maxStates ?? Infinity;
  let complete = true;
  let current = 0;
  const selfLoop = findings.edgeIdx.get('aborting->aborting') ?? 0;
  const { edgeMask, violations, labelled } = model.entries;
  const edgeCount = findings.edgeCount;
  const sink: Sink = {
    successor(code, next) {
      let index = store.add(next);
      if (index < 0) {
        index = -index - 1;
        if (index >= parent.length) {
          parent = grow(parent, index + 1);
          via = grow(via, index + 1);
        }
        parent[index] = current;
        via[index] = code;
      }
      if (edges >= edgeTarget.length) edgeTarget = grow(edgeTarget, edges + 1);
      edgeTarget[edges++] = index;
    },
    entry(e, code) {
      const mask = edgeMask[e]!;
      if (mask !== 0) {
        if (!labelled[e]) {
          labelled[e] = true;
          for (let b = 0; mask >>> b !== 0; b++) if (mask & (1 << b)) findings.addEdge(b, 0, code);
        }
        for (let b = 0; mask >>> b !== 0; b++) if (mask & (1 << b)) edgeCount[b]!++;
      }
      const v = violations[e]!;
      for (let k = 0; k < v.length; k++) findings.violation(v[k]!, current, code);
    },
    selfLoop(code) {
      findings.addEdge(selfLoop, 1, code);
    },
  };
  store.add(model.initialWords());
  parent[0] = -1;
  via[0] = -1;
  const jobIds = JobInvariants.map((i) => i.id);
  const groupIds = GroupInvariants.map((i) => i.id);
  const w = new Int32Array(model.width);
  for (current = 0; current < store.count; current++) {
    if (store.count > maxStates) {
      complete = false;
      break;
    }
    store.read(current, w);
    if (current + 2 > edgeStart.length) edgeStart = grow(edgeStart, current + 2);
    edgeStart[current] = edges;
    const mask = model.stateViolations(w);
    if (mask !== 0) {
      jobIds.forEach((id, b) => mask & (1 << b) && findings.violation(id, current, -1));
      groupIds.forEach((id, b) => mask & (1 << (16 + b)) && findings.violation(id, current, -1));
    }
    model.expand(w, symmetric, sink);
  }
  const count = complete ? store.count : current;
  edgeStart = grow(edgeStart, count + 1);
  edgeStart[count] = edges;
  const graph: StateGraph = { count, parent, via, edgeStart, edgeTarget };
  const scratch = new Int32Array(model.width);
  return findings.result({
    engine: 'compiled',
    graph,
    transitions: edges,
    statuses: (s) => {
      store.read(s, scratch);
      return model.statusesOf(scratch);
    },
    label: (code) => model.label(code),
    seconds: (performance.now() - started) / 1000,
    complete,
    symmetry: symmetric,
    isGoal: (s) => {
      store.read(s, scratch);
      return model.isGoal(scratch);
    },
  });
}
