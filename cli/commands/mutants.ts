/**
 * `qjob mutants`: runs the conformance suite against every faulty variant of the reference server
 * (mutants/) and reports which it caught. The last line reads `<K>/<N> mutants killed`. Exit 0 when
 * every mutant was killed and the suite passed the reference server, else 1.
 */
import type { Command } from 'commander';
import { DEFAULT_MUTANT_RUNS, DEFAULT_MUTANT_SEED, MUTANTS, runMutants, type MutantsReport } from '../../mutants/index.ts';
import type { CommandSpec } from '../command.ts';
import { UsageError } from '../errors.ts';
import { shardOf } from '../../traces/shard.ts';
import { startProgress } from '../progress.ts';
import { parseShardOption } from '../shard.ts';

interface MutantsCliOptions {
  json?: boolean;
  runs: string;
  seed: string;
  only?: string[];
  jobs: string;
  list?: boolean;
  shard?: string;
}

function text(r: MutantsReport): string {
  const out: string[] = [];
  for (const b of r.baseline) {
    out.push(`${b.ok ? 'ok  ' : 'FAIL'} reference server, QEMU ${b.release}: ${b.runs} runs, ${b.cells} cells, ${b.edges} edges${b.problem ? `: ${b.problem}` : ''}`);
  }
  const width = Math.max(...r.results.map((m) => m.id.length));
  for (const m of r.results) {
    const how = m.killed ? `killed after ${m.runs} run${m.runs === 1 ? '' : 's'}: ${m.evidence ?? ''}` : `SURVIVED ${m.runs} runs`;
    out.push(`${m.killed ? 'killed  ' : 'SURVIVED'} ${m.id.padEnd(width)}  ${how}`);
  }
  out.push(`seed ${r.seed}, up to ${r.runs} runs per mutant, ${(r.durationMs / 1000).toFixed(1)} s`);
  out.push(`${r.killed}/${r.total} mutants killed`);
  return out.join('\n') + '\n';
}

export const mutantsCommand: CommandSpec = {
  name: 'mutants',
  summary: 'run the conformance suite against faulty variants of the reference server and count those it catches',
  description:
    `Each of the ${MUTANTS.length} mutants is the model server with one plausible bug (a table cell flipped, an error class or text ` +
    'changed, null visible in query-jobs, progress going backwards, a grouped transaction that does not abort, ...). The suite ' +
    '(qjob verify, fixed seed, stopping at the first failure) runs against each; it must also pass the unmodified server. ' +
    'The last line reads "<K>/<N> mutants killed". Exit 0 when all are killed.',
  configure(cmd: Command) {
    cmd
      .option('--json', 'print the report as JSON')
      .option('--runs <n>', 'most runs per mutant', String(DEFAULT_MUTANT_RUNS))
      .option('--seed <n>', 'fast-check seed', String(DEFAULT_MUTANT_SEED))
      .option('--only <ids...>', 'run only these mutants')
      .option('--shard <k/n>', 'run only mutants k, k+n, k+2n, ... of the catalogue (after --only): n jobs together run every mutant once')
      .option('--jobs <n>', 'mutants run side by side', '4')
      .option('--list', 'list the mutants and exit');
  },
  async run(cmd: Command) {
    const o = cmd.opts<MutantsCliOptions>();
    if (o.list) {
      const width = Math.max(...MUTANTS.map((m) => m.id.length));
      for (const m of MUTANTS) process.stdout.write(`${m.id.padEnd(width)}  ${m.family.padEnd(11)} ${m.release ? `[${m.release}] ` : ''}${m.description}\n`);
      return 0;
    }
    const num = (v: string, name: string, min: number): number => {
      if (!/^\d+$/.test(v) || Number(v) < min) throw new UsageError(`${name}: expected a whole number of at least ${min}, got '${v}'`);
      return Number(v);
    };
    const runs = num(o.runs, '--runs', 1);
    const seed = num(o.seed, '--seed', 0);
    const jobs = num(o.jobs, '--jobs', 1);
    const unknown = (o.only ?? []).filter((id) => !MUTANTS.some((m) => m.id === id));
    if (unknown.length > 0) throw new UsageError(`--only: no mutant named ${unknown.join(', ')} (see qjob mutants --list)`);
    const shard = parseShardOption(o.shard);
    const chosen = MUTANTS.map((m) => m.id).filter((id) => o.only === undefined || o.only.includes(id));
    const only = shard === undefined ? o.only : shardOf(chosen, shard);
    if (only !== undefined && only.length === 0) {
      process.stderr.write(`qjob mutants: shard ${o.shard} has no mutant of the ${chosen.length} chosen\n`);
      return 0;
    }
    const progress = startProgress('qjob mutants');
    let report: MutantsReport;
    try {
      report = await runMutants({
        runs,
        seed,
        concurrency: jobs,
        ...(only ? { only } : {}),
        ...(progress.live ? { onResult: (r, done, total) => progress.count(done, total, 'mutants', `${r.id}: ${r.killed ? 'killed' : 'survived'}`) } : {}),
      });
    } finally {
      progress.done();
    }
    if (o.json) {
      // stdout stays one JSON document; the summary line goes to stderr.
      process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      process.stderr.write(`${report.killed}/${report.total} mutants killed\n`);
    } else process.stdout.write(text(report));
    return report.killed === report.total && report.baseline.every((b) => b.ok) ? 0 : 1;
  },
};
