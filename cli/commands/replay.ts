/**
 * `qjob replay <trace|dir>... --target <target>`: replays recorded sessions against a target
 * (traces/replay.ts), checks each new session with the conformance checker and compares it with the
 * recording. A folder stands for its *.jsonl files; `--shard k/n` replays every n-th file of the sorted
 * list. Exit 0 when all pass, 1 on a divergence or a violation (the first divergence is shown with both
 * sides), 2 when a trace cannot be used (unreadable, or its set-up or commands are refused) or the target
 * cannot start.
 */
import type { Command } from 'commander';
import { formatViolation } from '../../conformance/index.ts';
import { parseTarget, SetupError, TargetSpecError, TargetStartError } from '../../targets/index.ts';
import type { Divergence, SideRef } from '../../traces/compare.ts';
import { TraceInputError } from '../../traces/reader.ts';
import { loadTrace, replayTrace, ReplayInputError, type ReplayResult } from '../../traces/replay.ts';
import { formatShard, shardOf } from '../../traces/shard.ts';
import { parseShardOption } from '../shard.ts';
import { walkTraceFiles } from '../../traces/traceFiles.ts';
import type { CommandSpec } from '../command.ts';
import { UsageError } from '../errors.ts';
import { startProgress } from '../progress.ts';

function refused(error: unknown): error is Error {
  return error instanceof TraceInputError || error instanceof ReplayInputError || error instanceof SetupError || error instanceof TargetStartError;
}

interface Options {
  target: string;
  strict?: boolean;
  out?: string;
  waitTimeout: string;
  all?: boolean;
  shard?: string;
  concurrency: string;
}

/** The trace files the arguments name (a folder gives its trace files, traces/traceFiles.ts), sorted by path, each once. */
export async function traceFilesOf(args: readonly string[]): Promise<string[]> {
  const { files, errors } = await walkTraceFiles(args);
  if (errors[0] !== undefined) throw new UsageError(errors[0].message);
  return [...new Set(files)].sort();
}

