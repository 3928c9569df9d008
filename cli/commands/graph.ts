/**
 * `qjob graph [--release X.Y] [--format dot|mermaid|json|svg|html] [--group] [--traces <dir>...] [--out <file>]`:
 * the transition graph of a job (JobSTT, edges labelled with the events that take them), or of two
 * grouped jobs; with --traces, how often recorded sessions took each edge.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { GRAPH_FORMATS, renderGraph, traceCoverage, type GraphFormat } from '../../explore/index.ts';
import { TraceInputError } from '../../traces/reader.ts';
import type { CommandSpec } from '../command.ts';
import { UsageError } from '../errors.ts';
import { profileOption } from '../release.ts';

interface Options {
  release?: string;
  format: GraphFormat;
  group?: boolean;
  traces?: string[];
  out?: string;
}

export const graphCommand: CommandSpec = {
  name: 'graph',
  summary: 'draw the job transition graph (dot, mermaid, json, svg, or an html page), with coverage from traces',
  description:
    "Draws a release's JobSTT with each edge labelled by the model's events that take it (found by exploring one " +
    'job of each kind). --group draws the status graph of two backups in a grouped transaction instead. --traces ' +
    'counts the edges recorded sessions took (JOB_STATUS_CHANGE per job, in *.jsonl / *.out / *.log files) and lays ' +
    'them over the graph. svg is rendered in-process (Graphviz as WebAssembly); html is one self-contained page with ' +
    'the graph, the verb table of every release and the coverage.',
  configure(cmd: Command) {
    cmd
      .option('--release <X.Y>', 'QEMU release (default: newest modelled)')
      .addOption(new Option('--format <format>', 'output format').choices([...GRAPH_FORMATS]).default('dot'))
      .option('--group', 'the status graph of two grouped jobs (html always has it)')
      .option('--traces <paths...>', 'trace files or directories whose status changes to count')
      .option('--out <file>', 'write to a file instead of standard output');
  },
  async run(cmd: Command) {
    const opts = cmd.opts<Options>();
    const profile = profileOption(opts.release);
    let coverage;
    if (opts.traces !== undefined) {
      for (const p of opts.traces) if (!existsSync(p)) throw new UsageError(`--traces: no such file or directory: ${p}`);
      try {
        coverage = await traceCoverage(opts.traces);
      } catch (err) {
        if (err instanceof TraceInputError) throw new UsageError(err.message);
        throw err;
      }
    }
    const text = await renderGraph(profile, opts.format, { group: opts.group === true, ...(coverage ? { coverage } : {}) });
    if (opts.out !== undefined) writeFileSync(opts.out, text);
    else process.stdout.write(text);
    return 0;
  },
};
