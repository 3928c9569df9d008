/**
 * `qjob check [--release X.Y] [--strict] [--input-format wire|iotests|transcript|libvirt]
 * [--format text|json|junit|html] [--html-dir DIR] [--jobs N] [--shard k/n] <file|dir>...`: decides
 * whether each recorded QMP session is a behaviour of the model (conformance/). Directories are searched
 * recursively for *.jsonl, *.out, *.out.<variant> and *.log (conformance/files.ts). `--jobs` checks on N
 * threads (conformance/parallel.ts) with the same report; `--shard` checks one part of the files
 * (cli/shard.ts) and the JSON and JUnit reports record the shard plan, for `qjob merge`. `--format html`
 * writes the HTML page of the one session checked to stdout; `--html-dir DIR` writes a page per session
 * and an index.html into DIR, and the other formats then name each session's page (docs/report.md).
 * Exit 0: every trace conforms; 1: a trace violates the rules; 2: an input is unusable (named with
 * file:line on stderr).
 */
import { availableParallelism } from 'node:os';
import { Option, type Command } from 'commander';
import path from 'node:path';
import { checkFiles, formatJson, formatJunit, formatText, type CheckOptions, type CheckResult } from '../../conformance/index.ts';
import { checkSessionFiles, type CheckedSession } from '../../conformance/checkedSession.ts';
import { indexHtml, sessionHtml, type IndexEntry } from '../../conformance/htmlReport.ts';
import { checkFilesInParallel } from '../../conformance/parallel.ts';
import { escapeMarkup, type ReportPages } from '../../conformance/report.ts';
import { INPUT_FORMATS, TraceInputError, type InputFormat } from '../../traces/reader.ts';
import { walkTraceFiles } from '../../traces/traceFiles.ts';
import type { CommandSpec } from '../command.ts';
import { UsageError } from '../errors.ts';
import { startProgress, type Progress } from '../progress.ts';
import { profileOption } from '../release.ts';
import { pageFileName, pageFolder } from '../reportPages.ts';
import { formatShard, parseShardOption, selectShard, shardKey, type Shard } from '../shard.ts';

interface Options {
  release?: string;
  strict?: boolean;
  format: 'text' | 'json' | 'junit' | 'html';
  htmlDir?: string;
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
 * Checks files one after another in this thread, as checkFilesInParallel does: the only way with a
 * coverage collector, or when `sessions` keeps every session for a report (one at a time).
 */
async function checkFilesHere(
  files: readonly string[],
  options: CliCheckOptions,
  progress: Progress,
  sessions?: (session: CheckedSession) => void,
): Promise<{ results: CheckResult[]; errors: TraceInputError[] }> {
  const results: CheckResult[] = [];
  const errors: TraceInputError[] = [];
  for (const [i, file] of files.entries()) {
    const found = sessions === undefined ? await checkFiles([file], options) : await checkSessionFiles([file], options, sessions);
    results.push(...found.results);
    errors.push(...found.errors);
    progress.count(i + 1, files.length, 'files');
  }
  return { results, errors };
}

/**
 * Checks the paths for `qjob check` / `qjob coverage`: expands them, keeps the files of `run.shard`,
 * and checks those on `run.jobs` threads (1 without it, the only choice with a coverage collector).
 * Unusable traces are named on stderr and returned apart: the paths' own problems first, then the
 * files', in file order. A terminal shows a progress line labelled `run.label` (default `qjob check`).
 * `run.sessions` gets every session kept whole, in order, for a report (in this thread, one at a time).
 */
export async function checkForCli(
  paths: readonly string[],
  options: CliCheckOptions,
  run: { readonly shard?: Shard; readonly jobs?: number; readonly label?: string; readonly sessions?: (session: CheckedSession) => void } = {},
): Promise<{ results: CheckResult[]; errors: TraceInputError[]; plan: CheckPlan }> {
  if (options.release !== undefined) profileOption(options.release);
  const jobs = run.jobs ?? 1;
  if (jobs > 1 && (options.coverage !== undefined || run.sessions !== undefined)) throw new Error('checkForCli: a coverage collector or kept sessions need jobs 1');
  const progress = startProgress(run.label ?? 'qjob check');
  try {
    const walked = await walkTraceFiles(paths);
    const files = selectShard(walked.files, run.shard);
    const { coverage, ...threadOptions } = options;
    const found =
      run.sessions === undefined && (jobs > 1 || coverage === undefined)
        ? await checkFilesInParallel(files, threadOptions, { jobs, onFile: (done, total) => progress.count(done, total, 'files') })
        : await checkFilesHere(files, options, progress, run.sessions);
    progress.done();
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
  } finally {
    progress.done();
  }
}

/** The pages of `qjob check --html-dir`: one per session, written as each is checked, then the index. */
function sessionPages(dir: string): { readonly keep: (session: CheckedSession) => void; readonly where: Map<string, string>; finish(errors: readonly TraceInputError[]): void } {
  const folder = pageFolder(dir);
  const used = new Set<string>(['index.html']);
  const where = new Map<string, string>();
  const entries: IndexEntry[] = [];
  return {
    where,
    keep(s: CheckedSession): void {
      const r = s.result;
      const name = pageFileName(r.file, used);
      folder.write(name, sessionHtml(s, { index: 'index.html' }));
      where.set(r.file, path.join(dir, name));
      entries.push({ name: r.file, page: name, ok: r.ok, release: r.release, messages: r.messages, violations: r.violations.length + r.moreViolations, ...(r.violations[0] === undefined ? {} : { first: r.violations[0] }) });
    },
    finish(errors: readonly TraceInputError[]): void {
      folder.write('index.html', indexHtml('qjob check', entries, errors.map((e) => `unusable: ${e.message}`)));
    },
  };
}

/** Reads `--jobs`: a positive integer; without it, the number of cores. */
export function jobsOption(text: string | undefined): number {
  if (text === undefined) return availableParallelism();
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`--jobs: expected a positive integer, not '${text}'`);
  return Number(text);
}

