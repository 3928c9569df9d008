/**
 * `qjob verify`: the property-based conformance suite (verify/). Generates random scenarios, plans each
 * on the reference model, runs it on the target (default: the built-in model server), and judges the
 * recorded session with the trace checker and verify's own rules. Exit codes as for `check`: 0 every
 * run conformed, 1 a run failed (or nothing was covered), 2 bad usage or an unusable target.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { checkSessionLines, type CheckedSession } from '../../conformance/checkedSession.ts';
import { UnknownReleaseError, profileFor } from '../../machines/index.ts';
import { QmpConnectError, QmpDisconnectedError, QmpProtocolError, QmpTimeoutError } from '../../qmp/index.ts';
import { modelTarget, registerModelTarget } from '../../server/index.ts';
import { parseTarget, SetupError, TargetSpecError, TargetStartError, temporaryFolderProblem, type Target } from '../../targets/index.ts';
import type { TraceLine } from '../../traces/format.ts';
import { readTrace, TraceInputError } from '../../traces/reader.ts';
import { formatVerifyJson, formatVerifyJunit, formatVerifyText, isControlled, TargetProbeError, verify, type VerifyProgress, type VerifyReport } from '../../verify/index.ts';
import { formatVerifyHtml } from '../../verify/report.ts';
import { startProgress } from '../progress.ts';
import { parseShardOption } from '../shard.ts';
import type { CommandSpec } from '../command.ts';
import { UsageError } from '../errors.ts';
import { pageFolder } from '../reportPages.ts';

interface VerifyCliOptions {
  target?: string;
  runs: string;
  seed?: string;
  path?: string;
  release?: string;
  format: string;
  strict: boolean;
  shrink: boolean;
  maxActions?: string;
  out?: string;
  verbose?: boolean;
  shard?: string;
  htmlDir?: string;
}

function integer(text: string, option: string, min: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min) throw new UsageError(`${option}: expected a whole number of at least ${min}, got '${text}'`);
  return Number(text);
}

/** The target of --target, the model server when absent; --release picks the model's release. */
export function verifyTarget(spec: string | undefined, release: string | undefined): { target: Target; spec: string } {
  registerModelTarget();
  if (spec === undefined || spec === 'model') {
    const name = release === undefined ? 'model' : `model:${release}`;
    return { target: modelTarget({ ...(release !== undefined ? { release } : {}), name }), spec: name };
  }
  try {
    return { target: parseTarget(spec), spec };
  } catch (error) {
    if (error instanceof TargetSpecError) throw new UsageError(`--target: ${error.message}`);
    throw error;
  }
}

/**
 * The failing run's session, checked again from its trace for the HTML page as verify's runner checked
 * it (a fresh target, lines counted over the messages), or undefined when there is none to read.
 */
export async function failingSession(report: VerifyReport, options: { strict: boolean; release?: string }): Promise<CheckedSession | undefined> {
  const file = report.failures[0]?.traceFile;
  if (file === undefined) return undefined;
  const lines: TraceLine[] = [];
  try {
    await readTrace(file, (line) => lines.push(line), { format: 'wire' });
  } catch (error) {
    if (!(error instanceof TraceInputError)) throw error;
    process.stderr.write(`qjob verify: no HTML page of the failing session: ${error.message}\n`);
    return undefined;
  }
  return checkSessionLines(lines, { strict: options.strict, freshQemu: true, file, ...(options.release !== undefined ? { release: options.release } : {}) });
}

function progressLine(p: VerifyProgress): string {
  const what = p.shrinking ? 'shrinking a failure' : `${p.runs}/${p.total} runs`;
  return `${what}, ${p.failures} failing, ${p.cells} cells, ${p.edges} edges`;
}

