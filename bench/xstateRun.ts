/**
 * One xstate-engine exploration in a process of its own (`node bin/run.js bench/xstateRun.ts`): what
 * `qjob explore --jobs 2 --alphabet core --engine xstate` explores. Prints its figures and the process's
 * peak RSS as JSON; explore.bench.ts runs it.
 */
import { profileFor } from '../machines/index.ts';
import { exploreXstate, makeConfig } from '../explore/index.ts';

export interface XstateRun {
  readonly states: number;
  readonly transitions: number;
  readonly seconds: number;
  readonly statesPerSecond: number;
  readonly maxRssMiB: number;
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const r = exploreXstate({ config: makeConfig(profileFor('10.1'), 2, false), alphabet: 'core' });
  const out: XstateRun = {
    states: r.states,
    transitions: r.transitions,
    seconds: r.seconds,
    statesPerSecond: r.statesPerSecond,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}
