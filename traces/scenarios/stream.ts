/**
 * Stream jobs (block-stream) into a qcow2 `top` over a null-co node that reads zeroes (chain.ts): held in
 * running by a 1 MiB/s speed; never ready, so complete is refused.
 */
import { streamSetup } from './chain.ts';
import { cmd, NEGATIVE_SPEED, queries, SLOW, status, verb, verbs, type CorpusScenario } from './types.ts';

const stream = (id: string, extra: Record<string, unknown> = {}) => cmd('block-stream', { 'job-id': id, device: 'top', ...extra });

export const streamScenarios: readonly CorpusScenario[] = [
  {
    name: 'stream_lifecycle',
    desc: 'block-stream held in running by a 1 MiB/s speed: refused verbs in both spellings (complete too), pause and resume in both spellings, speed 0, pending (auto-finalize false), verbs in pending, job-finalize, concluded, job-dismiss',
    setup: streamSetup,
    steps: [
      stream('s0', { speed: SLOW, 'auto-finalize': false, 'auto-dismiss': false }),
      ...queries,
      ...verbs('s0', ['job-resume', 'job-complete', 'job-finalize', 'job-dismiss', 'block-job-resume', 'block-job-complete', 'block-job-finalize', 'block-job-dismiss', NEGATIVE_SPEED]),
      verb('block-job-pause', 's0'),
      status('s0', 'paused'),
      ...verbs('s0', ['job-pause', 'block-job-cancel', 'job-complete', 'job-dismiss']),
      verb('block-job-resume', 's0'),
      status('s0', 'running'),
      verb('job-pause', 's0'),
      status('s0', 'paused'),
      verb('job-resume', 's0'),
      status('s0', 'running'),
      verb('block-job-set-speed', 's0', { speed: 0 }),
      status('s0', 'pending'),
      ...queries,
      ...verbs('s0', ['job-pause', 'job-complete', 'block-job-dismiss', ['block-job-set-speed', { speed: SLOW }]]),
      verb('block-job-finalize', 's0'),
      status('s0', 'concluded'),
      ...queries,
      ...verbs('s0', ['job-cancel', 'job-finalize']),
      verb('block-job-dismiss', 's0'),
      status('s0', 'null'),
      ...queries,
    ],
  },
  {
    name: 'stream_cancel',
    desc: 'a running stream cancelled with block-job-cancel (auto-dismiss: gone at once), and a paused one with job-cancel',
    setup: streamSetup,
    steps: [
      stream('s0', { speed: SLOW }),
      verb('block-job-cancel', 's0'),
      status('s0', 'null'),
      ...queries,
      stream('s1', { speed: SLOW, 'auto-dismiss': false }),
      verb('job-pause', 's1'),
      status('s1', 'paused'),
      verb('job-cancel', 's1'),
      status('s1', 'concluded'),
      ...queries,
      verb('job-dismiss', 's1'),
      status('s1', 'null'),
    ],
  },
];
