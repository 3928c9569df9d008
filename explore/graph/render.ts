/** `qjob graph` output in each format, from the graph data. */
import { groupDot, jobDot } from './dot.ts';
import { graphData, type GraphData } from './data.ts';
import { graphHtml } from './html.ts';
import { groupMermaid, jobMermaid } from './mermaid.ts';
import { dotToSvg } from './svg.ts';
import type { Profile } from '../../machines/index.ts';
import type { TraceCoverage } from './traceCoverage.ts';

export const GRAPH_FORMATS = ['dot', 'mermaid', 'json', 'svg', 'html'] as const;
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

export interface GraphOptions {
  /** Also the status graph of two grouped jobs (dot, mermaid, svg: instead of the job's; json, html: beside it). */
  readonly group?: boolean;
  readonly coverage?: TraceCoverage;
}

export async function renderGraph(profile: Profile, format: GraphFormat, options: GraphOptions = {}): Promise<string> {
  const withGroup = options.group === true || format === 'html';
  const data: GraphData = graphData(profile, { group: withGroup, ...(options.coverage ? { coverage: options.coverage } : {}) });
  const groupOnly = options.group === true && data.group !== undefined;
  switch (format) {
    case 'json':
      return JSON.stringify(data, null, 2) + '\n';
    case 'dot':
      return groupOnly ? groupDot(data.group!, data.release) : jobDot(data);
    case 'mermaid':
      return groupOnly ? groupMermaid(data.group!) : jobMermaid(data);
    case 'svg':
      return (await dotToSvg(groupOnly ? groupDot(data.group!, data.release) : jobDot(data))) + '\n';
    case 'html': {
      const job = await dotToSvg(jobDot(data));
      const group = data.group ? await dotToSvg(groupDot(data.group, data.release)) : undefined;
      return graphHtml(data, group ? { job, group } : { job });
    }
  }
}
