/**
 * The reference engine: traverses the XState group machine (machines/machine.ts) with `xstate/graph`'s
 * getAdjacencyMap, offering the shared alphabet, and derives every figure from the adjacency map.
 * Slow (every state is a serialised machine snapshot) but independent of the compiled engine's tables.
 */
import { transition, type AnyMachineSnapshot } from 'xstate';
import { getAdjacencyMap, serializeSnapshot } from 'xstate/graph';
import { createGroupMachine, UrgentInternalEvents, type EmittedEvent, type EmittedMachineEvent, type GroupContext, type InternalEventType, type ModelEvent, type Outcome } from '../machines/index.ts';
import { admitted, alphabet, eventLabel, type AlphabetEvent } from './alphabet.ts';
import { Findings } from './findings.ts';
import type { ExploreOptions, ExploreResult } from './result.ts';
import { grow, type StateGraph } from './stateGraph.ts';

export function isUrgent(e: AlphabetEvent): boolean {
  return UrgentInternalEvents.has(e.event.type as InternalEventType);
}

export function exploreXstate(options: ExploreOptions): ExploreResult {
  const started = performance.now();
  const { config } = options;
  const profile = config.profile;
  const ids = config.inputs.map((i) => i.id);
  const events = alphabet(profile, ids, options.alphabet ?? 'full');
  // Every offer is a fresh copy of the alphabet event, numbered here: the numbering survives the
  // traversal, and no event object is shared between two transitions (machine.ts caches per object).
  const indexOf = new WeakMap<object, number>();
  const fresh = (code: number): ModelEvent => {
    const copy = { ...events[code]!.event };
    indexOf.set(copy, code);
    return copy;
  };
  const machine = createGroupMachine(profile, ids.length);
  const urgentFirst = (options.urgent ?? 'first') === 'first';

  const keys = new WeakMap<object, string>();
  const keyOf = (s: AnyMachineSnapshot): string => {
    let k = keys.get(s);
    if (k === undefined) {
      k = serializeSnapshot(s);
      keys.set(s, k);
    }
    return k;
  };
  const offered = (s: AnyMachineSnapshot): ModelEvent[] => {
    const jobs = (s.context as GroupContext).jobs;
    const all: number[] = [];
    events.forEach((e, code) => {
      if (admitted(e, jobs)) all.push(code);
    });
    if (urgentFirst) {
      const urgent = all.filter((code) => isUrgent(events[code]!) && keyOf(transition(machine, s, fresh(code))[0]) !== keyOf(s));
      if (urgent.length > 0) return urgent.map(fresh);
    }
    return all.map(fresh);
  };

  const adj = getAdjacencyMap(machine, {
    input: { jobs: config.inputs, grouped: config.grouped },
    events: offered,
    filterEvents: (_s, e) => indexOf.has(e),
    serializeState: (s) => keyOf(s),
  });

  // Number the states breadth-first from the initial one, following only state-changing transitions.
  const entries = Object.entries(adj);
  const byKey = new Map(entries.map(([k, v]) => [k, v]));
  const number = new Map<string, number>();
  const order: AnyMachineSnapshot[] = [];
  const initialKey = entries[0]![0];
  number.set(initialKey, 0);
  order.push(entries[0]![1].state as AnyMachineSnapshot);
  let parent = new Int32Array(16).fill(-1);
  let via = new Int32Array(16).fill(-1);
  let edgeTarget = new Int32Array(1024);
  const edgeStart = new Int32Array(entries.length + 1);
  let edges = 0;
  const findings = new Findings(options, profile);
  findings.edgeLabels = (code) => events[code]!.template.label;

  for (let s = 0; s < order.length; s++) {
    const snap = order[s]!;
    const key = keyOf(snap);
    const before = snap.context as GroupContext;
    findings.checkState(s, before);
    edgeStart[s] = edges;
    const value = byKey.get(key)!;
    for (const t of Object.values(value.transitions) as { event: ModelEvent; state: AnyMachineSnapshot }[]) {
      const code = indexOf.get(t.event as ModelEvent)!;
      const next = t.state as AnyMachineSnapshot;
      const nextKey = keyOf(next);
      const after = next.context as GroupContext;
      const changed = nextKey !== key;
      findings.coverEdges(before, events[code]!, changed || isCommand(events[code]!) ? after : undefined, code);
      if (!changed) continue;
      const [, actions] = transition(machine, snap, fresh(code));
      const emitted: EmittedEvent[] = [];
      for (const a of actions) {
        const ev = (a.params as { event?: EmittedMachineEvent } | undefined)?.event;
        if (ev?.type === 'qmp.event') emitted.push({ event: ev.event, data: ev.data });
      }
      const outcome: Outcome = { group: after, events: emitted, isCommand: isCommand(events[code]!) };
      let target = number.get(nextKey);
      if (target === undefined) {
        target = order.length;
        number.set(nextKey, target);
        order.push(next);
        parent = grow(parent, target + 1);
        via = grow(via, target + 1);
        parent[target] = s;
        via[target] = code;
      }
      findings.checkTransition(s, before, outcome, code);
      edgeTarget = grow(edgeTarget, edges + 1);
      edgeTarget[edges++] = target;
    }
  }
  edgeStart[order.length] = edges;
  const graph: StateGraph = { count: order.length, parent, via, edgeStart, edgeTarget };
  return findings.result({
    engine: 'xstate',
    graph,
    transitions: edges,
    statuses: (s) => (order[s]!.context as GroupContext).jobs.map((j) => j.status),
    label: (code) => eventLabel(events[code]!, ids),
    seconds: (performance.now() - started) / 1000,
    complete: true,
  });
}

function isCommand(e: AlphabetEvent): boolean {
  return e.template.isCommand;
}
