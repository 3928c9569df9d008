/**
 * The explored state graph in the form both engines hand over: states numbered in breadth-first
 * order (0 is the initial state), a BFS parent and the event that reached each state, and the
 * successor lists (CSR). Shortest paths, depth and dead ends are computed here, once for both.
 */

export interface StateGraph {
  readonly count: number;
  /** BFS parent of each state (-1 for the initial state). */
  readonly parent: Int32Array;
  /** The code of the event that reached each state from its parent (-1 for the initial state). */
  readonly via: Int32Array;
  /** Successors of state s: edgeTarget[edgeStart[s] .. edgeStart[s + 1]). */
  readonly edgeStart: Int32Array;
  readonly edgeTarget: Int32Array;
}

type Growable = Int32Array<ArrayBuffer> | Uint16Array<ArrayBuffer> | Float64Array<ArrayBuffer>;

/** Grows a typed array by doubling to hold at least `need` elements (the new ones 0). */
export function grow<A extends Growable>(a: A, need: number): A {
  if (need <= a.length) return a;
  let size = Math.max(16, a.length);
  while (size < need) size *= 2;
  const b = new (a.constructor as new (length: number) => A)(size);
  (b as Growable).set(a);
  return b;
}

/** The depth (BFS distance from the initial state) of the deepest state. */
export function maxDepth(g: StateGraph): number {
  const depth = new Int32Array(g.count);
  let max = 0;
  for (let s = 1; s < g.count; s++) {
    depth[s] = depth[g.parent[s]!]! + 1;
    if (depth[s]! > max) max = depth[s]!;
  }
  return max;
}

/** The event codes of a shortest path from the initial state to `s`. */
export function pathCodes(g: StateGraph, s: number): number[] {
  const out: number[] = [];
  for (let k = s; k > 0; k = g.parent[k]!) out.push(g.via[k]!);
  return out.reverse();
}

/**
 * States from which no state satisfying `isGoal` can be reached (dead ends), by a backward search
 * from the goal states. Returns a flag per state.
 */
export function deadEnds(g: StateGraph, isGoal: (s: number) => boolean): Uint8Array {
  const n = g.count;
  const inCount = new Int32Array(n + 1);
  const m = g.edgeStart[n]!;
  for (let e = 0; e < m; e++) inCount[g.edgeTarget[e]! + 1]!++;
  for (let s = 0; s < n; s++) inCount[s + 1]! += inCount[s]!;
  const revStart = inCount.slice();
  const fill = inCount.slice(0, n);
  const revSource = new Int32Array(m);
  for (let s = 0; s < n; s++) {
    for (let e = g.edgeStart[s]!; e < g.edgeStart[s + 1]!; e++) revSource[fill[g.edgeTarget[e]!]!++] = s;
  }
  const reaches = new Uint8Array(n);
  const queue = new Int32Array(n);
  let tail = 0;
  for (let s = 0; s < n; s++) {
    if (isGoal(s)) {
      reaches[s] = 1;
      queue[tail++] = s;
    }
  }
  for (let head = 0; head < tail; head++) {
    const t = queue[head]!;
    for (let e = revStart[t]!; e < revStart[t + 1]!; e++) {
      const s = revSource[e]!;
      if (!reaches[s]) {
        reaches[s] = 1;
        queue[tail++] = s;
      }
    }
  }
  const dead = new Uint8Array(n);
  for (let s = 0; s < n; s++) dead[s] = reaches[s] ? 0 : 1;
  return dead;
}
