/**
 * Coverage of the JobSTT from recorded sessions: every JOB_STATUS_CHANGE a job emitted, read as an
 * edge from the job's previous status (undefined before its first event, and again after null, when
 * an id is reused). Self-loops emit nothing, so aborting → aborting is never seen in a trace.
 */
import { readTrace } from '../../traces/reader.ts';
import { findTraceFiles } from '../../traces/traceFiles.ts';

export interface TraceCoverage {
  readonly files: number;
  readonly transitions: number;
  /** `from->to` → times seen. */
  readonly edges: Readonly<Record<string, number>>;
}

export async function traceCoverage(paths: readonly string[]): Promise<TraceCoverage> {
  const edges: Record<string, number> = {};
  let files = 0;
  let transitions = 0;
  for (const file of await findTraceFiles(paths)) {
    files++;
    const last = new Map<string, string>();
    await readTrace(file, (line) => {
      const msg = line.msg;
      if (line.dir !== 'recv' || msg['event'] !== 'JOB_STATUS_CHANGE') return;
      const data = msg['data'] as { id?: unknown; status?: unknown } | undefined;
      if (typeof data?.id !== 'string' || typeof data.status !== 'string') return;
      const from = last.get(data.id) ?? 'undefined';
      const edge = `${from}->${data.status}`;
      edges[edge] = (edges[edge] ?? 0) + 1;
      transitions++;
      last.set(data.id, data.status === 'null' ? 'undefined' : data.status);
    });
  }
  return { files, transitions, edges };
}
