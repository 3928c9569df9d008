/**
 * What an exploration reports, the same for both engines, and its one-line-per-figure text form.
 */
import type { AlphabetName } from './alphabet.ts';
import { formatMix, type ExploreConfig } from './config.ts';

export type UrgentMode = 'first' | 'free';

export interface ExploreOptions {
  readonly config: ExploreConfig;
  /** Default `full`. */
  readonly alphabet?: AlphabetName;
  /**
   * `first` (default): in a state where an urgent internal event (UrgentInternalEvents: what QEMU does
   * synchronously) can happen, only urgent events are offered, as in QEMU no command can come between.
   * `free`: every event is offered everywhere.
   */
  readonly urgent?: UrgentMode;
  /** Compiled engine only: merge states that differ by a permutation of interchangeable members (default true). */
  readonly symmetry?: boolean;
  /** Compute dead ends (default true; needs the successor lists in memory). */
  readonly deadEnds?: boolean;
  /** Stop after this many states (the result says it is incomplete). */
  readonly maxStates?: number;
  /** Examples of dead ends to give a path for (default 3). */
  readonly examples?: number;
  /**
   * Compiled engine: check the alphabet's claims against `step` wherever they skip work: the status
   * claims, the abort image (a transaction abort changes each other member by its own context alone)
   * and the `alone` events (slow; for tests).
   */
  readonly verifyClaims?: boolean;
  /**
   * Compiled engine: keep the breadth-first queue and every state found in this directory (states.bin)
   * instead of memory, with a checkpoint (checkpoint.json) every `checkpointSeconds` (default 30) and at
   * the end. Dead ends are not computed then. The directory must not hold a run already, unless `resume`.
   */
  readonly stateDir?: string;
  /** Continue the run whose checkpoint is in `stateDir`. */
  readonly resume?: boolean;
  /**
   * With `stateDir`: a bound, in MiB, on the memory of the set of states seen; past it the set moves to
   * a sorted file of the directory (spill.ts). Unbounded when absent.
   */
  readonly memoryMiB?: number;
  readonly checkpointSeconds?: number;
  /**
   * Compiled engine, in memory (no `stateDir`): 2 keeps the set of states seen and the queue on a worker
   * thread while this one expands (storeThread.ts); the same figures and numbering as 1 (the default).
   */
  readonly threads?: number;
  /** Called while exploring, at most every `progressIntervalMs` (default 250), compiled engine. */
  readonly onProgress?: (p: ExploreProgress) => void;
  readonly progressIntervalMs?: number;
}

export interface ExploreProgress {
  /** States expanded, and found (expanded or in the frontier). */
  readonly explored: number;
  readonly states: number;
  readonly transitions: number;
  /** The breadth-first level being expanded. */
  readonly depth: number;
  readonly seconds: number;
}

export interface Violation {
  readonly invariant: string;
  readonly description: string;
  /** States (state invariants) or transitions (transition invariants) that violate it. */
  readonly count: number;
  /** A shortest event path to a violating state; for a transition invariant, ending with the violating event. */
  readonly path: readonly string[];
  /** The statuses of the violating state, member by member. */
  readonly statuses: readonly string[];
}

export interface DeadEndExample {
  readonly path: readonly string[];
  readonly statuses: readonly string[];
}

export interface EdgeCoverage {
  readonly from: string;
  readonly to: string;
  /** Transitions of the exploration that take the edge (0: not covered). */
  readonly transitions: number;
  /** The alphabet events (labels, without the job) that take it. */
  readonly events: readonly string[];
}

export interface ExploreResult {
  readonly engine: 'compiled' | 'xstate';
  readonly release: string;
  readonly jobs: number;
  readonly grouped: boolean;
  readonly mix: string;
  readonly alphabet: AlphabetName;
  readonly urgent: UrgentMode;
  readonly symmetry: boolean;
  /** False when maxStates stopped the search. */
  readonly complete: boolean;
  /** Distinct states of the model; with symmetry, distinct orbits (one representative each). */
  readonly states: number;
  /** Transitions: (state, event) pairs, the event offered, that change the state (with symmetry: between representatives). */
  readonly transitions: number;
  readonly depth: number;
  readonly seconds: number;
  readonly statesPerSecond: number;
  readonly edgesCovered: number;
  readonly edgesTotal: number;
  readonly edges: readonly EdgeCoverage[];
  readonly invariants: readonly string[];
  /** Invariant evaluations the exploration stands for: state invariants × states + transition invariants × transitions. */
  readonly invariantsChecked: number;
  readonly violations: readonly Violation[];
  /** States from which no settled state (every member null, or never created) can be reached; -1 when not computed. */
  readonly deadEnds: number;
  readonly deadEndExamples: readonly DeadEndExample[];
}

export function describeConfig(config: ExploreConfig): string {
  return `${config.inputs.length} job${config.inputs.length === 1 ? '' : 's'}, ${config.grouped ? 'grouped' : 'individual'}, mix ${formatMix(config.inputs)}, QEMU ${config.profile.release}`;
}

/** The text form: one line per figure, then uncovered edges, violations and dead ends. */
export function formatResult(r: ExploreResult): string {
  const lines: string[] = [];
  const n = (x: number) => x.toLocaleString('en-US');
  lines.push(`explored: ${r.jobs} job${r.jobs === 1 ? '' : 's'}, ${r.grouped ? 'grouped' : 'individual'}, mix ${r.mix}, QEMU ${r.release}, alphabet ${r.alphabet}, urgent ${r.urgent}, engine ${r.engine}${r.symmetry ? ' with symmetry' : ''}`);
  if (!r.complete) lines.push(`INCOMPLETE: stopped at the state limit`);
  lines.push(`states: ${n(r.states)}${r.symmetry ? ' (orbits of interchangeable members)' : ''}`);
  lines.push(`transitions: ${n(r.transitions)}`);
  lines.push(`depth: ${r.depth}`);
  lines.push(`time: ${r.seconds.toFixed(2)} s`);
  lines.push(`states per second: ${n(Math.round(r.statesPerSecond))}`);
  lines.push(`STT edges covered: ${r.edgesCovered} of ${r.edgesTotal}`);
  const uncovered = r.edges.filter((e) => e.transitions === 0).map((e) => `${e.from}->${e.to}`);
  if (uncovered.length > 0) lines.push(`STT edges not covered: ${uncovered.join(', ')}`);
  lines.push(`invariants: ${r.invariants.length} checked ${n(r.invariantsChecked)} times`);
  lines.push(`violations: ${r.violations.length}`);
  for (const v of r.violations) {
    lines.push(`  ${v.invariant}: ${v.description} (${n(v.count)})`);
    lines.push(`    statuses: ${v.statuses.join(' ')}`);
    lines.push(`    path: ${v.path.length === 0 ? '(initial state)' : v.path.join(', ')}`);
  }
  if (r.deadEnds >= 0) {
    lines.push(`dead ends: ${n(r.deadEnds)}`);
    for (const d of r.deadEndExamples) {
      lines.push(`  statuses: ${d.statuses.join(' ')}`);
      lines.push(`    path: ${d.path.join(', ')}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** The JSON form (`--json`): the result without the per-edge event lists' duplicates. */
export function resultJson(r: ExploreResult): Record<string, unknown> {
  return { ...r };
}
