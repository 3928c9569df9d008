/**
 * Explorer speed, two measurements in one run:
 *  1. the compiled engine against the xstate engine on the same model (3 backups in a grouped
 *     transaction, core alphabet, no symmetry so both count the same states): states per second of each.
 *     Target: the compiled engine at least 50 times faster.
 *  2. 6 jobs with every invariant checked, single thread, compiled engine with symmetry: distinct
 *     states per second over the first few million states of a grouped transaction (the default mix)
 *     and of six individual backups. Target: at least 500,000 states per second.
 */
import { profileFor } from '../machines/index.ts';
import { exploreCompiled, exploreXstate, makeConfig, type ExploreResult } from '../explore/index.ts';

const RATIO_TARGET = 50;
const RATE_TARGET = 500_000;

function line(label: string, r: ExploreResult): void {
  process.stdout.write(
    `explore: ${label}: ${r.states.toLocaleString('en-US')} states, ${r.transitions.toLocaleString('en-US')} transitions in ${r.seconds.toFixed(2)} s = ${Math.round(r.statesPerSecond).toLocaleString('en-US')} states/s${r.complete ? '' : ' (stopped at the state limit)'}\n`,
  );
}

export default function exploreBench(): boolean {
  const profile = profileFor('10.1');
  const same = { config: makeConfig(profile, 3, true, 'backup'), alphabet: 'core' as const, symmetry: false };
  const xstate = exploreXstate(same);
  line('xstate engine, 3 grouped backups, core', xstate);
  let compiled = exploreCompiled(same);
  for (let i = 0; i < 4; i++) {
    const again = exploreCompiled(same);
    if (again.seconds < compiled.seconds) compiled = again;
  }
  line('compiled engine, same model (best of 5)', compiled);
  if (compiled.states !== xstate.states || compiled.transitions !== xstate.transitions) throw new Error('the engines disagree');
  const ratio = compiled.statesPerSecond / xstate.statesPerSecond;
  process.stdout.write(`explore: compiled / xstate = ${ratio.toFixed(0)}x (target ${RATIO_TARGET}x)\n`);

  const six = [
    { label: '6 jobs grouped (mirror + 5 backups), core, every invariant', r: exploreCompiled({ config: makeConfig(profile, 6, true), alphabet: 'core', maxStates: 2_000_000, deadEnds: false }) },
    { label: '6 individual backups, core, every invariant', r: exploreCompiled({ config: makeConfig(profile, 6, false, 'backup'), alphabet: 'core', maxStates: 3_000_000, deadEnds: false }) },
  ];
  for (const { label, r } of six) line(label, r);
  const rate = Math.min(...six.map((s) => s.r.statesPerSecond));
  process.stdout.write(`explore: 6 jobs: ${Math.round(rate).toLocaleString('en-US')} states/s at worst (target ${RATE_TARGET.toLocaleString('en-US')}; TLC: about 48,000 on two cores)\n`);
  const met = ratio >= RATIO_TARGET && rate >= RATE_TARGET;
  if (!met) process.stdout.write(`explore: target missed${ratio < RATIO_TARGET ? ' (ratio)' : ''}${rate < RATE_TARGET ? ` (6-job rate: ${(rate / RATE_TARGET * 100).toFixed(0)}% of target)` : ''}\n`);
  return met;
}
