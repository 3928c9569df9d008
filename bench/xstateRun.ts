/**
 * One xstate-engine exploration in a process of its own (`node bin/run.js bench/xstateRun.ts`): what
 * `qjob explore --jobs 2 --alphabet core --engine xstate` explores. Prints its figures and the process's
 * peak RSS as JSON; explore.bench.ts runs it.
 */
import { readFileSync } from 'node:fs';
import { profileFor } from '../machines/index.ts';
import { exploreXstate, makeConfig } from '../explore/index.ts';

export interface XstateRun {
  readonly states: number;
  readonly transitions: number;
  readonly seconds: number;
  readonly statesPerSecond: number;
  readonly maxRssMiB: number;
}

/**
 * This process's peak RSS in MiB: VmHWM, which starts afresh with the program, where getrusage's maxrss
 * keeps the peak of the process image before exec (the forked copy of a large parent).
 */
function peakRssMiB(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux: fall back to getrusage
  }
  return process.resourceUsage().maxRSS / 1024;
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const r = exploreXstate({ config: makeConfig(profileFor('10.1'), 2, false), alphabet: 'core' });
  const out: XstateRun = {
    states: r.states,
    transitions: r.transitions,
    seconds: r.seconds,
    statesPerSecond: r.statesPerSecond,
    maxRssMiB: peakRssMiB(),
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}