/** The JSON report with the plan as `"shard"`. */
export function formatPlannedJson(results: readonly CheckResult[], errors: readonly TraceInputError[], plan: CheckPlan, pages?: ReportPages): string {
  return JSON.stringify({ ...(JSON.parse(formatJson(results, errors, pages)) as object), shard: plan }, null, 2) + '\n';
}

/** The name of the property that holds the plan in a JUnit report's `<properties>`. */
export const JUNIT_PLAN_PROPERTY = 'qjob.shard-plan';

/** The JUnit report with the plan as a property of the testsuite (its value the plan's JSON). */
export function formatPlannedJunit(results: readonly CheckResult[], errors: readonly TraceInputError[], plan: CheckPlan, pages?: ReportPages): string {
  const lines = formatJunit(results, errors, pages).split('\n');
  const suite = lines.findIndex((l) => l.startsWith('<testsuite '));
  if (suite < 0) throw new Error('formatJunit wrote no <testsuite> line');
  const properties = [
    '  <properties>',
    `    <property name="${JUNIT_PLAN_PROPERTY}" value="${escapeMarkup(JSON.stringify(plan))}"/>`,
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
    '(sorted by path) and qjob merge puts the JSON or JUnit reports of the shards together. ' +
    'HTML (docs/report.md): --format html writes the page of the one session checked (a timeline with a lane per job, ' +
    'the first violation explained); --html-dir DIR writes a page per session and an index, and the report names each page.',
  configure(cmd: Command) {
    cmd
      .argument('<paths...>', 'trace files, or directories searched recursively for *.jsonl, *.out, *.out.<variant>, *.log')
      .option('--release <X.Y>', "apply this release's rules instead of the one the greeting names")
      .option('--strict', "also compare error texts with QEMU's exactly")
      .addOption(
        new Option('--input-format <format>', 'read every input as this format instead of detecting it (docs/trace-format.md)').choices([...INPUT_FORMATS]),
      )
      .addOption(new Option('--format <format>', 'output format; html: the page of the one session checked (docs/report.md)').choices(['text', 'json', 'junit', 'html']).default('text'))
      .option('--html-dir <dir>', 'also write an HTML page per session and an index.html into this folder; the report names each page')
      .option('--jobs <n>', `threads that check files, this one included (default: the number of cores, ${availableParallelism()} here)`)
      .option('--shard <k/n>', 'check only files k, k+n, k+2n, ... of the files sorted by path: n runs together check each file once');
  },
  async run(cmd: Command, args: unknown[]) {
    const paths = (args[0] as string[] | undefined) ?? [];
    const opts = cmd.opts<Options>();
    const jobs = jobsOption(opts.jobs);
    const shard = parseShardOption(opts.shard);
    const options: CliCheckOptions = {
      ...(opts.release === undefined ? {} : { release: opts.release }),
      ...(opts.inputFormat === undefined ? {} : { format: opts.inputFormat }),
      strict: opts.strict === true,
    };
    // Pages are made in the same pass as the verdicts, from sessions kept whole one at a time (on this thread).
    const pageDir = opts.htmlDir === undefined ? undefined : sessionPages(opts.htmlDir);
    let onePage: CheckedSession | undefined;
    const sessions = pageDir?.keep ?? (opts.format === 'html' ? (s: CheckedSession) => void (onePage ??= s) : undefined);
    const { results, errors, plan } = await checkForCli(paths, options, sessions === undefined ? { jobs, ...(shard === undefined ? {} : { shard }) } : { sessions, ...(shard === undefined ? {} : { shard }) });
    if (opts.format === 'html' && pageDir === undefined && results.length > 1) {
      throw new UsageError(`--format html: ${results.length} sessions, and stdout takes one page: give --html-dir DIR for a page per session and an index`);
    }
    pageDir?.finish(errors);
    const pages: ReportPages | undefined = pageDir?.where;
    if (pageDir === undefined && onePage !== undefined) process.stdout.write(sessionHtml(onePage));
    const head = shard === undefined ? '' : `shard ${formatShard(shard)}: ${plan.selected} of ${plan.files} files\n`;
    if (opts.format === 'json') process.stdout.write(formatPlannedJson(results, errors, plan, pages));
    else if (opts.format === 'junit') process.stdout.write(formatPlannedJunit(results, errors, plan, pages));
    else if (opts.format === 'text' || opts.htmlDir !== undefined) {
      process.stdout.write(head + formatText(results, pages));
      if (opts.htmlDir !== undefined) process.stdout.write(`html: ${path.join(opts.htmlDir, 'index.html')}\n`);
    }
    if (errors.length > 0) return 2;
    return results.some((r) => !r.ok) ? 1 : 0;
  },
};
