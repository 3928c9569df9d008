/**
 * Seeded random sessions: a few jobs of several types started at once (backups, a mirror, a grouped
 * transaction, a stream, create and amend jobs), then random job-* / block-job-* commands on them (and
 * on unknown ids), random speeds, queries, short sleeps and pipelined sends, ending with quit or not.
 * The same seed gives the same script; QEMU's answers differ with timing. query-named-block-nodes is
 * left out: QEMU 7.2 and 10.0 crash on it (SIGSEGV) while a stream job is concluded and not dismissed.
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { SetupStep } from '../../format.ts';
import type { ScenarioStep } from '../../scenario.ts';
import { cmd, failingNode, nullNode, SIZE, SLOW, type CorpusScenario } from '../types.ts';
import { fileNodes } from './races.ts';

const setup: readonly SetupStep[] = [
  ...['src0', 'src1', 'src2', 'src3', 'dst0', 'dst1', 'dst2', 'dst3', 'msrc', 'mdst'].map((n) => nullNode(n)),
  nullNode('slow', { 'read-zeroes': true, 'latency-ns': 200_000_000 }),
  failingNode('bad'),
  ...fileNodes(['fsrc', 'fdst']),
  { blockdev: { driver: 'null-co', 'node-name': 'sbase', size: SIZE, 'read-zeroes': true } },
  { 'qemu-img': 'create', format: 'qcow2', file: 'stop.qcow2', size: '64M' },
  { blockdev: { driver: 'qcow2', 'node-name': 'stop', backing: 'sbase', file: { driver: 'file', 'node-name': 'stop-file', filename: 'stop.qcow2' } } },
  { 'qemu-img': 'create', format: 'qcow2', file: 'img.qcow2', size: '64M' },
  { blockdev: { driver: 'qcow2', 'node-name': 'img', file: { driver: 'file', 'node-name': 'img-file', filename: 'img.qcow2' } } },
];

/** Floats in [0, 1) from pure-rand's xoroshiro128+, seeded. */
function rng(seed: number): () => number {
  const generator = xoroshiro128plus(seed);
  return () => uniformFloat64(generator);
}

const VERBS = [
  'job-pause', 'job-resume', 'job-cancel', 'job-complete', 'job-finalize', 'job-dismiss',
  'block-job-pause', 'block-job-resume', 'block-job-cancel', 'block-job-complete', 'block-job-finalize', 'block-job-dismiss', 'block-job-set-speed',
] as const;

