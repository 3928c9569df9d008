/**
 * `npm run bench`: runs every bench/*.bench.ts (its default export returns table rows), then prints one
 * table of every figure against its target and against bench/baseline.json.
 *
 * A missed target is reported in the table (MISSED, with the figure) and does not fail the run: targets
 * are goals, some not reached yet. The run fails (exit 1) only when a figure is more than
 * REGRESSION_FACTOR (2) times worse than its baseline, or a benchmark throws (e.g. the engines disagree).
 * Timed rates (states/s, runs/s) are compared with their baseline scaled by the machine's speed now
 * against the baseline run's, measured by the checker's read + JSON.parse floor: the machine is shared.
 * `npm run bench -- --write-baseline` stores this run's figures as the new baseline.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { expected, machineSpeed, REGRESSION_FACTOR, regressed, renderTable, type BenchRow } from './table.ts';

const dir = fileURLToPath(new URL('.', import.meta.url));
const baselinePath = join(dir, 'baseline.json');
const writeBaseline = process.argv.includes('--write-baseline');

async function readBaseline(): Promise<Record<string, number>> {
  try {
    const data = JSON.parse(await readFile(baselinePath, 'utf8')) as { figures?: Record<string, number> };
    return data.figures ?? {};
  } catch {
    return {};
  }
}

const files = (await readdir(dir)).filter((f) => f.endsWith('.bench.ts')).sort();
const rows: BenchRow[] = [];
let broken = 0;
for (const file of files) {
  process.stderr.write(`running ${file}\n`);
  try {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as { default?: () => Promise<BenchRow[]> | BenchRow[] };
    if (typeof mod.default !== 'function') throw new Error('no default export');
    rows.push(...(await mod.default()));
  } catch (err) {
    broken++;
    process.stdout.write(`${file}: FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
  }
}
const baseline = await readBaseline();
process.stdout.write(renderTable(rows, baseline));
const missed = rows.filter((r) => r.target !== undefined && !(r.better === 'higher' ? r.figure >= r.target : r.figure <= r.target));
const speed = machineSpeed(rows, baseline);
const regressions = rows.filter((r) => regressed(r, expected(r, baseline[r.id], speed)));
process.stdout.write(
  `${rows.length} figures from ${files.length} benchmarks; ${missed.length} target${missed.length === 1 ? '' : 's'} missed; ` +
    `${regressions.length} regression${regressions.length === 1 ? '' : 's'} beyond ${REGRESSION_FACTOR}x of the baseline ` +
    `(machine speed ${speed.toFixed(2)} of the baseline run's, by the read + parse floor; timed rates are compared with baseline x speed)${broken > 0 ? `; ${broken} benchmark${broken === 1 ? '' : 's'} failed` : ''}\n`,
);
if (writeBaseline) {
  const figures = Object.fromEntries(rows.map((r) => [r.id, Number(r.figure.toPrecision(4))]));
  await writeFile(baselinePath, JSON.stringify({ written: new Date().toISOString().slice(0, 10), figures }, null, 2) + '\n');
  process.stdout.write(`baseline written to bench/baseline.json\n`);
}
process.exitCode = regressions.length > 0 || broken > 0 ? 1 : 0;
