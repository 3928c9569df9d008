/** The graph in Graphviz DOT: statuses top to bottom, edges labelled with their events, coverage as colour and width. */
import { shortLabel, type GraphData, type GroupGraph } from './data.ts';

const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

/** At most `max` labels, then "+N more". */
export function labelLines(events: readonly string[], max = 4): string[] {
  const short = [...new Set(events.map(shortLabel))];
  return short.length > max ? [...short.slice(0, max), `+${short.length - max} more`] : short;
}

export function jobDot(data: GraphData): string {
  const lines = [
    `digraph ${quote(`QEMU ${data.release} job statuses`)} {`,
    '  rankdir=TB; nodesep=0.5; ranksep=0.55;',
    '  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", color="#5b7db1", fontname="Helvetica", fontsize=12];',
    '  edge [fontname="Helvetica", fontsize=9, color="#555555"];',
  ];
  for (const s of data.statuses) lines.push(`  ${quote(s)} [id=${quote(`status-${s}`)}];`);
  const traced = data.traces !== undefined;
  for (const e of data.edges) {
    const label = labelLines(e.events).join('\n');
    const attrs = [`id=${quote(`edge-${e.from}-${e.to}`)}`, `label=${quote(label)}`];
    if (traced) {
      const n = e.traces ?? 0;
      attrs.push(n > 0 ? `color="#2e7d32", penwidth=${(1 + Math.log10(n + 1) * 1.5).toFixed(2)}, xlabel=${quote(`×${n}`)}` : 'color="#c62828", style=dashed');
    }
    lines.push(`  ${quote(e.from)} -> ${quote(e.to)} [${attrs.join(', ')}];`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

export function groupDot(group: GroupGraph, release: string): string {
  const lines = [
    `digraph ${quote(`QEMU ${release}: ${group.jobs} jobs, ${group.grouped ? 'grouped' : 'individual'}`)} {`,
    '  rankdir=TB; nodesep=0.3; ranksep=0.45;',
    '  node [shape=box, style="rounded,filled", fillcolor="#f4f1fa", color="#7b61a8", fontname="Helvetica", fontsize=10];',
    '  edge [fontname="Helvetica", fontsize=8, color="#666666"];',
  ];
  for (const n of group.nodes) lines.push(`  ${quote(n)} [label=${quote(n.replace(',', '\n'))}];`);
  for (const e of group.edges) lines.push(`  ${quote(e.from)} -> ${quote(e.to)} [label=${quote(labelLines(e.events, 2).join('\n'))}];`);
  lines.push('}');
  return lines.join('\n') + '\n';
}
