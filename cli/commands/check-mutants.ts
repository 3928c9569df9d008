/**
 * `qjob check-mutants [paths...]`: mutation testing of the trace checker. Every recorded session the
 * paths name (default: the corpora and the test fixtures) is turned into broken copies, one impossible
 * change each (mutants/traces/), and each copy is checked; the checker must reject every one. Prints
 * killed/total per operator and every surviving copy (operator, file, line, the change). Exit 0 when
 * all are killed, 1 when any survives, 2 on bad input.
 */
import { Option, type Command } from 'commander';
import { DEFAULT_TRACE_MUTANT_SEED, runCheckMutants, TRACE_OPERATORS, type CheckMutantsReport } from '../../mutants/traces/index.ts';
import { TraceInputError } from '../../traces/reader.ts';
import type { CommandSpec } from '../command.ts';
import { UsageError } from '../errors.ts';
import { shardOf } from '../../traces/shard.ts';
import { startProgress } from '../progress.ts';
import { parseShardOption } from '../shard.ts';

/** What `qjob check-mutants` reads when given no path. */
export const DEFAULT_MUTANT_PATHS: readonly string[] = ['traces', 'test/fixtures/samples', 'test/fixtures/traces'];

interface Options {
  sample?: string;
  shard?: string;
  seed: string;
  operator?: string[];
  format: 'text' | 'json';
  list?: boolean;
}

function text(r: CheckMutantsReport): string {
  const out: string[] = [];
  const width = Math.max(...r.operators.map((o) => o.name.length));
  for (const o of r.operators) {
    const rules = Object.entries(o.rules)
      .sort((a, b) => b[1] - a[1])
      .map(([rule, n]) => `${rule} ${n}`)
      .join(', ');
    const mark = o.killed === o.checked ? 'ok      ' : 'SURVIVED';
    out.push(`${mark} ${o.name.padEnd(width)}  ${o.killed}/${o.checked} killed${o.checked < o.generated ? ` (of ${o.generated})` : ''}${rules ? `  [${rules}]` : ''}`);
  }
  if (r.survivors.length > 0) out.push('', 'surviving mutants (the checker accepts them):');
  for (const s of r.survivors) out.push(`${s.file}:${s.line}: ${s.operator}: ${s.change}`);
  if (r.skipped.length > 0) out.push('', 'sessions not mutated:');
  for (const s of r.skipped) out.push(`${s.file}: ${s.reason}`);
  out.push('', `${r.files} sessions, seed ${r.seed}${r.sample === undefined ? '' : `, at most ${r.sample} per operator`}, ${(r.durationMs / 1000).toFixed(1)} s`);
  out.push(`${r.killed}/${r.total} mutants killed`);
  return out.join('\n') + '\n';
}

export const checkMutantsCommand: CommandSpec = {
  name: 'check-mutants',
  summary: "mutation testing of the trace checker: broken copies of recorded sessions it must reject",
  description:
    'Makes broken copies of every recorded session (a status skipped, repeated or reversed; a refusal for an accepted verb and ' +
    "the reverse; a refusal's state, verb or class changed; a query answer contradicting the events; an event for a job that does not " +
    'exist or of the wrong type; a job id reused while the job lives; ...), one change no QEMU could make each, and checks each. ' +
    'Prints killed/total per operator and each copy the checker accepts. Exit 0: all rejected; 1: some accepted; 2: bad input.',
  configure(cmd: Command) {
    cmd
      .argument('[paths...]', `trace files or directories (default: ${DEFAULT_MUTANT_PATHS.join(' ')})`)
      .option('--sample <n>', 'check at most n mutants per operator, drawn with --seed')
      .option('--seed <n>', 'seed of the sample', String(DEFAULT_TRACE_MUTANT_SEED))
      .option('--operator <names...>', 'only these operators')
      .option('--shard <k/n>', 'run only operators k, k+n, k+2n, ... of the catalogue (after --operator): n jobs together run every operator once')
      .option('--list', 'list the operators and exit')
      .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'));
  },
  async run(cmd: Command, args: unknown[]) {
    const o = cmd.opts<Options>();
    if (o.list) {
      const width = Math.max(...TRACE_OPERATORS.map((op) => op.name.length));
      for (const op of TRACE_OPERATORS) process.stdout.write(`${op.name.padEnd(width)}  ${op.styles.join('+').padEnd(8)} ${op.changes}\n`);
      return 0;
    }
    const num = (v: string, name: string, min: number): number => {
      if (!/^\d+$/.test(v) || Number(v) < min) throw new UsageError(`${name}: expected a whole number of at least ${min}, got '${v}'`);
      return Number(v);
    };
    const seed = num(o.seed, '--seed', 0);
    const sample = o.sample === undefined ? undefined : num(o.sample, '--sample', 1);
    const unknown = (o.operator ?? []).filter((n) => !TRACE_OPERATORS.some((op) => op.name === n));
    if (unknown.length > 0) throw new UsageError(`--operator: no operator named ${unknown.join(', ')} (see qjob check-mutants --list)`);
    const shard = parseShardOption(o.shard);
    const chosen = TRACE_OPERATORS.map((op) => op.name).filter((n) => o.operator === undefined || o.operator.includes(n));
    const operators = shard === undefined ? o.operator : shardOf(chosen, shard);
    const given = (args[0] as string[] | undefined) ?? [];
    const progress = startProgress('qjob check-mutants');
    let report: CheckMutantsReport;
    try {
      report = await runCheckMutants({
        paths: given.length > 0 ? given : DEFAULT_MUTANT_PATHS,
        seed,
        ...(sample === undefined ? {} : { sample }),
        ...(operators ? { operators } : {}),
        ...(progress.live ? { onProgress: (done: number, total: number) => progress.count(done, total, 'mutants checked') } : {}),
      });
    } catch (err) {
      if (err instanceof TraceInputError) throw new UsageError(err.message);
      throw err;
    } finally {
      progress.done();
    }
    if (o.format === 'json') {
      process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      process.stderr.write(`${report.killed}/${report.total} mutants killed\n`);
    } else process.stdout.write(text(report));
    return report.killed === report.total ? 0 : 1;
  },
};
