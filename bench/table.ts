/**
 * What a benchmark reports: rows of one table, each a figure with its unit, which way is better, an
 * optional target, and a key under which bench/baseline.json keeps the figure of a reference run.
 */
export interface BenchRow {
  /** Key in bench/baseline.json. */
  readonly id: string;
  readonly what: string;
  readonly figure: number;
  /** `x` (a ratio), `states/s`, `MiB`, `runs/s`. */
  readonly unit: string;
  readonly better: 'higher' | 'lower';
  /** The target: met when the figure is at least (higher) or at most (lower) this. */
  readonly target?: number;
  /** A few words on what was measured (states, seconds). */
  readonly detail?: string;
  /** A rate that follows the machine's speed: compared with its baseline scaled by that speed (see `machineSpeed`). */
  readonly timed?: boolean;
}

/** The row whose figure measures the machine itself: reading and parsing the checker's synthetic trace, in ms. */
export const FLOOR_ROW = 'checker.floor';

/**
 * How fast the machine runs now compared with the baseline run (1: as fast, 0.5: half as fast), from
 * the read + JSON.parse floor measured in both. The machine is shared, so its speed varies from run to
 * run by more than the 2x a regression is; a timed figure is compared with its baseline times this.
 */
export function machineSpeed(rows: readonly BenchRow[], baseline: Readonly<Record<string, number>>): number {
  const now = rows.find((r) => r.id === FLOOR_ROW)?.figure;
  const then = baseline[FLOOR_ROW];
  return now !== undefined && then !== undefined && now > 0 && then > 0 ? then / now : 1;
}

/** The baseline a row is compared with: its stored figure, scaled by the machine's speed for a timed rate. */
export function expected(row: BenchRow, baseline: number | undefined, speed: number): number | undefined {
  if (baseline === undefined) return undefined;
  return row.timed ? baseline * speed : baseline;
}

/** How far a figure may fall behind its baseline before the run fails: noise on a shared machine stays well within it. */
export const REGRESSION_FACTOR = 2;

export function meets(row: BenchRow): boolean | undefined {
  if (row.target === undefined) return undefined;
  return row.better === 'higher' ? row.figure >= row.target : row.figure <= row.target;
}

/** Worse than the baseline by more than REGRESSION_FACTOR. */
export function regressed(row: BenchRow, baseline: number | undefined): boolean {
  if (baseline === undefined || baseline <= 0 || row.figure <= 0) return false;
  return row.better === 'higher' ? row.figure * REGRESSION_FACTOR < baseline : row.figure > baseline * REGRESSION_FACTOR;
}

function format(x: number, unit: string): string {
  if (unit === 'x') return `${x.toFixed(2)}x`;
  const n = x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1);
  return `${n} ${unit}`;
}

/** The table: benchmark, figure, target and whether it is met, baseline and the figure as a ratio of it. */
export function renderTable(rows: readonly BenchRow[], baseline: Readonly<Record<string, number>>): string {
  const speed = machineSpeed(rows, baseline);
  const head = ['benchmark', 'figure', 'target', 'baseline', 'vs baseline', 'detail'];
  // Timed rates show the baseline as expected at this machine speed.
  const body = rows.map((r) => {
    const met = meets(r);
    const target = r.target === undefined ? '-' : `${r.better === 'higher' ? '>=' : '<='} ${format(r.target, r.unit)}: ${met ? 'met' : 'MISSED'}`;
    const base = expected(r, baseline[r.id], speed);
    const vs = base === undefined ? '-' : `${(r.figure / base).toFixed(2)}x${regressed(r, base) ? ' REGRESSED' : ''}`;
    return [r.what, format(r.figure, r.unit), target, base === undefined ? '-' : format(base, r.unit), vs, r.detail ?? ''];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n') + '\n';
}
