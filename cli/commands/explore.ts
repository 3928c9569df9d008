/**
 * `qjob explore [--jobs N] [--grouped] [--release X.Y] [--engine compiled|xstate] [--state-dir DIR | --resume DIR] [--memory MiB] [--json] ...`:
 * enumerates every reachable state of a transaction group of N jobs, checks every invariant in every
 * state and across every transition, and reports the figures, the JobSTT edges covered, dead ends and,
 * for each violated invariant, a shortest path to it. Exit 0: no violation; 1: a violation; 2: bad usage.
 */
import { availableParallelism } from 'node:os';
import { Option, type Command } from 'commander';
import {
  ALPHABETS,
  DEFAULT_MIX,
  ENGINES,
  explore,
  formatResult,
  isAlphabetName,
  makeConfig,
  MAX_JOBS,
  MixError,
  ungroupableMembers,
  ExploreStateError,
  type Engine,
  type ExploreProgress,
  type UrgentMode,
} from '../../explore/index.ts';
import { startProgress } from '../progress.ts';
import type { CommandSpec } from '../command.ts';
import { UsageError } from '../errors.ts';
import { profileOption } from '../release.ts';

interface Options {
  jobs: string;
  grouped?: boolean;
  release?: string;
  engine: Engine;
  mix: string;
  alphabet: string;
  urgent: UrgentMode;
  symmetry: boolean;
  deadEnds: boolean;
  maxStates?: string;
  stateDir?: string;
  resume?: string;
  memory?: string;
  threads?: string;
  json?: boolean;
}

export function positiveInt(name: string, text: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1 || n > max) throw new UsageError(`${name}: expected a whole number from 1 to ${max}, not '${text}'`);
  return n;
}

const count = (x: number) => Math.round(x).toLocaleString('en-US');

/** Groups this large or larger explore on two threads unless told otherwise: smaller ones are done before a worker starts. */
const THREADS_FROM_JOBS = 3;

/** `states 1,234,567 (explored 1,000,000), depth 12, 512,345 states/s, RSS 1.2 GiB` (states explored per second, resumed runs included). */
function progressText(p: ExploreProgress): string {
  const rss = process.memoryUsage.rss() / 2 ** 30;
  return `states ${count(p.states)} (explored ${count(p.explored)}), depth ${p.depth}, ${count(p.seconds > 0 ? p.explored / p.seconds : 0)} states/s, RSS ${rss.toFixed(1)} GiB`;
}

