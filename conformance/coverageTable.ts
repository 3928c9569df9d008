/** `qjob coverage` as text: the JobSTT edges with their counts, and the (status, verb) grid. */
import { JobVerb } from '../machines/index.ts';
import { CELL_STATUSES, type CoverageJson } from './coverage.ts';

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

export function formatCoverage(c: CoverageJson): string {
  const out: string[] = [`${c.traces} trace${c.traces === 1 ? '' : 's'} (QEMU ${c.releases.join(', ') || '-'})`, ''];
  out.push(`JobSTT edges exercised: ${c.summary.edges}`);
  for (const e of c.edges) {
    const mark = !e.stt ? '  (not in JobSTT)' : e.count === 0 ? '  -' : '';
    out.push(`  ${pad(`${e.from} → ${e.to}`, 26)}${pad(String(e.count), 8)}${mark}`);
  }
  out.push('', `(status, verb) cells exercised: ${c.summary.cells}   (accepted/refused; '.' never ran; 'null' = no such job)`);
  const width = 12;
  out.push(`  ${pad('', 11)}${JobVerb.map((v) => pad(v, width)).join('')}`);
  for (const status of CELL_STATUSES) {
    const row = JobVerb.map((verb) => {
      const cell = c.cells.find((x) => x.status === status && x.verb === verb);
      const text = !cell || cell.accepted + cell.refused === 0 ? '.' : `${cell.accepted}/${cell.refused}`;
      return pad(text, width);
    });
    out.push(`  ${pad(status, 11)}${row.join('')}`);
  }
  return out.join('\n') + '\n';
}
