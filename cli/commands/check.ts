/**
 * `qjob check [--release X.Y] [--strict] [--input-format wire|iotests|transcript] [--format text|json|junit]
 * [--jobs N] [--shard k/n] <file|dir>...`: decides whether each recorded QMP session is a behaviour of the
 * model (conformance/). Directories are searched recursively for *.jsonl, *.out, *.out.<variant> and
 * *.log (conformance/files.ts). `--jobs` checks on N threads (conformance/parallel.ts) with the same
 * report; `--shard` checks one part of the files (cli/shard.ts) and the JSON and JUnit reports record the
 * shard plan, for `qjob merge`. Exit 0: every trace conforms; 1: a trace violates the rules; 2: an input
 * is unusable (named with file:line on stderr).
 */
import { availableParallelism } from 'node:os';
import { Option, type Command } from 'commander';
import { checkFiles, formatJson, formatJunit, formatText, type CheckOptions, type CheckResult } from '../../conformance/index.ts';
import { checkFilesInParallel } from '../../conformance/parallel.ts';
import { INPUT_FORMATS, TraceInputError, type InputFormat } from '../../traces/reader.ts';
import { walkTraceFiles } from '../../traces/traceFiles.ts';
import type { CommandSpec } from '../command.ts';
import { UsageError } from '../errors.ts';
import { profileOption } from '../release.ts';
import { formatShard, parseShardOption, selectShard, shardKey, type Shard } from '../shard.ts';

interface Options {
  release?: string;
  strict?: boolean;
  format: 'text' | 'json' | 'junit';
  inputFormat?: InputFormat;
  jobs?: string;
  shard?: string;
}

/**
 * What one `qjob check` run was part of, as its JSON and JUnit reports record it: shard k of n of the
 * `files` the paths expand to, of which it checked `selected`, with the options that decide verdicts.
 * Reports of one plan agree on everything but k and selected; `qjob merge` puts them together.
 */
export interface CheckPlan {
  readonly k: number;
  readonly n: number;
  readonly files: number;
  readonly selected: number;
  /** The paths given, relative to the working directory, `/`-separated. */
  readonly paths: readonly string[];
  readonly strict: boolean;
  readonly release?: string;
  readonly inputFormat?: InputFormat;
}

type CliCheckOptions = Omit<CheckOptions, 'file'> & { readonly format?: InputFormat };

/**
 * Checks the paths for `qjob check` / `qjob coverage`: expands them, keeps the files of `run.shard`,
 * and checks those on `run.jobs` threads (1 without it, the only choice with a coverage collector).
 * Unusable traces are named on stderr and returned apart: the paths' own problems first, then the
 * files', in file order.
 */
export async function checkForCli(
  paths: readonly string[],
  options: CliCheckOptions,
  run: { readonly shard?: Shard; readonly jobs?: number } = {},
): Promise<{ results: CheckResult[]; errors: TraceInputError[]; plan: CheckPlan }> {
  if (options.release !== undefined) profileOption(options.release);
  const jobs = run.jobs ?? 1;
  if (jobs > 1 && options.coverage !== undefined) throw new Error('checkForCli: a coverage collector needs jobs 1');
  try {
    const walked = await walkTraceFiles(paths);
    const files = selectShard(walked.files, run.shard);
    const { coverage, ...threadOptions } = options;
    const found = jobs > 1 || coverage === undefined ? await checkFilesInParallel(files, threadOptions, { jobs }) : await checkFiles(files, options);
    const errors = [...walked.errors, ...found.errors];
    for (const e of errors) process.stderr.write(`qjob: ${e.message}\n`);
    if (run.shard !== undefined && files.length === 0) {
      process.stderr.write(`qjob: shard ${formatShard(run.shard)} of ${walked.files.length} files has no file to check\n`);
    }
    const plan: CheckPlan = {
      k: run.shard?.index ?? 1,
      n: run.shard?.count ?? 1,
      files: walked.files.length,
      selected: files.length,
      paths: paths.map((p) => shardKey(p) || '.'),
      strict: options.strict === true,
      ...(options.release === undefined ? {} : { release: options.release }),
      ...(options.format === undefined ? {} : { inputFormat: options.format }),
    };
    return { results: found.results, errors, plan };
  } catch (err) {
    if (err instanceof TraceInputError) throw new UsageError(err.message);
    throw err;
  }
}

