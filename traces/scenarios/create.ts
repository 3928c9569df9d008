/**
 * Create jobs (blockdev-create): plain jobs, not block jobs, always dismissed by hand; invisible to
 * query-block-jobs and block-job-*. A qcow2 create on a null-co node with 1 s latency per request stays
 * running for about 3 s (it then fails: null-co reads back no qcow2 header), long enough to try verbs.
 */
import { cmd, nullNode, queries, SIZE, status, verb, verbs, type CorpusScenario } from './types.ts';

const create = (id: string, options: Record<string, unknown>) => cmd('blockdev-create', { 'job-id': id, options });
const slowNode = nullNode('slow', { 'read-zeroes': true, 'latency-ns': 1_000_000_000 });

export const createScenarios: readonly CorpusScenario[] = [
  {
    name: 'create_file',
    desc: 'blockdev-create of a file in the target folder: created, running, waiting, pending, concluded; not in query-block-jobs; block-job-* verbs cannot find it; job-* verbs in concluded; job-dismiss',
    setup: [nullNode('src')],
    steps: [
      create('k0', { driver: 'file', filename: 'new.raw', size: SIZE }),
      status('k0', 'concluded'),
      ...queries,
      ...verbs('k0', ['job-pause', 'job-resume', 'job-cancel', 'job-complete', 'job-finalize']),
      ...verbs('k0', ['block-job-pause', 'block-job-resume', 'block-job-cancel', 'block-job-complete', 'block-job-finalize', 'block-job-dismiss', ['block-job-set-speed', { speed: 0 }]]),
      verb('job-dismiss', 'k0'),
      status('k0', 'null'),
      ...queries,
    ],
  },
  {
    name: 'create_fail',
    desc: 'blockdev-create failing inside the job (a file in a missing folder; qcow2 on a missing node): running, aborting, concluded with error; a driver without create support is refused at command time',
    setup: [nullNode('src')],
    steps: [
      create('k0', { driver: 'file', filename: 'no-such-dir/x.raw', size: SIZE }),
      status('k0', 'concluded'),
      ...queries,
      verb('job-dismiss', 'k0'),
      status('k0', 'null'),
      create('k1', { driver: 'qcow2', file: 'nosuch', size: SIZE }),
      status('k1', 'concluded'),
      ...queries,
      verb('job-dismiss', 'k1'),
      status('k1', 'null'),
      create('k2', { driver: 'null-co' }),
      create('k3', { driver: 'raw' }),
      ...queries,
    ],
  },
  {
    name: 'create_running',
    desc: 'a create job held in running by a slow node: job-pause is accepted but the job stays running (no pause point), a second pause is refused as already paused, resume works once; complete, finalize and dismiss refused; block-job-* cannot find it; it then fails (no qcow2 header on null-co) and is dismissed',
    setup: [slowNode],
    steps: [
      create('k0', { driver: 'qcow2', file: 'slow', size: SIZE }),
      ...queries,
      verb('job-pause', 'k0'),
      cmd('query-jobs'),
      ...verbs('k0', ['job-pause', 'job-resume', 'job-resume', 'job-complete', 'job-finalize', 'job-dismiss']),
      ...verbs('k0', ['block-job-pause', 'block-job-resume', 'block-job-cancel', 'block-job-complete', 'block-job-finalize', 'block-job-dismiss', ['block-job-set-speed', { speed: 0 }]]),
      status('k0', 'concluded'),
      ...queries,
      verb('job-dismiss', 'k0'),
      status('k0', 'null'),
    ],
  },
  {
    name: 'create_cancel',
    desc: 'job-cancel of a running create job is accepted but does not stop it (a create job has no cancel point): it runs to its own end, here a failure with its own error, not "Operation canceled"; then cancel in concluded refused',
    setup: [slowNode],
    steps: [
      create('k0', { driver: 'qcow2', file: 'slow', size: SIZE }),
      verb('job-cancel', 'k0'),
      status('k0', 'concluded'),
      ...queries,
      verb('job-cancel', 'k0'),
      verb('job-dismiss', 'k0'),
      status('k0', 'null'),
    ],
  },
];
