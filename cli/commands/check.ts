/**
 * `qjob check [--release X.Y] [--strict] [--format text|json|junit] <file|dir>...`: decides whether
 * each recorded QMP session is a behaviour of the model (conformance/). Directories are searched
 * recursively for *.jsonl, *.out and *.log. Exit 0: every trace conforms; 1: a trace violates the
 * rules; 2: an input is unusable (named with file:line on stderr).
 */
import { Option, type Command } from 'commander';
import { checkFiles, formatJson, formatJunit, formatText, type CheckOptions, type CheckResult } from '../../conformance/index.ts';
import { TraceInputError } from '../../traces/reader.ts';
import type { CommandSpec } from '../command.ts';
import { UsageError } from '../errors.ts';
import { profileOption } from '../release.ts';

interface Options {
  release?: string;
  strict?: boolean;
  format: 'text' | 'json' | 'junit';
}

/** Checks the paths for `qjob check` / `qjob coverage`: unusable traces are named on stderr and returned apart. */
export async function checkForCli(paths: readonly string[], options: Omit<CheckOptions, 'file'>): Promise<{ results: CheckResult[]; errors: TraceInputError[] }> {
  if (options.release !== undefined) profileOption(options.release);
  try {
    const found = await checkFiles(paths, options);
    for (const e of found.errors) process.stderr.write(`qjob: ${e.message}\n`);
    return found;
  } catch (err) {
    if (err instanceof TraceInputError) throw new UsageError(err.message);
    throw err;
  }
}

export const checkCommand: CommandSpec = {
  name: 'check',
  summary: 'check recorded QMP sessions against the model',
  description:
    'Reads each trace (JSON lines {"dir","t","msg"}, or an iotests-style log: *.out, *.log) and decides whether it is a ' +
    'possible behaviour of the model for the release its greeting names: replies to job commands, status changes, ' +
    'BLOCK_JOB_* events, query answers and transactions. Violations name file:line, the job, the rule and what the ' +
    'model allowed. A trace ending with an unanswered command is accepted as a prefix, with a warning. ' +
    'Exit 0: all conform; 1: some trace violates a rule; 2: unusable input.',
  configure(cmd: Command) {
    cmd
      .argument('<paths...>', 'trace files, or directories searched recursively for *.jsonl, *.out, *.log')
      .option('--release <X.Y>', "apply this release's rules instead of the one the greeting names")
      .option('--strict', "also compare error texts with QEMU's exactly")
      .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'junit']).default('text'));
  },
  async run(cmd: Command, args: unknown[]) {
    const paths = (args[0] as string[] | undefined) ?? [];
    const opts = cmd.opts<Options>();
    const { results, errors } = await checkForCli(paths, {
      ...(opts.release === undefined ? {} : { release: opts.release }),
      strict: opts.strict === true,
    });
    const out = opts.format === 'json' ? formatJson(results, errors) : opts.format === 'junit' ? formatJunit(results, errors) : formatText(results);
    process.stdout.write(out);
    if (errors.length > 0) return 2;
    return results.some((r) => !r.ok) ? 1 : 0;
  },
};