export const verifyCommand: CommandSpec = {
  name: 'verify',
  summary: 'run the property-based conformance suite against a target (default: the built-in model server)',
  description:
    'Generates random scenarios with fast-check (job types, flags, transactions, verbs in both spellings, speed changes, ' +
    'waits for jobs\' own progress, injected I/O errors where the target allows), runs each on the target, records the ' +
    'session and checks it with the trace checker and verify\'s own rules. A failure is shrunk to a minimal scenario; its ' +
    'session is written as a trace and the seed and path that replay it are printed. Targets: model, model:RELEASE, qemu, ' +
    'qemu:PATH, qemu:7.2, qmp:unix:PATH, qmp:tcp:HOST:PORT. Exit 0: all runs conform; 1: a run failed or nothing was covered; 2: usage or target error.',
  configure(cmd: Command) {
    cmd
      .option('--target <target>', 'the implementation under test (default: the built-in model server)')
      .option('--runs <n>', 'scenarios to run', '100')
      .option('--seed <n>', 'fast-check seed (default: random, printed)')
      .option('--path <path>', "fast-check path of a counterexample (with --seed: replays it)")
      .option('--release <X.Y>', "judge by this release's rules (and run the model as it)")
      .option('--format <format>', 'text, json, junit, or html: the failing run\'s session as a page (docs/report.md)', 'text')
      .option('--html-dir <dir>', 'also write the run\'s HTML page into this folder; the report names it')
      .option('--no-strict', 'do not compare error texts exactly')
      .option('--no-shrink', 'stop at the first failure without shrinking it')
      .option('--max-actions <n>', 'longest scenario, in actions (default 50)')
      .option('--out <dir>', 'folder for the failing session trace (default: a new folder in the system temporary folder)')
      .option('--verbose', 'list the covered (status, verb) cells')
      .option('--shard <k/n>', 'run only runs k, k+n, k+2n, ... of --runs: n jobs with the same --seed together run every run once');
  },
  async run(cmd: Command) {
    const o = cmd.opts<VerifyCliOptions>();
    if (!['text', 'json', 'junit', 'html'].includes(o.format)) throw new UsageError(`--format: expected text, json, junit or html, got '${o.format}'`);
    if (o.release !== undefined) {
      try {
        profileFor(o.release);
      } catch (error) {
        if (error instanceof UnknownReleaseError) throw new UsageError(`--release: ${error.message}`);
        throw error;
      }
    }
    const runs = integer(o.runs, '--runs', 1);
    const seed = o.seed === undefined ? undefined : integer(o.seed, '--seed', 0);
    if (o.path !== undefined && seed === undefined) throw new UsageError('--path needs the --seed it came with');
    const maxActions = o.maxActions === undefined ? undefined : integer(o.maxActions, '--max-actions', 1);
    if (o.shard !== undefined) {
      if (o.path !== undefined) throw new UsageError('--shard: not with --path, which replays one run');
      if (seed === undefined) throw new UsageError('--shard: give --seed, the same for every shard');
    }
    const shard = parseShardOption(o.shard);
    const { target, spec } = verifyTarget(o.target, o.release);
    // Targets qjob starts keep their sessions there, and a failure's trace goes there unless --out names a folder.
    const tmpProblem = isControlled(target) || o.out === undefined ? temporaryFolderProblem() : undefined;
    if (tmpProblem !== undefined) {
      process.stderr.write(`qjob verify: ${tmpProblem}\n`);
      return 2;
    }
    const progress = startProgress('qjob verify');
    const onProgress = progress.live ? (p: VerifyProgress) => progress.update(progressLine(p), p.runs === p.total) : undefined;
    let report;
    try {
      report = await verify({
        target,
        targetSpec: spec,
        runs,
        ...(shard !== undefined ? { shard } : {}),
        ...(seed !== undefined ? { seed } : {}),
        ...(o.path !== undefined ? { path: o.path } : {}),
        ...(o.release !== undefined ? { release: o.release } : {}),
        strict: o.strict,
        shrink: o.shrink,
        ...(maxActions !== undefined ? { maxActions } : {}),
        ...(o.out !== undefined ? { failureDir: o.out } : {}),
        ...(onProgress ? { onProgress } : {}),
      });
    } catch (error) {
      progress.done();
      const usable = [TargetProbeError, TargetStartError, SetupError, QmpConnectError, QmpTimeoutError, QmpProtocolError, QmpDisconnectedError];
      if (usable.some((k) => error instanceof k)) {
        process.stderr.write(`qjob verify: target ${spec} cannot be used: ${(error as Error).message}\n`);
        return 2;
      }
      throw error;
    }
    progress.done();
    const session = o.format === 'html' || o.htmlDir !== undefined ? await failingSession(report, { strict: o.strict, ...(o.release !== undefined ? { release: o.release } : {}) }) : undefined;
    let page: string | undefined;
    if (o.htmlDir !== undefined) {
      const name = `verify-${report.seed}.html`;
      pageFolder(o.htmlDir).write(name, formatVerifyHtml(report, session));
      page = path.join(o.htmlDir, name);
    }
    const text =
      o.format === 'json'
        ? formatVerifyJson(report, page)
        : o.format === 'junit'
          ? formatVerifyJunit(report, page)
          : o.format === 'html' && page === undefined
            ? formatVerifyHtml(report, session)
            : formatVerifyText(report, o.verbose === true, page);
    process.stdout.write(text);
    return report.ok ? 0 : 1;
  },
};
