/**
 * Records the extra scenarios (this folder) several times against one qemu-storage-daemon, with the
 * corpus driver (traces/corpus.ts recordScenario), into `<out>/qemu-<release>/<name>.r<k>.jsonl`.
 * Unlike record-corpus it keeps every run (races differ run to run) and keeps sessions that did not go
 * as scripted (a race may make a wait time out); those are listed at the end.
 *
 *   node bin/run.js traces/scenarios/extra/record.ts --qemu 7.2 --runs 3 [--out scratch/extra-traces] [name ...]
 */
import fs from 'node:fs';
import path from 'node:path';
import { findQemuRelease, isQemuReleaseName, qemuTarget } from '../../../targets/index.ts';
import { expectsHang, probeRelease, recordScenario, scenarioApplies } from '../../corpus.ts';
import { extraScenarios } from './index.ts';

/** Scenarios whose commands may take long (quit waits for a slow create job to end). */
const SLOW_REPLIES: ReadonlySet<string> = new Set(['xquit_with_running_create']);

interface Args {
  qemu: string;
  runs: number;
  out: string;
  concurrency: number;
  only: string[];
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { qemu: '7.2', runs: 3, out: 'scratch/extra-traces', concurrency: 2, only: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--qemu') args.qemu = value();
    else if (a === '--runs') args.runs = Number(value());
    else if (a === '--out') args.out = value();
    else if (a === '--concurrency') args.concurrency = Number(value());
    else args.only.push(a);
  }
  return args;
}

// A pipelined command still unanswered when QEMU dies rejects after the driver has returned.
process.on('unhandledRejection', (reason) => {
  process.stdout.write(`(late) ${(reason as Error).message}\n`);
});

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  let binary = args.qemu;
  if (isQemuReleaseName(binary)) {
    const found = findQemuRelease(binary);
    if ('missing' in found) throw new Error(found.missing);
    binary = found.path;
  }
  const target = qemuTarget({ binary, graceMs: 1000 });
  const { release } = await probeRelease(target);
  const dir = path.join(args.out, `qemu-${release}`);
  fs.mkdirSync(dir, { recursive: true });
  for (const name of args.only) if (!extraScenarios.some((s) => s.name === name)) throw new Error(`no extra scenario '${name}'`);
  const chosen = extraScenarios.filter((s) => (args.only.length === 0 || args.only.includes(s.name)) && scenarioApplies(s, release));
  const jobs = chosen.flatMap((s) => Array.from({ length: args.runs }, (_, k) => ({ s, k: k + 1 })));
  const problems: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const job = jobs[next++];
      if (job === undefined) return;
      const file = path.join(dir, `${job.s.name}.r${job.k}.jsonl`);
      try {
        const rec = await recordScenario(target, job.s, { out: file, replyTimeoutMs: SLOW_REPLIES.has(job.s.name) ? 8000 : 4000, recorder: 'qjob extra-scenarios' });
        const hang = expectsHang(job.s, release);
        const r = rec.result;
        const bad = hang ? r.outcome !== 'hung' : r.outcome !== 'done';
        const what = r.outcome === 'done' ? 'done' : `${r.outcome} at step ${r.step + 1}: ${r.detail}`;
        process.stdout.write(`${bad ? 'ODD ' : 'ok  '} ${file} (${what})\n`);
        if (bad) problems.push(`${file}: ${what}`);
      } catch (error) {
        problems.push(`${file}: ${(error as Error).message}`);
        process.stdout.write(`FAIL ${file}: ${(error as Error).message}\n`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, args.concurrency) }, () => worker()));
  process.stdout.write(`${jobs.length} sessions recorded from QEMU ${release} into ${dir}; ${problems.length} not as scripted\n`);
  for (const p of problems) process.stdout.write(`  ${p}\n`);
}

await main();
