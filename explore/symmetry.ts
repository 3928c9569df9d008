/**
 * Symmetry reduction for interchangeable members (identical inputs): a group state is stored as the
 * representative of its orbit under the permutations that provably do not change what can happen.
 *
 * The model is not symmetric under every permutation of identical members: several rules single out
 * "the newest member such that ...": creation in index order, early failure of the newest created job,
 * a failed preparation that hangs every created member but the newest (grouped), and newest-first
 * finalization of a grouped transaction. So only these permutations are used, and the transition
 * relation is invariant under each of them (which is what makes the reduction exact):
 *  - members that are concluded or dismissed, among themselves: every rule treats them alike;
 *  - in a group of individual transactions (not grouped), once a member has started: every member of
 *    the class (no member can be created, fail early or fail in preparation any more, and each
 *    transaction has one member, so nothing is ordered).
 * A grouped transaction's unfinished members keep their positions: who is finalized first depends on
 * them. The tests check that the orbits explored are exactly the orbits of the unreduced space.
 * (Not every arrangement of an orbit need be reachable, as the permutations depend on the state: the
 * reduced search counts orbits, not the states they stand for.)
 */
import { CONCLUDED_CODE, NULL_CODE } from './localStates.ts';

export class Symmetry {
  /** For each class of two or more interchangeable members, their positions (ascending). */
  readonly classes: readonly (readonly number[])[];
  /** Per member: 1 when it is in a class. */
  private readonly inClass: Uint8Array;
  private readonly picked = new Int32Array(16);
  private readonly values = new Int32Array(16);

  constructor(
    classIds: readonly number[],
    readonly grouped: boolean,
  ) {
    const byId = new Map<number, number[]>();
    classIds.forEach((c, pos) => {
      const list = byId.get(c) ?? [];
      list.push(pos);
      byId.set(c, list);
    });
    this.classes = [...byId.values()].filter((l) => l.length > 1);
    this.inClass = new Uint8Array(classIds.length);
    for (const c of this.classes) for (const p of c) this.inClass[p] = 1;
  }

  /**
   * Whether a canonical state can stop being canonical when member p alone moves from local state
   * `from` to `to`: not in a grouped transaction when p is in no class or neither state is movable (the
   * members sorted stay the same, with the same values).
   */
  mayReorder(p: number, from: number, to: number, status: Uint8Array): boolean {
    return this.mayReorderRun(p, this.movable(from, status) || this.movable(to, status));
  }

  /**
   * mayReorder for every move of member p in a run (compiled.ts) whose `reorders` says whether its local
   * state or one it goes to is movable.
   */
  mayReorderRun(p: number, reorders: boolean): boolean {
    if (!this.grouped) return true;
    return this.inClass[p] === 1 && reorders;
  }

  get trivial(): boolean {
    return this.classes.length === 0;
  }

  /** Whether every member of a class may be permuted in state w (individual transactions, one started). */
  private whole(w: Int32Array, summary: Uint8Array): boolean {
    if (this.grouped) return false;
    for (let k = 1; k < w.length; k++) if (summary[w[k]!]! & 2) return true;
    return false;
  }

  /** Whether a member in local state `lid` is one that canonical forms sort (concluded or dismissed). */
  movable(lid: number, status: Uint8Array): boolean {
    const s = status[lid]!;
    return s === CONCLUDED_CODE || s === NULL_CODE;
  }

  /**
   * Puts state w (word 0 the abort flag, word 1 + p member p's local state) in canonical form in place:
   * the movable members of each class sorted by local state (an insertion sort of a few small integers).
   */
  canonicalize(w: Int32Array, status: Uint8Array, summary: Uint8Array): void {
    const whole = this.whole(w, summary);
    const picked = this.picked;
    const values = this.values;
    for (let c = 0; c < this.classes.length; c++) {
      const members = this.classes[c]!;
      let m = 0;
      for (let x = 0; x < members.length; x++) {
        const p = members[x]!;
        const v = w[1 + p]!;
        if (whole || this.movable(v, status)) {
          picked[m] = p;
          let j = m++;
          while (j > 0 && values[j - 1]! > v) {
            values[j] = values[j - 1]!;
            j--;
          }
          values[j] = v;
        }
      }
      if (m < 2) continue;
      for (let k = 0; k < m; k++) w[1 + picked[k]!] = values[k]!;
    }
  }
}
