/**
 * Shortest event paths through the model that a client can drive on a real target, and small sets of
 * them that cover every JobSTT edge or every (status, verb) cell.
 *
 * The search runs `step` breadth-first under the discipline of a QMP session: the creating command
 * creates and starts its jobs (or fails in preparation) before any other command is read; urgent
 * internal events, and the pause point a job-pause kicks the job to (6.0 on) and the re-entry of a
 * job-resume, run before anything else; the other internal events are the ones a job does by
 * itself once a client lets it (reaching a pause point, being re-entered, converging, finishing). The
 * internal events no client can cause on a plain target are left out, and named: drains, I/O errors
 * (a blkdebug node would be needed), failures of creation or finalization, and quit.
 */
import { step, UrgentInternalEvents, VerbCommands, type GroupContext, type InternalEventType, type JobStatus, type ModelEvent, type Profile, type VerbCommandName } from '../machines/index.ts';
import { jobTemplates, PREPARE_FAIL, type EventTemplate } from './alphabet.ts';
import { initialGroup, type ExploreConfig } from './config.ts';
import { edgesTaken, sttEdges } from './coverage.ts';

/** Internal events a path may use, and why the others are left out. */
export const PATH_INTERNALS: readonly string[] = [
  'internal.create',
  'internal.start',
  'internal.pause-point',
  'internal.enter',
  'internal.ready',
  'internal.run-returned',
  'internal.txn-pending',
  'internal.txn-abort',
  'internal.conclude',
  'internal.dismiss',
  'internal.prepare-fail',
];

export const LEFT_OUT: Readonly<Record<string, string>> = {
  'internal.drain-begin': 'drains come from the block layer, not from a client',
  'internal.drain-end': 'drains come from the block layer, not from a client',
  'internal.run-returned error': 'needs a failing target node (blkdebug), not part of these scenarios',
  'internal.io-error report': 'needs a failing target node (blkdebug), not part of these scenarios',
  'internal.io-error stop': 'needs a failing target node (blkdebug), not part of these scenarios',
  'internal.io-error ignore': 'needs a failing target node (blkdebug), not part of these scenarios',
  'internal.early-fail': 'needs a creation that fails after job_create (a permission conflict)',
  'internal.finalize-fail': "needs a driver whose .prepare fails; no plain target has one",
  'internal.shutdown': 'quit ends the session',
  'block-job-set-speed 0': 'the scenarios use set-speed themselves, to hold and release jobs',
  'block-job-set-speed -1': 'refused everywhere; it never moves a job',
  'block-job-change write-blocking': 'changes no status',
  'block-job-change background': 'changes no status',
};

export interface PathSpace {
  readonly config: ExploreConfig;
  readonly templates: readonly EventTemplate[];
  readonly states: GroupContext[];
  readonly parent: number[];
  /** [template, member] of the event that reached each state. */
  readonly via: (readonly [number, number])[];
  /** Every transition, in BFS order: source, template, member, target. */
  readonly transitions: (readonly [number, number, number, number])[];
}

/**
 * Events that happen before the client can send anything else: the urgent internal events, and the
 * pause point and re-entry that job-pause (6.0 on, it kicks the job) and job-resume cause at once.
 */
function isPrompt(profile: Profile, t: EventTemplate): boolean {
  const type = t.make('_').type;
  if (UrgentInternalEvents.has(type as InternalEventType)) return true;
  return type === 'internal.enter' || (type === 'internal.pause-point' && profile.features.pauseKicksJob);
}

function creating(g: GroupContext): boolean {
  const some = g.jobs.some((j) => j.status === 'undefined');
  return (some && !g.jobs.every((j) => j.status === 'undefined')) || g.jobs.some((j) => j.status === 'created');
}

