/**
 * The transition graph as data: a release's JobSTT with each edge labelled by the alphabet events that
 * take it (found by exploring one job of each kind), QEMU's verb tables per release, optionally the
 * status graph of a small group, and coverage counted from recorded traces. Every rendering
 * (dot, mermaid, json, svg, html) is made from this.
 */
import { JobStatus, JobVerbTables, type Profile } from '../../machines/index.ts';
import { exploreCompiled } from '../compiled.ts';
import { makeConfig } from '../config.ts';
import { sttEdges } from '../coverage.ts';
import { pathSpace } from '../paths.ts';
import type { TraceCoverage } from './traceCoverage.ts';

export interface GraphEdge {
  readonly from: JobStatus;
  readonly to: JobStatus;
  /** Alphabet events that take the edge (without the job), sorted. */
  readonly events: readonly string[];
  /** Times recorded traces took it (with --traces). */
  readonly traces?: number;
}

export interface GroupGraph {
  readonly jobs: number;
  readonly grouped: boolean;
  readonly mix: string;
  /** Status tuples ("running,waiting"), in the order a breadth-first search found them. */
  readonly nodes: readonly string[];
  readonly edges: readonly { readonly from: string; readonly to: string; readonly events: readonly string[] }[];
}

export interface GraphData {
  readonly release: string;
  readonly statuses: readonly JobStatus[];
  readonly edges: readonly GraphEdge[];
  readonly verbTables: readonly { readonly since: string; readonly table: Readonly<Record<string, readonly JobStatus[]>> }[];
  readonly group?: GroupGraph;
  readonly traces?: { readonly files: number; readonly transitions: number; readonly outsideStt: Readonly<Record<string, number>> };
}

/** The one-job explorations whose edges label the graph: a mirror kept in pending and concluded, and backups. */
export const LABEL_MIXES: readonly string[] = ['mirror:manual-finalize:manual-dismiss', 'backup', 'backup:manual-finalize:manual-dismiss'];

/** Short form of an event label for pictures: no `internal.` prefix. */
export function shortLabel(label: string): string {
  return label.replace(/^internal\./, '');
}

export function graphData(profile: Profile, options: { group?: boolean; coverage?: TraceCoverage } = {}): GraphData {
  const events = new Map<string, Set<string>>();
  for (const mix of LABEL_MIXES) {
    // Free order, so the transient statuses of a single job (waiting, aborting) take their edges too.
    const r = exploreCompiled({ config: makeConfig(profile, 1, false, mix), urgent: 'free', deadEnds: false });
    for (const e of r.edges) {
      const set = events.get(`${e.from}->${e.to}`) ?? new Set<string>();
      for (const label of e.events) set.add(label);
      events.set(`${e.from}->${e.to}`, set);
    }
  }
  const edges: GraphEdge[] = sttEdges(profile).map((e) => {
    const name = `${e.from}->${e.to}`;
    const labels = [...(events.get(name) ?? [])].sort();
    return options.coverage ? { ...e, events: labels, traces: options.coverage.edges[name] ?? 0 } : { ...e, events: labels };
  });
  const verbTables = JobVerbTables.map(({ since, table }) => ({ since, table: { ...table } as Record<string, readonly JobStatus[]> }));
  const data: GraphData = { release: profile.release, statuses: [...JobStatus], edges, verbTables };
  const withGroup = options.group ? { ...data, group: groupGraph(profile) } : data;
  if (!options.coverage) return withGroup;
  const stt = new Set(edges.map((e) => `${e.from}->${e.to}`));
  const outsideStt = Object.fromEntries(Object.entries(options.coverage.edges).filter(([k]) => !stt.has(k)));
  return { ...withGroup, traces: { files: options.coverage.files, transitions: options.coverage.transitions, outsideStt } };
}

/** The status graph of two backups in a grouped transaction, as a client drives them (explore/paths.ts). */
export function groupGraph(profile: Profile, mix = 'backup:manual-finalize:manual-dismiss'): GroupGraph {
  const config = makeConfig(profile, 2, true, mix);
  const space = pathSpace(config);
  const name = (s: number) => space.states[s]!.jobs.map((j) => j.status).join(',');
  const nodes: string[] = [];
  const seen = new Set<string>();
  const labels = new Map<string, Set<string>>();
  for (let s = 0; s < space.states.length; s++) {
    const n = name(s);
    if (!seen.has(n)) {
      seen.add(n);
      nodes.push(n);
    }
  }
  const ids = config.inputs.map((i) => i.id);
  for (const [s, t, k, target] of space.transitions) {
    const from = name(s);
    const to = name(target);
    if (from === to) continue;
    const key = `${from}|${to}`;
    const set = labels.get(key) ?? new Set<string>();
    const label = shortLabel(space.templates[t]!.label);
    set.add(k < 0 ? label : `${label} ${ids[k]}`);
    labels.set(key, set);
  }
  const edges = [...labels.entries()].map(([key, set]) => {
    const [from, to] = key.split('|') as [string, string];
    return { from, to, events: [...set].sort() };
  });
  return { jobs: 2, grouped: true, mix, nodes, edges };
}