export const exploreCommand: CommandSpec = {
  name: 'explore',
  summary: 'enumerate every reachable state of a group of jobs and check the invariants',
  description:
    'Explores the model exhaustively: every reachable state of N jobs (1 to 6) created by one command, grouped ' +
    '(completion-mode grouped) or not, under a finite alphabet of commands and internal events. Checks every ' +
    'invariant (explore/invariants.ts) in every state and across every transition, and reports states, transitions, ' +
    'depth, states per second, the JobSTT edges covered, dead ends (states from which no settled state, every job ' +
    'dismissed, can be reached) and a shortest path to each violation. Two engines give the same counts: compiled ' +
    '(tables over interned job states, fast) and xstate (xstate/graph over the machines, slow). ' +
    'Exit 0: no violation; 1: an invariant is violated; 2: bad usage.',
  configure(cmd: Command) {
    cmd
      .option('--jobs <N>', `jobs in the group, 1 to ${MAX_JOBS}`, '1')
      .option('--grouped', 'one grouped transaction (completion-mode grouped); default: each job its own')
      .option('--release <X.Y>', 'QEMU release (default: newest modelled)')
      .addOption(new Option('--engine <engine>', 'exploration engine').choices([...ENGINES]).default('compiled'))
      .option('--mix <spec>', 'job types and flags of the members, type[:manual-finalize][:manual-dismiss][:active],... (the last repeats)', DEFAULT_MIX)
      .addOption(new Option('--alphabet <name>', 'events offered: full, or core (no drains, io-error stop/ignore, change, set-speed)').choices([...ALPHABETS]).default('full'))
      .addOption(new Option('--urgent <mode>', 'first: synchronous internal events run before anything else, as in QEMU; free: any order').choices(['first', 'free']).default('first'))
      .option('--no-symmetry', 'compiled engine: do not merge states that differ only by interchangeable members')
      .option('--no-dead-ends', 'skip the dead-end search (saves the memory of the successor lists)')
      .option('--max-states <N>', 'stop after this many states (the result says it is incomplete)')
      .option('--state-dir <dir>', 'compiled engine: keep the queue and every state found in files of <dir> (a new or empty one), checkpointed every 30 s; no dead-end search')
      .option('--resume <dir>', 'continue the exploration a --state-dir run left in <dir> (same options), after an interruption')
      .option('--memory <MiB>', 'with --state-dir or --resume: bound the memory of the set of states seen; past it the set moves to a sorted file of the directory')
      .option('--threads <N>', `compiled engine in memory: 2 keeps the set of states seen and the queue on a second thread (same figures); default 2 from ${THREADS_FROM_JOBS} jobs on a machine of 2 cores or more, else 1`)
      .option('--json', 'print the result as JSON');
  },
  async run(cmd: Command) {
    const opts = cmd.opts<Options>();
    const profile = profileOption(opts.release);
    const jobs = positiveInt('--jobs', opts.jobs, MAX_JOBS);
    if (!isAlphabetName(opts.alphabet)) throw new UsageError(`--alphabet: unknown alphabet '${opts.alphabet}'`);
    let config;
    try {
      config = makeConfig(profile, jobs, opts.grouped === true, opts.mix);
    } catch (err) {
      if (err instanceof MixError) throw new UsageError(`--mix: ${err.message}`);
      throw err;
    }
    if (opts.stateDir !== undefined && opts.resume !== undefined) throw new UsageError('--state-dir and --resume: give one (--resume takes the directory)');
    const stateDir = opts.resume ?? opts.stateDir;
    if (stateDir !== undefined && opts.engine !== 'compiled') throw new UsageError('--state-dir and --resume need the compiled engine');
    if (opts.memory !== undefined && stateDir === undefined) throw new UsageError('--memory needs --state-dir (or --resume): the states seen past the bound go to files of that directory');
    const memoryMiB = opts.memory === undefined ? undefined : positiveInt('--memory', opts.memory);
    const inMemory = opts.engine === 'compiled' && stateDir === undefined;
    const threads = opts.threads === undefined ? (inMemory && jobs >= THREADS_FROM_JOBS && availableParallelism() >= 2 ? 2 : 1) : positiveInt('--threads', opts.threads, 2);
    if (threads > 1 && !inMemory) throw new UsageError('--threads 2 needs the compiled engine in memory (no --state-dir or --resume)');
    const progress = startProgress('qjob explore');
    let result;
    try {
      result = explore(opts.engine, {
        config,
        alphabet: opts.alphabet,
        urgent: opts.urgent,
        symmetry: opts.engine === 'compiled' && opts.symmetry,
        deadEnds: opts.deadEnds,
        ...(opts.maxStates === undefined ? {} : { maxStates: positiveInt('--max-states', opts.maxStates) }),
        ...(stateDir === undefined ? {} : { stateDir, resume: opts.resume !== undefined }),
        ...(memoryMiB === undefined ? {} : { memoryMiB }),
        ...(threads === 1 ? {} : { threads }),
        ...(progress.live ? { onProgress: (p: ExploreProgress) => progress.update(progressText(p)) } : {}),
      });
    } catch (err) {
      if (err instanceof ExploreStateError) throw new UsageError(err.message);
      throw err;
    } finally {
      progress.done();
    }
    if (opts.json) process.stdout.write(JSON.stringify(result) + '\n');
    else {
      const odd = ungroupableMembers(config);
      if (odd.length > 0) process.stdout.write(`note: QEMU groups only backups; with ${odd.map((i) => `${i.id} (${i.type})`).join(', ')} the group explores job.c's transaction rules beyond what QEMU accepts\n`);
      process.stdout.write(formatResult(result));
    }
    return result.violations.length > 0 ? 1 : 0;
  },
};