/** Breadth-first search of what a client can drive (small groups: the states are kept as objects). */
export function pathSpace(config: ExploreConfig, limit = 2_000_000): PathSpace {
  const profile = config.profile;
  const templates = [...jobTemplates(profile, 'full').filter((t) => !(t.label in LEFT_OUT)), PREPARE_FAIL];
  const ids = config.inputs.map((i) => i.id);
  const start = initialGroup(config);
  const index = new Map<string, number>([[JSON.stringify(start), 0]]);
  const states = [start];
  const parent = [-1];
  const via: (readonly [number, number])[] = [[-1, -1]];
  const transitions: (readonly [number, number, number, number])[] = [];
  const urgent = templates.map((t) => isPrompt(profile, t));
  const creation = new Set(['internal.create', 'internal.start', 'internal.prepare-fail']);
  for (let s = 0; s < states.length && states.length < limit; s++) {
    const g = states[s]!;
    const key = JSON.stringify(g);
    const inCreation = creating(g);
    const moves: [number, number, GroupContext][] = [];
    let urgentSeen = false;
    templates.forEach((tpl, t) => {
      const members = tpl.scope === 'group' ? [-1] : ids.map((_, k) => k);
      for (const k of members) {
        if (k >= 0 && tpl.admits && !tpl.admits(g.jobs[k]!)) continue;
        if (inCreation && !creation.has(tpl.label) && !urgent[t]) continue;
        if (!inCreation && (tpl.label === 'internal.create' || tpl.label === 'internal.start') && !g.jobs.every((j) => j.status === 'undefined' || j.status === 'created')) continue;
        const out = step(profile, g, tpl.make(k < 0 ? '' : ids[k]!));
        if (!out || JSON.stringify(out.group) === key) continue;
        if (urgent[t] && !urgentSeen) {
          urgentSeen = true;
          moves.length = 0;
        }
        if (urgentSeen && !urgent[t]) continue;
        moves.push([t, k, out.group]);
      }
    });
    for (const [t, k, next] of moves) {
      const nk = JSON.stringify(next);
      let target = index.get(nk);
      if (target === undefined) {
        target = states.length;
        index.set(nk, target);
        states.push(next);
        parent.push(s);
        via.push([t, k]);
      }
      transitions.push([s, t, k, target]);
    }
  }
  return { config, templates, states, parent, via, transitions };
}

export interface ModelPath {
  /** The events, in order, with the member each addresses (-1: group-wide). */
  readonly steps: readonly { readonly template: EventTemplate; readonly member: number; readonly event: ModelEvent; readonly after: GroupContext }[];
  /** What the path reaches or covers, for naming. */
  readonly goal: string;
}

function pathTo(space: PathSpace, s: number, goal: string, extra?: readonly [number, number, number]): ModelPath {
  const chain: number[] = [];
  for (let k = s; k > 0; k = space.parent[k]!) chain.push(k);
  chain.reverse();
  const ids = space.config.inputs.map((i) => i.id);
  const steps = chain.map((k) => {
    const [t, m] = space.via[k]!;
    const template = space.templates[t]!;
    return { template, member: m, event: template.make(m < 0 ? '' : ids[m]!), after: space.states[k]! };
  });
  if (extra) {
    const [t, m, target] = extra;
    const template = space.templates[t]!;
    steps.push({ template, member: m, event: template.make(m < 0 ? '' : ids[m]!), after: space.states[target]! });
  }
  return { steps, goal };
}

/** A shortest path to a state where some member has `status`. */
export function pathToStatus(space: PathSpace, status: JobStatus): ModelPath | undefined {
  const s = space.states.findIndex((g) => g.jobs.some((j) => j.status === status));
  return s < 0 ? undefined : pathTo(space, s, `status ${status}`);
}

export interface Cover {
  readonly paths: readonly ModelPath[];
  readonly covered: readonly string[];
  readonly uncovered: readonly string[];
}