function shown(msg: unknown, max = 240): string {
  const text = JSON.stringify(msg);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function side(label: string, where: string, ref: SideRef | undefined): string {
  if (ref === undefined) return `    ${label.padEnd(9)} (nothing)`;
  return `    ${label.padEnd(9)} ${where}:${ref.lineNo}  ${shown(ref.msg)}`;
}

export function formatDivergence(d: Divergence, recordedFile: string, replayFile: string): string {
  return [`  ${d.subject}: ${d.message}`, side('recording', recordedFile, d.recorded), side('replay', replayFile, d.replayed)].join('\n');
}

export function formatReplay(r: ReplayResult, options: { all?: boolean; out?: string } = {}): string {
  const replayFile = options.out ?? 'replay';
  const against = `${r.target}${r.version === undefined ? '' : ` (QEMU ${r.version})`}`;
  const out: string[] = [];
  out.push(`${r.ok ? 'ok  ' : 'FAIL'} ${r.file} replayed against ${against}: ${r.commands} commands, ${r.lines.length} messages`);
  if (r.version !== undefined && r.recordedVersion !== undefined && r.version.split('.').slice(0, 2).join('.') !== r.recordedVersion.split('.').slice(0, 2).join('.')) {
    out.push(`  note: recorded from QEMU ${r.recordedVersion}, replayed against ${r.version}: release differences show as divergences`);
  }
  if (r.divergences.length === 0) out.push('  compare: same replies and job histories as the recording');
  else {
    out.push(`  compare: ${r.divergences.length} divergence${r.divergences.length === 1 ? '' : 's'}; ${options.all === true ? 'all' : 'the first'}:`);
    for (const d of options.all === true ? r.divergences : r.divergences.slice(0, 1)) out.push(formatDivergence(d, r.file, replayFile));
  }
  for (const w of r.waits) out.push(`  wait: ${w}`);
  if (r.check.ok) out.push(`  check: the replayed session conforms (QEMU ${r.check.release} rules)${r.check.warnings.length > 0 ? `, ${r.check.warnings.length} warning(s)` : ''}`);
  else {
    out.push(`  check: ${r.check.violations.length + r.check.moreViolations} violation(s) in the replayed session:`);
    for (const v of r.check.violations.slice(0, options.all === true ? undefined : 3)) out.push(`    ${formatViolation(v).replaceAll('\n', '\n  ')}`);
  }
  return out.join('\n') + '\n';
}

export const replayCommand: CommandSpec = {
  name: 'replay',
  summary: 'replay a recorded trace against a target and compare the sessions',
  description:
    "Sets the target up from the trace's meta line (only qemu-img create and block nodes, inside the target's " +
    'private folder), sends the recorded commands in order, waiting where the recording had seen events, records ' +
    'the new session, checks it with the conformance checker and compares it with the recording: the same replies ' +
    '(error class; text with --strict) and the same status and BLOCK_JOB_* history per job, modulo timestamps, ' +
    'progress numbers, drain blips and the interleaving of different jobs. Exit 0 / 1 / 2 as for check.',
  configure(cmd: Command) {
    cmd
      .argument('<trace...>', 'recorded traces (*.jsonl), or folders of them')
      .requiredOption('--target <target>', 'qemu, qemu:PATH, qemu:7.2, qemu:10.0, qmp:unix:PATH or qmp:tcp:HOST:PORT')
      .option('--strict', 'also compare error texts')
      .option('--out <file>', 'write the replayed session to this trace file')
      .option('--wait-timeout <ms>', 'limit for each wait on events the recording had seen', '10000')
      .option('--all', 'show every divergence and violation, not only the first')
      .option('--shard <k/n>', 'replay only files k, k+n, k+2n, ... of the sorted list: n jobs together replay each file once')
      .option('--concurrency <n>', 'traces replayed side by side', '1');
  },
  async run(cmd: Command, args: unknown[]) {
    const opts = cmd.opts<Options>();
    const waitTimeoutMs = Number(opts.waitTimeout);
    if (!Number.isFinite(waitTimeoutMs) || waitTimeoutMs <= 0) throw new UsageError(`--wait-timeout: expected a number of milliseconds, not '${opts.waitTimeout}'`);
    const concurrency = Number(opts.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`--concurrency: expected a positive integer, not '${opts.concurrency}'`);
    const shard = parseShardOption(opts.shard);
    let target;
    try {
      target = parseTarget(opts.target);
    } catch (error) {
      if (error instanceof TargetSpecError) throw new UsageError(`--target: ${error.message}`);
      throw error;
    }
    const all = await traceFilesOf((args[0] as string[]).map(String));
    if (opts.out !== undefined && all.length > 1) throw new UsageError('--out: give a single trace');
    const files = shardOf(all, shard);
    const options = { strict: opts.strict === true, waitTimeoutMs, ...(opts.out === undefined ? {} : { out: opts.out }) };
    const show = { all: opts.all === true, ...(opts.out === undefined ? {} : { out: opts.out }) };
    const progress = startProgress('qjob replay');
    if (all.length === 1 && shard === undefined) {
      try {
        progress.update(`replaying ${all[0]!} against ${opts.target}`);
        const result = await replayTrace(await loadTrace(all[0]!), target, options);
        progress.done();
        process.stdout.write(formatReplay(result, show));
        return result.ok ? 0 : 1;
      } catch (error) {
        if (refused(error)) throw new UsageError(error.message);
        throw error;
      } finally {
        progress.done();
      }
    }
    // Several traces: each is reported in order; a refused one is reported and the others still run.
    let active = 0;
    const queue: (() => void)[] = [];
    const replayOne = async (file: string): Promise<{ text: string; code: number } | { error: unknown }> => {
      while (active >= concurrency) await new Promise<void>((resolve) => queue.push(resolve));
      active++;
      try {
        const result = await replayTrace(await loadTrace(file), target, options);
        return { text: formatReplay(result, show), code: result.ok ? 0 : 1 };
      } catch (error) {
        return refused(error) ? { text: `FAIL ${file}: ${error.message}\n`, code: 2 } : { error };
      } finally {
        active--;
        queue.shift()?.();
      }
    };
    const pending = files.map((file) => replayOne(file));
    const codes: number[] = [];
    // Reports are printed in file order as they come; the live line stays under them.
    try {
      for (const outcome of pending) {
        progress.count(codes.length, files.length, 'traces');
        const done = await outcome;
        if ('error' in done) {
          await Promise.all(pending);
          throw done.error;
        }
        progress.write(done.text, process.stdout);
        codes.push(done.code);
      }
    } finally {
      progress.done();
    }
    const ok = codes.filter((c) => c === 0).length;
    const of = shard === undefined ? '' : ` (shard ${formatShard(shard)} of ${all.length} traces)`;
    process.stdout.write(`replayed ${files.length} traces${of}: ${ok} ok, ${codes.filter((c) => c === 1).length} failed, ${codes.filter((c) => c === 2).length} refused\n`);
    return Math.max(0, ...codes);
  },
};
