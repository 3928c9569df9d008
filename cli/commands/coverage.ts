/**
 * `qjob coverage [--release X.Y] [--json] [--shard k/n] <file|dir>...`: which JobSTT edges and which
 * (status, verb) cells of the verb table the traces exercise, as a table or as JSON; `--shard` takes the
 * files of one shard, as `qjob check --shard` does (cli/shard.ts). Exit 0, or 2 on unusable input.
 */
import type { Command } from 'commander';
import { Coverage, formatCoverage } from '../../conformance/index.ts';
import type { CommandSpec } from '../command.ts';
import { formatShard, parseShardOption } from '../shard.ts';
import { checkForCli } from './check.ts';

interface Options {
  release?: string;
  json?: boolean;
  shard?: string;
}

export const coverageCommand: CommandSpec = {
  name: 'coverage',
  summary: 'show which status transitions and (status, verb) cells traces exercise',
  description:
    'Checks the traces as qjob check does and counts every JOB_STATUS_CHANGE transition (against JobSTT) and every ' +
    'verb command in the status the job was in when it ran (accepted/refused). A command whose window leaves the ' +
    'status open counts once, in the earliest status that agrees with its reply. Traces that violate the rules still count.',
  configure(cmd: Command) {
    cmd
      .argument('<paths...>', 'trace files, or directories searched recursively for *.jsonl, *.out, *.log')
      .option('--release <X.Y>', "apply this release's rules instead of the one the greeting names")
      .option('--json', 'print JSON')
      .option('--shard <k/n>', 'count only files k, k+n, k+2n, ... of the files sorted by path, as qjob check --shard');
  },
  async run(cmd: Command, args: unknown[]) {
    const paths = (args[0] as string[] | undefined) ?? [];
    const opts = cmd.opts<Options>();
    const shard = parseShardOption(opts.shard);
    const coverage = new Coverage();
    const { results, errors, plan } = await checkForCli(
      paths,
      { ...(opts.release === undefined ? {} : { release: opts.release }), coverage },
      { label: 'qjob coverage', ...(shard === undefined ? {} : { shard }) },
    );
    const json = coverage.toJSON();
    if (opts.json === true) {
      const of = shard === undefined ? {} : { shard: { k: plan.k, n: plan.n, files: plan.files, selected: plan.selected } };
      process.stdout.write(JSON.stringify({ ...json, failed: results.filter((r) => !r.ok).map((r) => r.file), ...of }, null, 2) + '\n');
    } else {
      if (shard !== undefined) process.stdout.write(`shard ${formatShard(shard)}: ${plan.selected} of ${plan.files} files\n`);
      process.stdout.write(formatCoverage(json));
      const failed = results.filter((r) => !r.ok).length;
      if (failed > 0) process.stdout.write(`(${failed} of these traces violate the rules: see qjob check)\n`);
    }
    return errors.length > 0 ? 2 : 0;
  },
};
