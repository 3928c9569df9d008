/**
 * `qjob record-corpus --qemu PATH --out DIR [--only NAME...]`: records every corpus scenario the daemon's
 * release supports (traces/scenarios) into DIR/<name>.jsonl and writes DIR/README.md. A scenario whose
 * session does not go as scripted (a wait times out, an unexpected hang) is reported and not written,
 * and the command exits 1.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { TargetSpecError, TargetStartError } from '../../targets/index.ts';
import { recordCorpus } from '../../traces/corpus.ts';
import { allScenarios } from '../../traces/scenarios/index.ts';
import { updateCorpusDoc } from '../../traces/scenarios/readme.ts';
import type { Scenario } from '../../traces/scenario.ts';
import { readScenarioFile, ScenarioFileError } from '../../traces/scenarioFile.ts';
import type { CommandSpec } from '../command.ts';
import { UsageError } from '../errors.ts';
import { startProgress } from '../progress.ts';

interface Options {
  qemu: string;
  out: string;
  only?: string[];
  scenario?: string[];
  concurrency: string;
  list?: boolean;
  docs?: string;
  traces?: string;
}

/** A release that is not installed is a usage error (exit 2). */
async function recordCorpusOrUsage(options: Parameters<typeof recordCorpus>[0]): ReturnType<typeof recordCorpus> {
  try {
    return await recordCorpus(options);
  } catch (error) {
    if (error instanceof TargetSpecError || error instanceof TargetStartError) throw new UsageError(error.message);
    throw error;
  }
}

export const recordCorpusCommand: CommandSpec = {
  name: 'record-corpus',
  summary: 'record the scenario corpus from a real qemu-storage-daemon',
  description:
    'Starts a qemu-storage-daemon per scenario (its set-up in a private folder), drives the scenario script through ' +
    'the QMP client and writes the session to DIR/<scenario>.jsonl, meta line first. The release is read from the ' +
    "daemon's greeting and only the scenarios it supports are recorded. DIR/README.md is regenerated from the traces.",
  configure(cmd: Command) {
    cmd
      .option('--qemu <path>', 'the qemu-storage-daemon to record from: a path, or 5.2 / 7.2 / 10.0 / 11.1 for an installed release (qjob targets lists them)', 'qemu-storage-daemon')
      .option('--out <dir>', 'the corpus folder, e.g. traces/qemu-10.0')
      .option('--only <name...>', 'record only these scenarios')
      .option('--scenario <file...>', 'record these scenario files (JSON, as qjob paths --out writes) instead of the built-in scenarios')
      .option('--concurrency <n>', 'sessions recorded side by side', '2')
      .option('--list', 'list the scenarios and exit')
      .option('--docs <file>', "also regenerate this doc's corpus table (docs/corpus.md) from the corpus folders; alone, only that")
      .option('--traces <dir>', 'where the corpus folders qemu-X.Y are, for --docs (default: the parent of --out, else traces)');
  },
  async run(cmd: Command) {
    const opts = cmd.opts<Options>();
    if (opts.list === true) {
      for (const s of allScenarios) process.stdout.write(`${s.name}${s.minRelease === undefined ? '' : ` (${s.minRelease}+)`}\n`);
      return 0;
    }
    const tracesDir = opts.traces ?? (opts.out === undefined ? 'traces' : path.dirname(opts.out));
    if (opts.out === undefined) {
      if (opts.docs === undefined) throw new UsageError('--out <dir> is required');
      updateCorpusDoc(opts.docs, tracesDir);
      process.stderr.write(`qjob record-corpus: corpus table of ${opts.docs} regenerated from ${tracesDir}\n`);
      return 0;
    }
    const concurrency = Number(opts.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`--concurrency: expected a positive integer, not '${opts.concurrency}'`);
    let scenarios: Scenario[] | undefined;
    if (opts.scenario !== undefined) {
      try {
        scenarios = opts.scenario.map((file) => readScenarioFile(file));
      } catch (err) {
        if (err instanceof ScenarioFileError) throw new UsageError(err.message);
        throw err;
      }
      const names = new Set(scenarios.map((s) => s.name));
      if (names.size !== scenarios.length) throw new UsageError('--scenario: two scenario files have the same name');
    }
    const known = new Set((scenarios ?? allScenarios).map((s) => s.name));
    const unknown = (opts.only ?? []).filter((n) => !known.has(n));
    if (unknown.length > 0) throw new UsageError(`--only: no scenario named ${unknown.map((n) => `'${n}'`).join(', ')} (see --list)`);
    const started = Date.now();
    // How many scenarios the daemon's release takes is known only inside recordCorpus: the line counts those done.
    const progress = startProgress('qjob record-corpus');
    let done = 0;
    let report;
    try {
      report = await recordCorpusOrUsage({
        qemu: opts.qemu,
        out: opts.out,
        only: opts.only,
        ...(scenarios ? { scenarios } : {}),
        concurrency,
        log: (line) => {
          done++;
          progress.write(`${line}\n`);
          progress.update(`${done} scenario(s) done, ${((Date.now() - started) / 1000).toFixed(0)} s`, true);
        },
      });
    } finally {
      progress.done();
    }
    const failed = report.entries.filter((e) => e.problem !== undefined);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stderr.write(
      `qjob record-corpus: QEMU ${report.version}: ${report.entries.length - failed.length} recorded, ${failed.length} failed` +
        `${report.skipped.length > 0 ? `, ${report.skipped.length} not for this release (${report.skipped.join(', ')})` : ''} in ${seconds} s; README in ${opts.out}\n`,
    );
    if (opts.docs !== undefined) updateCorpusDoc(opts.docs, tracesDir);
    return failed.length > 0 ? 1 : 0;
  },
};
