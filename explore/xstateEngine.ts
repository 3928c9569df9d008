/**
 * The reference engine: traverses the XState group machine (machines/machine.ts) with `xstate/graph`'s
 * getAdjacencyMap and derives every figure from the adjacency map. It shares `step` and the machine with
 * the rest of the model, and nothing of the compiled engine (no local states, no scope or status claims,
 * no symmetry): every state is a whole machine snapshot.
 *
 * Two traversal options keep it fast:
 *  - `events` offers a state only the alphabet events that change it. `step` says which (it is what the
 *    machine's guards ask anyway, and costs well under a microsecond, against tens for an XState
 *    transition); a verb JobVerbTable refuses in its job's status is not even stepped (QEMU refuses it
 *    whatever else holds, and the machine has only the refusal there). The events that change nothing
 *    count for edge coverage only. An event `step` would change but the machine does not (a dismissed
 *    job's final state) is still offered, and found unchanged by its key.
 *  - `serializeState` names a snapshot by its state value, the abort flag and one number per member,
 *    each member's context interned by its fields (the JSON of every queued snapshot was most of the
 *    time and memory). The machine handed to getAdjacencyMap is the group machine with its pure
 *    `transition` followed by that naming: a transition to a state already named returns the snapshot
 *    kept for it, so the map and its queue hold one snapshot per state rather than one per edge.
 *    Events are named by their JSON, made once per alphabet event.
 * The QMP events a transition emits are taken from the `step` outcome `events` computed to offer it
 * (no second step per edge); the machine emits exactly those (test/machines/step.properties.test.ts).
 */
import type { AnyMachineSnapshot } from 'xstate';
import { getAdjacencyMap } from 'xstate/graph';
import { createGroupMachine, createJobContext, isVerbCommand, step, verbAllowed, VerbCommands, UrgentInternalEvents, type GroupContext, type InternalEventType, type JobContext, type ModelEvent, type Outcome } from '../machines/index.ts';
import { admitted, alphabet, eventLabel, type AlphabetEvent } from './alphabet.ts';
import { Findings } from './findings.ts';
import type { ExploreOptions, ExploreResult } from './result.ts';
import { grow, type StateGraph } from './stateGraph.ts';

/** The QMP events a step emits. */
type Emitted = Outcome['events'];

export function isUrgent(e: AlphabetEvent): boolean {
  return UrgentInternalEvents.has(e.event.type as InternalEventType);
}

/** Whether a step left the group as it was (members compared field by field: step copies what it patches). */
function sameGroup(a: GroupContext, b: GroupContext, fields: readonly (keyof JobContext)[]): boolean {
  if (a.aborting !== b.aborting) return false;
  for (let k = 0; k < a.jobs.length; k++) {
    const x = a.jobs[k]!;
    const y = b.jobs[k]!;
    if (x === y) continue;
    for (const f of fields) if (x[f] !== y[f]) return false;
  }
  return true;
}

/** A member's context as a string: its fields in a fixed order (strings quoted, so `null` stays apart). */
function jobKey(job: JobContext, fields: readonly (keyof JobContext)[]): string {
  let k = '';
  for (const f of fields) {
    const v = job[f];
    k += typeof v === 'string' ? `"${v}",` : `${String(v)},`;
  }
  return k;
}

