/**
 * `qjob paths --to <status> | --cover edges | --cover cells [--jobs N] [--grouped] [--mix ...]`:
 * shortest command sequences through the model to a status, or a small set of them covering every
 * JobSTT edge or every (status, verb) cell, as scenarios (traces/scenario.ts) for a real target.
 * Exit 0, or 1 when the goal cannot be reached (or covered) by a client, 2 on bad usage.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { isJobStatus } from '../../machines/index.ts';
import {
  coverCells,
  coverEdges,
  drivable,
  LEFT_OUT,
  makeConfig,
  MAX_JOBS,
  MixError,
  pathSpace,
  pathToStatus,
  toScenario,
  type Cover,
  type ModelPath,
} from '../../explore/index.ts';
import type { Scenario } from '../../traces/scenario.ts';
import type { CommandSpec } from '../command.ts';
import { UsageError } from '../errors.ts';
import { profileOption } from '../release.ts';
import { positiveInt } from './explore.ts';

interface Options {
  to?: string;
  cover?: 'edges' | 'cells';
  jobs: string;
  grouped?: boolean;
  mix?: string;
  release?: string;
  json?: boolean;
  out?: string;
}

function describe(path: ModelPath, ids: readonly string[]): string {
  return path.steps.map((s) => (s.member < 0 ? s.template.label : `${s.template.label} ${ids[s.member]}`)).join(', ');
}

export const pathsCommand: CommandSpec = {
  name: 'paths',
  summary: 'shortest command sequences to a status, or scenarios covering every STT edge or (status, verb) cell',
  description:
    'Searches the model as a client can drive it (the creating command runs whole, synchronous internal events run ' +
    'first, jobs converge and finish when let) and prints shortest paths as scenarios: the creating command, the ' +
    'verb commands, and a wait for each status a job reaches by itself. --to <status>: one path to a status; ' +
    '--cover edges: a small set of paths that together take every JobSTT edge a client can cause; --cover cells: ' +
    'one that sends every verb in every status a client can see. Internal events no client can cause are left out ' +
    'and listed. Exit 1 when something cannot be reached or covered.',
  configure(cmd: Command) {
    cmd
      .option('--to <status>', 'a JobStatus to reach')
      .addOption(new Option('--cover <what>', 'cover every STT edge or every (status, verb) cell').choices(['edges', 'cells']))
      .option('--jobs <N>', `jobs in the group, 1 to ${MAX_JOBS}`, '1')
      .option('--grouped', 'one grouped transaction')
      .option('--mix <spec>', 'members (default: one mirror with manual finalize and dismiss; backups for a group)')
      .option('--release <X.Y>', 'QEMU release (default: newest modelled)')
      .option('--json', 'print the scenarios as JSON')
      .option('--out <dir>', 'also write each scenario to <dir>/<name>.json');
  },
  async run(cmd: Command) {
    const opts = cmd.opts<Options>();
    if ((opts.to === undefined) === (opts.cover === undefined)) throw new UsageError('give exactly one of --to <status> and --cover edges|cells');
    if (opts.to !== undefined && !isJobStatus(opts.to)) throw new UsageError(`--to: not a JobStatus: '${opts.to}'`);
    const profile = profileOption(opts.release);
    const jobs = positiveInt('--jobs', opts.jobs, MAX_JOBS);
    const mix = opts.mix ?? (jobs === 1 && !opts.grouped ? 'mirror:manual-finalize:manual-dismiss' : 'backup:manual-finalize:manual-dismiss');
    let config;
    try {
      config = makeConfig(profile, jobs, opts.grouped === true, mix);
    } catch (err) {
      if (err instanceof MixError) throw new UsageError(`--mix: ${err.message}`);
      throw err;
    }
    const why = drivable(config);
    if (why) throw new UsageError(`--mix: ${why}`);
    const space = pathSpace(config);
    const ids = config.inputs.map((i) => i.id);
    let paths: readonly ModelPath[] = [];
    let cover: Cover | undefined;
    if (opts.to !== undefined) {
      const p = isJobStatus(opts.to) ? pathToStatus(space, opts.to) : undefined;
      paths = p ? [p] : [];
    } else {
      cover = opts.cover === 'edges' ? coverEdges(space) : coverCells(space, profile);
      paths = cover.paths;
    }
    const prefix = opts.to !== undefined ? `to_${opts.to}` : `cover_${opts.cover}`;
    const scenarios: Scenario[] = paths.map((p, k) => toScenario(config, p, `${prefix}_${jobs}${opts.grouped ? 'g' : ''}_${k + 1}`));
    if (opts.out !== undefined) {
      mkdirSync(opts.out, { recursive: true });
      for (const s of scenarios) writeFileSync(join(opts.out, `${s.name}.json`), JSON.stringify(s, null, 2) + '\n');
    }
    if (opts.json) {
      process.stdout.write(JSON.stringify({ release: profile.release, states: space.states.length, scenarios, covered: cover?.covered, uncovered: cover?.uncovered, leftOut: LEFT_OUT }, null, 2) + '\n');
    } else {
      const lines: string[] = [`searched ${space.states.length.toLocaleString('en-US')} states a client can drive (QEMU ${profile.release}, ${jobs} job${jobs === 1 ? '' : 's'}${opts.grouped ? ', grouped' : ''}, mix ${mix})`];
      if (paths.length === 0) lines.push(`no path reaches ${opts.to ?? opts.cover}`);
      scenarios.forEach((s, k) => {
        lines.push('', `${s.name}: ${paths[k]!.goal} (${paths[k]!.steps.length} model steps, ${s.steps.length} scenario steps)`);
        lines.push(`  model: ${describe(paths[k]!, ids)}`);
        for (const st of s.steps) lines.push(`  ${JSON.stringify(st)}`);
      });
      if (cover) {
        lines.push('', `covered: ${cover.covered.length} of ${cover.covered.length + cover.uncovered.length}`);
        if (cover.uncovered.length > 0) lines.push(`not reachable by a client: ${cover.uncovered.join(', ')}`);
      }
      lines.push('', 'left out of the scenarios (no client can cause them on a plain target):');
      for (const [what, why] of Object.entries(LEFT_OUT)) lines.push(`  ${what}: ${why}`);
      process.stdout.write(lines.join('\n') + '\n');
    }
    const missed = paths.length === 0 || (cover !== undefined && opts.cover === 'edges' && cover.uncovered.length > 0);
    return missed ? 1 : 0;
  },
};