function randomScenario(seed: number, withChange: boolean): CorpusScenario {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const flag = (p: number) => r() < p;
  const flags = (): Record<string, unknown> => ({ ...(flag(0.4) ? { 'auto-finalize': false } : {}), ...(flag(0.4) ? { 'auto-dismiss': false } : {}) });
  const speed = (): Record<string, unknown> => (flag(0.7) ? { speed: pick([SLOW, 4 * SLOW, 32 * SLOW]) } : {});
  const steps: ScenarioStep[] = [];
  const ids = ['j0', 'j1', 'j2', 'g0', 'g1', 'm0', 's0', 'k0', 'a0', 'f0'];
  const creators: Record<string, () => ScenarioStep> = {
    j0: () => cmd('blockdev-backup', { 'job-id': 'j0', device: 'src0', target: 'dst0', sync: 'full', ...speed(), ...flags() }),
    j1: () => cmd('blockdev-backup', { 'job-id': 'j1', device: 'src1', target: flag(0.3) ? 'bad' : 'dst1', sync: 'full', ...speed(), ...flags(), ...(flag(0.3) ? { 'on-target-error': pick(['stop', 'report', 'enospc']) } : {}) }),
    j2: () => cmd('blockdev-backup', { 'job-id': 'j2', device: 'src0', target: 'dst3', sync: 'full', ...speed(), ...flags() }),
    g0: () =>
      cmd('transaction', {
        actions: [
          { type: 'blockdev-backup', data: { 'job-id': 'g0', device: 'src2', target: 'dst2', sync: 'full', ...speed(), ...flags() } },
          { type: 'blockdev-backup', data: { 'job-id': 'g1', device: 'src3', target: flag(0.2) ? 'bad' : 'dst3', sync: 'full', ...speed(), ...flags() } },
        ],
        ...(flag(0.7) ? { properties: { 'completion-mode': 'grouped' } } : {}),
      }),
    m0: () => cmd('blockdev-mirror', { 'job-id': 'm0', device: 'msrc', target: 'mdst', sync: 'full', ...speed(), ...flags(), ...(withChange && flag(0.3) ? { 'copy-mode': 'write-blocking' } : {}) }),
    s0: () => cmd('block-stream', { 'job-id': 's0', device: 'stop', ...speed(), ...flags() }),
    k0: () => cmd('blockdev-create', { 'job-id': 'k0', options: flag(0.5) ? { driver: 'file', filename: 'new.raw', size: SIZE } : { driver: 'qcow2', file: 'slow', size: SIZE } }),
    a0: () => cmd('x-blockdev-amend', { 'job-id': 'a0', 'node-name': 'img', options: { driver: 'qcow2' } }),
    f0: () => cmd('blockdev-backup', { 'job-id': 'f0', device: 'fsrc', target: 'fdst', sync: 'full', ...flags() }),
  };
  const creatable = Object.keys(creators);
  for (const id of creatable) if (flag(0.6)) steps.push({ ...creators[id]!(), ...(steps.length > 0 && flag(0.2) ? { pipeline: true } : {}) });
  const n = 30 + Math.floor(r() * 30);
  for (let i = 0; i < n; i++) {
    const x = r();
    let step: ScenarioStep;
    if (x < 0.08) step = creators[pick(creatable)]!();
    else if (x < 0.2) step = cmd(pick(['query-jobs', 'query-block-jobs', 'query-jobs', 'query-block-jobs', 'query-version', 'query-version']));
    else if (x < 0.26) {
      steps.push({ sleep: pick([0.02, 0.05, 0.1, 0.3]) });
      continue;
    } else if (withChange && x < 0.3) {
      step = cmd('block-job-change', { id: pick([...ids, 'nosuch']), type: pick(['mirror', 'mirror', 'backup', 'stream']), 'copy-mode': pick(['background', 'write-blocking']) });
    } else {
      const verb = pick(VERBS);
      const id = flag(0.05) ? 'nosuch' : pick(ids);
      const key = verb.startsWith('job-') || verb === 'block-job-finalize' || verb === 'block-job-dismiss' ? 'id' : 'device';
      const extra: Record<string, unknown> = verb === 'block-job-set-speed' ? { speed: pick([0, 0, SLOW, 8 * SLOW, -1]) } : verb === 'block-job-cancel' && flag(0.5) ? { force: true } : {};
      step = cmd(verb, { [key]: id, ...extra });
    }
    steps.push(flag(0.3) ? { ...step, pipeline: true } : step);
  }
  steps.push({ sleep: 0.3 }, cmd('query-jobs'), cmd('query-block-jobs'));
  if (flag(0.5)) steps.push(cmd('quit'), { sleep: 0.3 });
  return {
    name: `xrandom_${withChange ? 'change_' : ''}${seed}`,
    desc: `random commands on several jobs (seed ${seed})`,
    ...(withChange ? { minRelease: '8.2' } : {}),
    setup,
    steps,
  };
}

/**
 * A grouped (or individual) transaction of three backups, one perhaps to a failing target with
 * on-target-error stop or report, then random verbs on the members, densely pipelined.
 */
function randomTxnScenario(seed: number): CorpusScenario {
  const r = rng(seed * 7919);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const flag = (p: number) => r() < p;
  const ids = ['j0', 'j1', 'j2'];
  const action = (n: number) => ({
    type: 'blockdev-backup',
    data: {
      'job-id': ids[n],
      device: `src${n}`,
      target: n === 2 && flag(0.4) ? 'bad' : `dst${n}`,
      sync: 'full',
      ...(flag(0.6) ? { speed: pick([SLOW, 8 * SLOW]) } : {}),
      ...(flag(0.4) ? { 'auto-finalize': false } : {}),
      ...(flag(0.4) ? { 'auto-dismiss': false } : {}),
      ...(flag(0.5) ? { 'on-target-error': pick(['stop', 'report', 'stop']) } : {}),
    },
  });
  const steps: ScenarioStep[] = [cmd('transaction', { actions: [action(0), action(1), action(2)], ...(flag(0.8) ? { properties: { 'completion-mode': 'grouped' } } : {}) })];
  const n = 15 + Math.floor(r() * 20);
  for (let i = 0; i < n; i++) {
    const x = r();
    let step: ScenarioStep;
    if (x < 0.15) step = cmd(pick(['query-jobs', 'query-block-jobs']));
    else if (x < 0.25) {
      steps.push({ sleep: pick([0.01, 0.05, 0.2]) });
      continue;
    } else {
      const verb = pick([...VERBS, 'job-pause', 'job-cancel', 'block-job-set-speed', 'job-resume', 'job-finalize']);
      const key = verb.startsWith('job-') || verb === 'block-job-finalize' || verb === 'block-job-dismiss' ? 'id' : 'device';
      const extra: Record<string, unknown> = verb === 'block-job-set-speed' ? { speed: pick([0, 0, SLOW]) } : verb === 'block-job-cancel' && flag(0.5) ? { force: true } : {};
      step = cmd(verb, { [key]: pick(ids), ...extra });
    }
    steps.push(flag(0.5) ? { ...step, pipeline: true } : step);
  }
  steps.push({ sleep: 0.3 }, cmd('query-jobs'), cmd('query-block-jobs'));
  return { name: `xrandom_txn_${seed}`, desc: `random commands on the members of a three-backup transaction (seed ${seed})`, setup, steps };
}

