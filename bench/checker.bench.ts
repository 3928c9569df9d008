/**
 * Checker speed: a synthetic trace of at least 1,000,000 lines with 64 jobs alive at once, checked
 * by `checkTraceFile`, against reading and JSON-parsing the same file in the same run. Target: the
 * check takes at most twice as long as read + parse.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkTraceFile } from '../conformance/index.ts';
import { forEachLine } from '../traces/reader.ts';
import { SyntheticTrace } from './syntheticTrace.ts';

const LINES = 1_000_000;
const JOBS = 64;
const RUNS = 5;
const TARGET = 2;

async function time(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

function best(samples: readonly number[]): number {
  return Math.min(...samples);
}

export default async function checkerBench(): Promise<boolean> {
  const dir = await mkdtemp(join(tmpdir(), 'qjob-bench-'));
  const path = join(dir, 'synthetic.jsonl');
  try {
    const lines = await new SyntheticTrace(JOBS).write(path, LINES);
    const bytes = (await stat(path)).size;
    process.stdout.write(`checker: synthetic trace of ${lines} lines (${(bytes / 1048576).toFixed(1)} MiB), ${JOBS} jobs alive at once\n`);
    const parse: number[] = [];
    const check: number[] = [];
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
    const p = best(parse);
    const c = best(check);
    const ratio = c / p;
    const heap = process.memoryUsage().heapUsed / 1048576;
    process.stdout.write(`checker: read + JSON.parse ${p.toFixed(0)} ms; check ${c.toFixed(0)} ms (${messages} messages, ${(messages / (c / 1000) / 1e6).toFixed(2)} M msg/s); best of ${RUNS}\n`);
    process.stdout.write(`checker: ratio ${ratio.toFixed(2)}x (target <= ${TARGET}x): ${ratio <= TARGET ? 'MET' : 'NOT MET'}; heap after ${heap.toFixed(0)} MiB\n`);
    return ratio <= TARGET;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
