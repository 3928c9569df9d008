/**
 * Checker speed: a synthetic trace of at least 1,000,000 lines with 64 jobs alive at once, checked
 * by `checkTraceFile`, against reading and JSON-parsing the same file in the same run (the floor no
 * checker of this file can go under), the two taken in turn RUNS times. Figure: check time / read +
 * parse time, best of RUNS each, in CPU time (user + system) of this process: the machine is shared,
 * and wall-clock time also counts the time another process held the CPU, by as much as the checker's
 * own cost. The wall-clock ratio is in the detail. Target: at most 1.5x.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkTraceFile } from '../conformance/index.ts';
import { forEachLine } from '../traces/reader.ts';
import { SyntheticTrace } from './syntheticTrace.ts';
import { FLOOR_ROW, type BenchRow } from './table.ts';

const LINES = 1_000_000;
const JOBS = 64;
const RUNS = 4;
const TARGET = 1.5;

interface Sample {
  /** Wall-clock ms. */
  readonly wall: number;
  /** CPU ms of this process (every thread: the garbage collector's helpers too). */
  readonly cpu: number;
}

async function time(f: () => Promise<unknown>): Promise<Sample> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await f();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

function best(samples: readonly number[]): number {
  return Math.min(...samples);
}

export default async function checkerBench(): Promise<BenchRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'qjob-bench-'));
  const path = join(dir, 'synthetic.jsonl');
  try {
    const lines = await new SyntheticTrace(JOBS).write(path, LINES);
    const bytes = (await stat(path)).size;
    const parse: Sample[] = [];
    const check: Sample[] = [];
    let messages = 0;
    for (let i = 0; i < RUNS; i++) {
      parse.push(await time(() => forEachLine(path, (text) => JSON.parse(text))));
      check.push(
        await time(async () => {
          const result = await checkTraceFile(path);
          if (!result.ok) {
            const v = result.violations[0]!;
            throw new Error(`the synthetic trace should conform: ${v.file}:${v.line} [${v.rule}] ${v.message}`);
          }
          messages = result.messages;
        }),
      );
    }
    const p = best(parse.map((x) => x.wall));
    const c = best(check.map((x) => x.wall));
    const pCpu = best(parse.map((x) => x.cpu));
    const cCpu = best(check.map((x) => x.cpu));
    return [
      {
        id: FLOOR_ROW,
        what: 'read + JSON.parse, 1M-line trace (machine speed)',
        figure: p,
        unit: 'ms',
        better: 'lower',
        detail: 'the floor of the ratio below; also scales the timed baselines',
      },
      {
        id: 'checker.ratio',
        what: 'check / (read + JSON.parse), 1M-line trace, CPU time',
        figure: cCpu / pCpu,
        unit: 'x',
        better: 'lower',
        target: TARGET,
        detail: `${lines} lines, ${(bytes / 1048576).toFixed(0)} MiB, ${JOBS} jobs, ${messages} messages; CPU: parse ${pCpu.toFixed(0)} ms, check ${cCpu.toFixed(0)} ms; wall: parse ${p.toFixed(0)} ms, check ${c.toFixed(0)} ms (${(c / p).toFixed(2)}x); best of ${RUNS}`,
      },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
