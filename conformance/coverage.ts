/**
 * Coverage: which JobSTT edges (JOB_STATUS_CHANGE, `undefined → created` included) and which
 * (status, verb) cells of the verb table a set of traces exercises. A verb command counts once, in
 * the earliest status of its window that agrees with its reply (its own events, like `standby` after
 * job-pause, come after the state it ran in).
 */
import { JobStatus, JobVerb, latestProfile, sttAllows } from '../machines/index.ts';

export interface CoverageCollector {
  edge(from: JobStatus, to: JobStatus): void;
  cell(status: JobStatus, verb: JobVerb, accepted: boolean): void;
  trace(release: string): void;
}

export interface CoverageJson {
  readonly traces: number;
  readonly releases: readonly string[];
  readonly edges: readonly { readonly from: JobStatus; readonly to: JobStatus; readonly stt: boolean; readonly count: number }[];
  readonly cells: readonly { readonly status: JobStatus; readonly verb: JobVerb; readonly accepted: number; readonly refused: number }[];
  readonly summary: { readonly edges: string; readonly cells: string };
}

/** The statuses a command can find a job in: everything but `undefined`, plus `null` for "no such job". */
export const CELL_STATUSES: readonly JobStatus[] = JobStatus.filter((s) => s !== 'undefined');

export class Coverage implements CoverageCollector {
  private traces = 0;
  private readonly releases = new Set<string>();
  private readonly edges = new Map<string, number>();
  private readonly cells = new Map<string, { accepted: number; refused: number }>();

  edge(from: JobStatus, to: JobStatus): void {
    const k = `${from}>${to}`;
    this.edges.set(k, (this.edges.get(k) ?? 0) + 1);
  }

  cell(status: JobStatus, verb: JobVerb, accepted: boolean): void {
    const k = `${status}|${verb}`;
    let c = this.cells.get(k);
    if (!c) this.cells.set(k, (c = { accepted: 0, refused: 0 }));
    if (accepted) c.accepted++;
    else c.refused++;
  }

  trace(release: string): void {
    this.traces++;
    this.releases.add(release);
  }

  edgeCount(from: JobStatus, to: JobStatus): number {
    return this.edges.get(`${from}>${to}`) ?? 0;
  }

  cellCount(status: JobStatus, verb: JobVerb): { accepted: number; refused: number } {
    return this.cells.get(`${status}|${verb}`) ?? { accepted: 0, refused: 0 };
  }

  /** Every JobSTT edge (exercised or not), then any non-STT change the traces showed. */
  toJSON(): CoverageJson {
    const edges: { from: JobStatus; to: JobStatus; stt: boolean; count: number }[] = [];
    for (const from of JobStatus) for (const to of JobStatus) {
      const stt = sttAllows(from, to) && from !== to;
      const count = this.edgeCount(from, to);
      if (stt || count > 0) edges.push({ from, to, stt, count });
    }
    const cells: { status: JobStatus; verb: JobVerb; accepted: number; refused: number }[] = [];
    for (const status of CELL_STATUSES) for (const verb of JobVerb) cells.push({ status, verb, ...this.cellCount(status, verb) });
    const sttEdges = edges.filter((e) => e.stt);
    const verbs = latestProfile().verbs;
    const liveCells = cells.filter((c) => verbs.includes(c.verb));
    return {
      traces: this.traces,
      releases: [...this.releases].sort(),
      edges,
      cells,
      summary: {
        edges: `${sttEdges.filter((e) => e.count > 0).length}/${sttEdges.length}`,
        cells: `${liveCells.filter((c) => c.accepted + c.refused > 0).length}/${liveCells.length}`,
      },
    };
  }
}