export function exploreXstate(options: ExploreOptions): ExploreResult {
  const started = performance.now();
  const { config } = options;
  const profile = config.profile;
  const ids = config.inputs.map((i) => i.id);
  const events = alphabet(profile, ids, options.alphabet ?? 'full');
  const machine = createGroupMachine(profile, ids.length);
  const urgentFirst = (options.urgent ?? 'first') === 'first';
  const findings = new Findings(options, profile);
  findings.edgeLabels = (code) => events[code]!.template.label;

  const fields = Object.keys(createJobContext(config.inputs[0]!)) as (keyof JobContext)[];
  // Members' contexts interned: by object first (step keeps the objects of members it does not touch), then
  // by content. Only the objects of kept snapshots are remembered: a snapshot found again is dropped.
  const byObject = new Map<JobContext, number>();
  const byContent = new Map<string, number>();
  const nameOf = (j: JobContext): number => {
    const n = byObject.get(j);
    if (n !== undefined) return n;
    const k = jobKey(j, fields);
    let c = byContent.get(k);
    if (c === undefined) byContent.set(k, (c = byContent.size));
    return c;
  };
  const nameSnapshot = (s: AnyMachineSnapshot): string => {
    const value = s.value as Record<string, string>;
    let k = '';
    for (const node in value) k += `${value[node]},`;
    const g = s.context as GroupContext;
    k += g.aborting ? '|1' : '|0';
    for (const j of g.jobs) k += `|${nameOf(j)}`;
    return k;
  };
  // One snapshot per state: a transition to a state already named hands back the snapshot kept for it,
  // so the adjacency map and its queue hold one snapshot per state, not one per edge.
  const kept = new Map<string, AnyMachineSnapshot>();
  const keys = new Map<AnyMachineSnapshot, string>();
  const keep = (s: AnyMachineSnapshot): AnyMachineSnapshot => {
    const k = nameSnapshot(s);
    const known = kept.get(k);
    if (known !== undefined) return known;
    kept.set(k, s);
    keys.set(s, k);
    for (const j of (s.context as GroupContext).jobs) if (!byObject.has(j)) byObject.set(j, nameOf(j));
    return s;
  };
  const keyOf = (s: AnyMachineSnapshot): string => keys.get(s) ?? keys.get(keep(s))!;
  // xstate's pure transition, its result replaced by the kept snapshot of the same state.
  const transition = machine.transition;
  const logic: typeof machine = Object.create(machine, {
    transition: { value: (s: AnyMachineSnapshot, e: ModelEvent, scope: unknown) => keep(transition(s as never, e, scope as never)) },
  });

  // What each alphabet event is: its verb (commands), whether it is urgent.
  const verbs = events.map((e) => (isVerbCommand(e.event.type) ? VerbCommands[e.event.type].verb : undefined));
  const urgent = events.map(isUrgent);
  // Per state, each offer: 0 not admitted or cannot happen, 1 a command that changes nothing, 2 changes the state.
  const kind = new Uint8Array(events.length);
  const codeOf = new Map<object, number>(events.map((e, code) => [e.event, code]));
  // Each event's name in the adjacency map: its JSON (what xstate/graph names it by), made once.
  const eventKeys = events.map((e) => JSON.stringify(e.event));
  // The QMP events of each offered transition, by state and event code: step's outcome, kept for the edge.
  const emittedBy = new Map<AnyMachineSnapshot, Emitted[]>();
  const outs: (Outcome | undefined)[] = new Array<Outcome | undefined>(events.length);
  const offered = (s: AnyMachineSnapshot): ModelEvent[] => {
    const before = s.context as GroupContext;
    const jobs = before.jobs;
    let anyUrgent = false;
    for (let code = 0; code < events.length; code++) {
      const e = events[code]!;
      kind[code] = 0;
      if (!admitted(e, jobs)) continue;
      const verb = verbs[code];
      // A verb JobVerbTable refuses in the job's status is refused whatever else holds (replies.ts), and
      // the machine has only the refusal there.
      if (verb !== undefined && !verbAllowed(profile, verb, jobs[e.job]!.status)) {
        kind[code] = 1;
        continue;
      }
      const out = step(profile, before, e.event);
      if (out && !sameGroup(before, out.group, fields)) {
        kind[code] = 2;
        outs[code] = out;
        if (urgent[code]) anyUrgent = true;
      } else if (out?.isCommand) {
        kind[code] = 1;
      }
    }
    // In urgent-first states only the urgent events that change the state are offered; elsewhere
    // every admitted event is, and those that change nothing count for edge coverage only.
    const only = urgentFirst && anyUrgent;
    const chosen: ModelEvent[] = [];
    const emitted: Emitted[] = [];
    for (let code = 0; code < events.length; code++) {
      if (kind[code] === 1 && !only) findings.coverEdges(before, events[code]!, before, code);
      if (kind[code] !== 2) continue;
      const out = outs[code]!;
      outs[code] = undefined;
      if (only && !urgent[code]) continue;
      chosen.push(events[code]!.event);
      emitted[code] = out.events;
    }
    emittedBy.set(s, emitted);
    return chosen;
  };

  const adj = getAdjacencyMap(logic, {
    input: { jobs: config.inputs, grouped: config.grouped },
    events: offered,
    serializeState: (s) => keyOf(s),
    serializeEvent: (e) => eventKeys[codeOf.get(e)!]!,
  });

  // Number the states breadth-first from the initial one, following only state-changing transitions.
  const entries = Object.entries(adj);
  const byKey = new Map(entries);
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

  for (let s = 0; s < order.length; s++) {
    const snap = order[s]!;
    const key = keyOf(snap);
    const before = snap.context as GroupContext;
    const emitted = emittedBy.get(snap)!;
    findings.checkState(s, before);
    edgeStart[s] = edges;
    const value = byKey.get(key)!;
    for (const t of Object.values(value.transitions) as { event: ModelEvent; state: AnyMachineSnapshot }[]) {
      const code = codeOf.get(t.event)!;
      const next = t.state;
      const nextKey = keyOf(next);
      const after = next.context as GroupContext;
      const changed = nextKey !== key;
      const isCommand = events[code]!.template.isCommand;
      findings.coverEdges(before, events[code]!, changed || isCommand ? after : undefined, code);
      if (!changed) continue;
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
      findings.checkTransition(s, before, { group: after, events: emitted[code]!, isCommand }, code);
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
