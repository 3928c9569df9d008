/**
 * Explorer speed, in states per second, each with every invariant checked:
 *  - the compiled engine on 1 job (default mix, full alphabet: mostly the cost of building its tables),
 *    3 grouped jobs (default mix, core alphabet, complete), and 6 grouped jobs (`qjob explore --jobs 6
 *    --grouped`: default mix, full alphabet, no dead-end search, until SIX_JOB_STATES states are found;
 *    the figure is states explored per second, 1,589,760 of them, 51,623,648 transitions), on one
 *    thread and on two (`--threads 2`: the set of states seen on a worker thread). The 6-job runs are
 *    what a user runs, the qjob command (its bundle) in a child process each, one thread and two
 *    alternated three times, the best of each kept (the machine is shared: the best is the run least
 *    slowed by others); the two-thread row says its ratio to the one-thread one. Target for 6 jobs:
 *    500,000 states/s (one thread: not reached; two: reached when the machine is quiet).
 *  - the xstate engine on 2 jobs (`qjob explore --jobs 2 --alphabet core --engine xstate`), in a child
 *    process of its own so that its peak RSS is its own, twice (the faster rate, the larger RSS kept).
 *    Targets: 5,000 states/s, 300 MiB. Both must agree with the compiled engine on states and
 *    transitions, or the benchmark fails.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { profileFor } from '../machines/index.ts';
import { exploreCompiled, makeConfig, type ExploreOptions, type ExploreResult } from '../explore/index.ts';
import type { BenchRow } from './table.ts';
import type { XstateRun } from './xstateRun.ts';

const SIX_JOB_TARGET = 500_000;
const SIX_JOB_STATES = 6_000_000;
const SIX_JOB_ROUNDS = 3;
const XSTATE_RATE_TARGET = 5_000;
const XSTATE_RSS_TARGET = 300;

const n = (x: number) => Math.round(x).toLocaleString('en-US');

/** Best of `times` runs (the first one also pays for compiling the code). */
function bestOf(times: number, options: ExploreOptions): ExploreResult {
  let best = exploreCompiled(options);
  for (let i = 1; i < times; i++) {
    const again = exploreCompiled(options);
    if (again.seconds < best.seconds) best = again;
  }
  return best;
}

function compiledRow(id: string, what: string, r: ExploreResult, target?: number, note = ''): BenchRow {
  return {
    id,
    what,
    figure: r.statesPerSecond,
    unit: 'states/s',
    better: 'higher',
    timed: true,
    ...(target === undefined ? {} : { target }),
    detail: `${n(r.states)} states explored${r.complete ? '' : ` (stopped at ${n(SIX_JOB_STATES)} found)`}, ${n(r.transitions)} transitions, ${r.seconds.toFixed(2)} s${note}`,
  };
}

/** `qjob explore --jobs 6 --grouped` as in the module comment, in a child process (the bundle, built first by bin/qjob.js when stale). */
async function sixJobRun(threads: number): Promise<ExploreResult> {
  const qjob = fileURLToPath(new URL('../bin/qjob.js', import.meta.url));
  const args = [qjob, 'explore', '--jobs', '6', '--grouped', '--max-states', String(SIX_JOB_STATES), '--no-dead-ends', '--threads', String(threads), '--json'];
  const { stdout } = await promisify(execFile)(process.execPath, args, { timeout: 120_000, maxBuffer: 16 << 20 });
  return JSON.parse(stdout) as ExploreResult;
}

async function xstateRun(): Promise<XstateRun> {
  const run = fileURLToPath(new URL('../bin/run.js', import.meta.url));
  const script = fileURLToPath(new URL('./xstateRun.ts', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, [run, script], { timeout: 120_000 });
  return JSON.parse(stdout) as XstateRun;
}

export default async function exploreBench(): Promise<BenchRow[]> {
  const profile = profileFor('10.1');
  // The xstate children first, while this process is small (a forked child starts as a copy of it):
  // two, the faster one's rate and the larger peak RSS kept.
  const xs = [await xstateRun(), await xstateRun()];
  const x = { ...xs.reduce((a, b) => (b.seconds < a.seconds ? b : a)), maxRssMiB: Math.max(...xs.map((r) => r.maxRssMiB)) };
  const one = bestOf(3, { config: makeConfig(profile, 1, false), alphabet: 'full' });
  const three = bestOf(2, { config: makeConfig(profile, 3, true), alphabet: 'core' });
  const runs: ExploreResult[][] = [[], []];
  for (let round = 0; round < SIX_JOB_ROUNDS; round++) for (const threads of [1, 2]) runs[threads - 1]!.push(await sixJobRun(threads));
  const [six, sixThreads] = runs.map((r) => r.reduce((a, b) => (b.seconds < a.seconds ? b : a)));
  for (const r of [...runs[0]!, ...runs[1]!]) {
    if (r.states !== six!.states || r.transitions !== six!.transitions) {
      throw new Error(`the 6-job runs disagree: ${r.states} states ${r.transitions} transitions against ${six!.states} / ${six!.transitions}`);
    }
  }
  const same = exploreCompiled({ config: makeConfig(profile, 2, false), alphabet: 'core', symmetry: false });
  for (const r of xs) {
    if (same.states !== r.states || same.transitions !== r.transitions) {
      throw new Error(`the engines disagree: compiled ${same.states} states ${same.transitions} transitions, xstate ${r.states} / ${r.transitions}`);
    }
  }
  const detail = `${n(x.states)} states, ${n(x.transitions)} transitions, ${x.seconds.toFixed(2)} s; agrees with compiled`;
  return [
    compiledRow('explore.compiled.1', 'explore compiled, 1 job, full', one),
    compiledRow('explore.compiled.3', 'explore compiled, 3 jobs grouped, core', three),
    compiledRow('explore.compiled.6', 'explore compiled, 6 jobs grouped, full', six!, SIX_JOB_TARGET),
    compiledRow('explore.compiled.6.threads', 'explore compiled, 6 jobs grouped, full, 2 threads', sixThreads!, SIX_JOB_TARGET, `; ${(sixThreads!.statesPerSecond / six!.statesPerSecond).toFixed(2)}x one thread`),
    { id: 'explore.xstate.rate', what: 'explore xstate, 2 jobs, core', figure: x.statesPerSecond, unit: 'states/s', better: 'higher', timed: true, target: XSTATE_RATE_TARGET, detail },
    { id: 'explore.xstate.rss', what: 'explore xstate, 2 jobs, core: peak RSS', figure: x.maxRssMiB, unit: 'MiB', better: 'lower', target: XSTATE_RSS_TARGET, detail: 'child process, the larger of two' },
  ];
}