/** Paths that together take every JobSTT edge the space can take: greedily, a shortest path to each edge not yet taken. */
export function coverEdges(space: PathSpace): Cover {
  const profile = space.config.profile;
  const ids = space.config.inputs.map((i) => i.id);
  const all = sttEdges(profile).map((e) => `${e.from}->${e.to}`);
  const taken = (tr: readonly [number, number, number, number]) =>
    edgesTaken(profile, space.states[tr[0]]!, space.templates[tr[1]]!.make(tr[2] < 0 ? '' : ids[tr[2]]!), space.states[tr[3]]!);
  const first = new Map<string, readonly [number, number, number, number]>();
  for (const tr of space.transitions) for (const e of taken(tr)) if (!first.has(e)) first.set(e, tr);
  const covered = new Set<string>();
  const paths: ModelPath[] = [];
  // Deepest first: a long path takes many edges on its way, so fewer paths are needed.
  const depth = (s: number) => {
    let d = 0;
    for (let k = s; k > 0; k = space.parent[k]!) d++;
    return d;
  };
  const order = [...first.entries()].sort((a, b) => depth(b[1][0]) - depth(a[1][0])).map(([e]) => e);
  for (const edge of order) {
    const tr = first.get(edge);
    if (!tr || covered.has(edge)) continue;
    const path = pathTo(space, tr[0], `edge ${edge}`, [tr[1], tr[2], tr[3]]);
    let before = initialGroup(space.config);
    for (const st of path.steps) {
      for (const e of edgesTaken(profile, before, st.event, st.after)) covered.add(e);
      before = st.after;
    }
    paths.push(path);
  }
  return { paths, covered: all.filter((e) => covered.has(e)), uncovered: all.filter((e) => !covered.has(e)) };
}

/** The verb of a command template, or undefined for an internal event. */
function verbOf(t: EventTemplate): string | undefined {
  const type = t.make('_').type;
  return type in VerbCommands ? VerbCommands[type as VerbCommandName].verb : undefined;
}

/** Paths that together send every verb of the release to a job in every status a client can see it in. */
export function coverCells(space: PathSpace, profile: Profile): Cover {
  const all = profile.statuses.flatMap((s) => profile.verbs.map((v) => `${s}/${v}`));
  const covered = new Set<string>();
  const paths: ModelPath[] = [];
  // Commands change no state when refused, so they are not transitions of the space: try each in each state.
  const ids = space.config.inputs.map((i) => i.id);
  const cellOf = new Map<string, [number, number, number]>();
  const urgent = space.templates.map((t) => isPrompt(profile, t));
  const hasUrgentMove = new Set<number>();
  for (const [s, t] of space.transitions) if (urgent[t]) hasUrgentMove.add(s);
  // Every command of the release probes cells, also those left out of the search (they move no status).
  const probes = jobTemplates(profile, 'full').filter((t) => t.isCommand);
  space.states.forEach((g, s) => {
    if (hasUrgentMove.has(s) || creating(g)) return;
    probes.forEach((tpl, t) => {
      const verb = verbOf(tpl);
      if (verb === undefined) return;
      ids.forEach((_, k) => {
        const cell = `${g.jobs[k]!.status}/${verb}`;
        if (!cellOf.has(cell)) cellOf.set(cell, [s, t, k]);
      });
    });
  });
  for (const cell of all) {
    const at = cellOf.get(cell);
    if (!at || covered.has(cell)) continue;
    const [s, t, k] = at;
    const g = space.states[s]!;
    const base = pathTo(space, s, `cell ${cell}`);
    // Every refused verb leaves the state as it is, so one scenario probes them all, then the cell's own verb.
    const probing: ModelPath['steps'][number][] = [];
    const key = JSON.stringify(g);
    probes.forEach((tpl, u) => {
      if (u === t) return;
      const out = step(profile, g, tpl.make(ids[k]!));
      if (out && JSON.stringify(out.group) === key) probing.push({ template: tpl, member: k, event: tpl.make(ids[k]!), after: g });
    });
    const out = step(profile, g, probes[t]!.make(ids[k]!));
    probing.push({ template: probes[t]!, member: k, event: probes[t]!.make(ids[k]!), after: out?.group ?? g });
    const path: ModelPath = { goal: base.goal, steps: [...base.steps, ...probing] };
    let before = initialGroup(space.config);
    for (const st of path.steps) {
      const verb = verbOf(st.template);
      if (verb !== undefined && st.member >= 0) covered.add(`${before.jobs[st.member]!.status}/${verb}`);
      before = st.after;
    }
    paths.push(path);
  }
  return { paths, covered: all.filter((c) => covered.has(c)), uncovered: all.filter((c) => !covered.has(c)) };
}
