/**
 * What an exploration finds along the way, kept the same way by both engines: STT edge coverage (with
 * the events that take each edge), invariant violations (the first, hence shortest, witness of each),
 * and at the end dead ends, depth and the result.
 */
import type { GroupContext, Outcome, Profile } from '../machines/index.ts';
import type { AlphabetEvent } from './alphabet.ts';
import { edgesTaken, edgeIndex, sttEdges, type SttEdge } from './coverage.ts';
import { GroupInvariants, Invariants, JobInvariants, TransitionInvariants, violatedStateInvariants, violatedTransitionInvariants } from './invariants.ts';
import { formatMix } from './config.ts';
import type { DeadEndExample, ExploreOptions, ExploreResult, Violation } from './result.ts';
import { deadEnds, maxDepth, pathCodes, type StateGraph } from './stateGraph.ts';

interface Witness {
  count: number;
  state: number;
  /** The violating event for a transition invariant, -1 for a state invariant. */
  code: number;
}

export interface ResultParts {
  readonly engine: ExploreResult['engine'];
  /** The states in BFS order with parents and, for dead ends, successors; or `states`, `depth` and `pathCodes` without it. */
  readonly graph?: StateGraph;
  readonly states?: number;
  readonly depth?: number;
  readonly pathCodes?: (s: number) => number[];
  /** Transitions explored (between canonical states, with symmetry). */
  readonly transitions: number;
  readonly statuses: (s: number) => readonly string[];
  readonly label: (code: number) => string;
  readonly seconds: number;
  readonly complete: boolean;
  /** States are orbit representatives (symmetry.ts). */
  readonly symmetry?: boolean;
  readonly isGoal?: (s: number) => boolean;
}

export interface FindingsSnapshot {
  readonly witnesses: readonly { id: string; count: number; state: number; code: number }[];
  readonly edgeCount: readonly number[];
  readonly edgeEvents: readonly (readonly string[])[];
}

export class Findings {
  readonly edges: readonly SttEdge[];
  readonly edgeIdx: ReadonlyMap<string, number>;
  readonly edgeCount: Float64Array;
  readonly edgeEvents: Set<string>[];
  edgeLabels: (code: number) => string = String;
  private readonly witnesses = new Map<string, Witness>();

  constructor(
    readonly options: ExploreOptions,
    readonly profile: Profile,
  ) {
    this.edges = sttEdges(profile);
    this.edgeIdx = edgeIndex(profile);
    this.edgeCount = new Float64Array(this.edges.length);
    this.edgeEvents = this.edges.map(() => new Set<string>());
  }

  /** What has been found so far, as JSON (a checkpoint of a resumable run). */
  snapshot(): FindingsSnapshot {
    return {
      witnesses: [...this.witnesses.entries()].map(([id, w]) => ({ id, ...w })),
      edgeCount: [...this.edgeCount],
      edgeEvents: this.edgeEvents.map((s) => [...s]),
    };
  }

  /** Takes up what a checkpoint recorded. */
  restore(snap: FindingsSnapshot): void {
    this.witnesses.clear();
    for (const w of snap.witnesses) this.witnesses.set(w.id, { count: w.count, state: w.state, code: w.code });
    snap.edgeCount.forEach((c, i) => (this.edgeCount[i] = c));
    snap.edgeEvents.forEach((list, i) => list.forEach((e) => this.edgeEvents[i]!.add(e)));
  }

  violation(id: string, state: number, code: number, count = 1): void {
    const w = this.witnesses.get(id);
    if (w) w.count += count;
    else this.witnesses.set(id, { count, state, code });
  }

  checkState(s: number, g: GroupContext, weight = 1): void {
    for (const id of violatedStateInvariants(g)) this.violation(id, s, -1, weight);
  }

  checkTransition(s: number, before: GroupContext, outcome: Outcome, code: number, weight = 1): void {
    for (const id of violatedTransitionInvariants(this.profile, before, outcome)) this.violation(id, s, code, weight);
  }

  /** Records the edges of one offered event (after: undefined when it could not happen). */
  coverEdges(before: GroupContext, e: AlphabetEvent, after: GroupContext | undefined, code: number, weight = 1): void {
    for (const name of edgesTaken(this.profile, before, e.event, after)) this.addEdge(this.edgeIdx.get(name)!, weight, code);
  }

  addEdge(edge: number, count: number, code: number): void {
    this.edgeCount[edge]! += count;
    this.edgeEvents[edge]!.add(this.edgeLabels(code));
  }

  result(p: ResultParts): ExploreResult {
    const { graph } = p;
    const symmetry = p.symmetry ?? false;
    const states = graph?.count ?? p.states ?? 0;
    const transitions = p.transitions;
    const codes = p.pathCodes ?? ((s: number) => pathCodes(graph!, s));
    const path = (s: number) => codes(s).map(p.label);
    const violations: Violation[] = [...this.witnesses.entries()].map(([id, w]) => {
      const inv = Invariants.find((i) => i.id === id);
      return {
        invariant: id,
        description: inv?.description ?? id,
        count: w.count,
        path: w.code < 0 ? path(w.state) : [...path(w.state), p.label(w.code)],
        statuses: p.statuses(w.state),
      };
    });
    let deadCount = -1;
    const examples: DeadEndExample[] = [];
    if (this.options.deadEnds !== false && p.complete && graph !== undefined) {
      const isGoal = p.isGoal ?? ((s: number) => isSettled(p.statuses(s)));
      const dead = deadEnds(graph, isGoal);
      deadCount = 0;
      for (let s = 0; s < graph.count; s++) {
        if (!dead[s]) continue;
        deadCount++;
        if (examples.length < (this.options.examples ?? 3)) examples.push({ path: path(s), statuses: p.statuses(s) });
      }
    }
    const stateInvariants = JobInvariants.length + GroupInvariants.length;
    const { config } = this.options;
    return {
      engine: p.engine,
      release: this.profile.release,
      jobs: config.inputs.length,
      grouped: config.grouped,
      mix: formatMix(config.inputs),
      alphabet: this.options.alphabet ?? 'full',
      urgent: this.options.urgent ?? 'first',
      symmetry,
      complete: p.complete,
      states,
      transitions,
      depth: p.depth ?? maxDepth(graph!),
      seconds: p.seconds,
      statesPerSecond: p.seconds > 0 ? states / p.seconds : 0,
      edgesCovered: this.edges.filter((_, i) => this.edgeCount[i]! > 0).length,
      edgesTotal: this.edges.length,
      edges: this.edges.map((e, i) => ({ from: e.from, to: e.to, transitions: this.edgeCount[i]!, events: [...this.edgeEvents[i]!].sort() })),
      invariants: Invariants.map((i) => i.id),
      invariantsChecked: stateInvariants * states + TransitionInvariants.length * transitions,
      violations,
      deadEnds: deadCount,
      deadEndExamples: examples,
    };
  }
}

/** The goal of the dead-end search: every member dismissed, or never created (an older one failed first). */
export function isSettled(statuses: readonly string[]): boolean {
  return statuses.every((s) => s === 'null' || s === 'undefined') && statuses.includes('null');
}
