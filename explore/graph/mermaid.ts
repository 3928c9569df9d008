/** The graph as a Mermaid state diagram (GitHub renders it in markdown). */
import { labelLines } from './dot.ts';
import type { GraphData, GroupGraph } from './data.ts';

const id = (s: string) => `s_${s.replace(/[^A-Za-z0-9]/g, '_')}`;
const text = (s: string) => s.replace(/[:;#]/g, ' ');

export function jobMermaid(data: GraphData): string {
  const lines = ['stateDiagram-v2'];
  for (const s of data.statuses) lines.push(`  state "${s}" as ${id(s)}`);
  lines.push(`  [*] --> ${id('undefined')}`);
  for (const e of data.edges) {
    const count = e.traces !== undefined ? ` (×${e.traces})` : '';
    lines.push(`  ${id(e.from)} --> ${id(e.to)}: ${text(labelLines(e.events, 3).join(', '))}${count}`);
  }
  lines.push(`  ${id('null')} --> [*]`);
  return lines.join('\n') + '\n';
}

export function groupMermaid(group: GroupGraph): string {
  const lines = ['stateDiagram-v2'];
  group.nodes.forEach((n) => lines.push(`  state "${n}" as ${id(n)}`));
  lines.push(`  [*] --> ${id(group.nodes[0]!)}`);
  for (const e of group.edges) lines.push(`  ${id(e.from)} --> ${id(e.to)}: ${text(labelLines(e.events, 1).join(', '))}`);
  return lines.join('\n') + '\n';
}
