/**
 * `qjob verify` on the built-in model server: scenarios run per second (each planned on the model, run
 * over QMP against the model server, recorded and judged), in a child process as a user runs it.
 * No target; the baseline guards against regressions.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { BenchRow } from './table.ts';

const RUNS = 20;
const SEED = 1;

export default async function verifyBench(): Promise<BenchRow[]> {
  const qjob = fileURLToPath(new URL('../bin/qjob.js', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, [qjob, 'verify', '--runs', String(RUNS), '--seed', String(SEED), '--format', 'json'], {
    timeout: 120_000,
    maxBuffer: 64 * 1048576,
  });
  const report = JSON.parse(stdout) as { ok: boolean; runs: number; durationMs: number };
  if (!report.ok) throw new Error(`qjob verify --seed ${SEED} failed against the model server`);
  return [
    {
      id: 'verify.model.rate',
      what: 'verify on the model server',
      figure: report.runs / (report.durationMs / 1000),
      unit: 'runs/s',
      better: 'higher',
      timed: true,
      detail: `${report.runs} runs, seed ${SEED}, ${(report.durationMs / 1000).toFixed(1)} s`,
    },
  ];
}