/** Reads `--jobs`: a positive integer; without it, the number of cores. */
export function jobsOption(text: string | undefined): number {
  if (text === undefined) return availableParallelism();
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`--jobs: expected a positive integer, not '${text}'`);
  return Number(text);
}

function xmlAttr(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** The JSON report with the plan as `"shard"`. */
export function formatPlannedJson(results: readonly CheckResult[], errors: readonly TraceInputError[], plan: CheckPlan): string {
  return JSON.stringify({ ...(JSON.parse(formatJson(results, errors)) as object), shard: plan }, null, 2) + '\n';
}

/** The name of the property that holds the plan in a JUnit report's `<properties>`. */
export const JUNIT_PLAN_PROPERTY = 'qjob.shard-plan';

/** The JUnit report with the plan as a property of the testsuite (its value the plan's JSON). */
export function formatPlannedJunit(results: readonly CheckResult[], errors: readonly TraceInputError[], plan: CheckPlan): string {
  const lines = formatJunit(results, errors).split('\n');
  const suite = lines.findIndex((l) => l.startsWith('<testsuite '));
  if (suite < 0) throw new Error('formatJunit wrote no <testsuite> line');
  const properties = [
    '  <properties>',
    `    <property name="${JUNIT_PLAN_PROPERTY}" value="${xmlAttr(JSON.stringify(plan))}"/>`,
    '  </properties>',
  ];
  lines.splice(suite + 1, 0, ...properties);
  return lines.join('\n');
}

export const checkCommand: CommandSpec = {
  name: 'check',
  summary: 'check recorded QMP sessions against the model',
  description:
    'Reads each trace (JSON lines {"dir","t","msg"}, an iotests-style log: *.out, *.out.qcow2, *.log, or a pasted ' +
    'transcript: -> / <- lines, qmp-shell; the format is detected, --input-format overrides it) and decides whether it is a ' +
    'possible behaviour of the model for the release its greeting names: replies to job commands, status changes, ' +
    'BLOCK_JOB_* events, query answers and transactions. Violations name file:line, the job, the rule and what the ' +
    'model allowed. A trace ending with an unanswered command is accepted as a prefix, with a warning. ' +
    'Exit 0: all conform; 1: some trace violates a rule; 2: unusable input. ' +
    'For CI (docs/ci.md): --jobs checks on several threads with the same report, --shard k/n checks every n-th file ' +
    '(sorted by path) and qjob merge puts the JSON or JUnit reports of the shards together.',
  configure(cmd: Command) {
    cmd
      .argument('<paths...>', 'trace files, or directories searched recursively for *.jsonl, *.out, *.out.<variant>, *.log')
      .option('--release <X.Y>', "apply this release's rules instead of the one the greeting names")
      .option('--strict', "also compare error texts with QEMU's exactly")
      .addOption(
        new Option('--input-format <format>', 'read every input as this format instead of detecting it (docs/trace-format.md)').choices([...INPUT_FORMATS]),
      )
      .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'junit']).default('text'))
      .option('--jobs <n>', `threads that check files, this one included (default: the number of cores, ${availableParallelism()} here)`)
      .option('--shard <k/n>', 'check only files k, k+n, k+2n, ... of the files sorted by path: n runs together check each file once');
  },
  async run(cmd: Command, args: unknown[]) {
    const paths = (args[0] as string[] | undefined) ?? [];
    const opts = cmd.opts<Options>();
    const jobs = jobsOption(opts.jobs);
    const shard = parseShardOption(opts.shard);
    const { results, errors, plan } = await checkForCli(
      paths,
      {
        ...(opts.release === undefined ? {} : { release: opts.release }),
        ...(opts.inputFormat === undefined ? {} : { format: opts.inputFormat }),
        strict: opts.strict === true,
      },
      { jobs, ...(shard === undefined ? {} : { shard }) },
    );
    const head = shard === undefined ? '' : `shard ${formatShard(shard)}: ${plan.selected} of ${plan.files} files\n`;
    const out =
      opts.format === 'json' ? formatPlannedJson(results, errors, plan) : opts.format === 'junit' ? formatPlannedJunit(results, errors, plan) : head + formatText(results);
    process.stdout.write(out);
    if (errors.length > 0) return 2;
    return results.some((r) => !r.ok) ? 1 : 0;
  },
};