/** Mirror-like jobs: mirrors (one from a file to a failing target), an active commit; completes, cancels, pauses. */
function randomMirrorScenario(seed: number): CorpusScenario {
  const r = rng(seed * 104729);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const flag = (p: number) => r() < p;
  const flags = (): Record<string, unknown> => ({ ...(flag(0.5) ? { 'auto-finalize': false } : {}), ...(flag(0.5) ? { 'auto-dismiss': false } : {}) });
  const ids = ['m0', 'm1', 'c0'];
  const creators: Record<string, () => ScenarioStep> = {
    m0: () => cmd('blockdev-mirror', { 'job-id': 'm0', device: 'msrc', target: 'mdst', sync: 'full', ...(flag(0.5) ? { speed: SLOW } : {}), ...flags() }),
    m1: () => cmd('blockdev-mirror', { 'job-id': 'm1', device: 'fsrc', target: flag(0.5) ? 'bad' : 'fdst', sync: 'full', ...(flag(0.5) ? { 'on-target-error': pick(['stop', 'report']) } : {}), ...flags() }),
    c0: () => cmd('block-commit', { 'job-id': 'c0', device: 'stop', ...(flag(0.5) ? { speed: SLOW } : {}), ...flags() }),
  };
  const steps: ScenarioStep[] = ids.filter(() => flag(0.8)).map((id) => creators[id]!());
  const n = 20 + Math.floor(r() * 25);
  for (let i = 0; i < n; i++) {
    const x = r();
    let step: ScenarioStep;
    if (x < 0.06) step = creators[pick(ids)]!();
    else if (x < 0.18) step = cmd(pick(['query-jobs', 'query-block-jobs']));
    else if (x < 0.26) {
      steps.push({ sleep: pick([0.01, 0.05, 0.2]) });
      continue;
    } else {
      const verb = pick([...VERBS, 'job-complete', 'block-job-complete', 'job-pause', 'job-resume', 'block-job-cancel', 'block-job-set-speed']);
      const key = verb.startsWith('job-') || verb === 'block-job-finalize' || verb === 'block-job-dismiss' ? 'id' : 'device';
      const extra: Record<string, unknown> = verb === 'block-job-set-speed' ? { speed: pick([0, 0, SLOW]) } : verb === 'block-job-cancel' && flag(0.4) ? { force: true } : {};
      step = cmd(verb, { [key]: pick(ids), ...extra });
    }
    steps.push(flag(0.4) ? { ...step, pipeline: true } : step);
  }
  steps.push({ sleep: 0.3 }, cmd('query-jobs'), cmd('query-block-jobs'));
  if (flag(0.3)) steps.push(cmd('quit'), { sleep: 0.3 });
  return { name: `xrandom_mirror_${seed}`, desc: `random commands on mirrors and an active commit (seed ${seed})`, setup, steps };
}

/** Seeds 1..N, plus some with block-job-change (8.2 and later), plus transaction and mirror sessions. */
export const randomScenarios: readonly CorpusScenario[] = [
  ...Array.from({ length: 120 }, (_, i) => randomScenario(i + 1, false)),
  ...Array.from({ length: 60 }, (_, i) => randomScenario(1001 + i, true)),
  ...Array.from({ length: 80 }, (_, i) => randomTxnScenario(i + 1)),
  ...Array.from({ length: 60 }, (_, i) => randomMirrorScenario(i + 1)),
];
