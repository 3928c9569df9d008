/**
 * Amend jobs (x-blockdev-amend) on a qcow2 image: plain jobs, dismissed by hand, like create.
 */
import { cmd, queries, status, verb, verbs, type CorpusScenario } from './types.ts';

const amend = (id: string, options: Record<string, unknown>) => cmd('x-blockdev-amend', { 'job-id': id, 'node-name': 'img', options });

export const amendScenarios: readonly CorpusScenario[] = [
  {
    name: 'amend_qcow2',
    desc: 'x-blockdev-amend of a qcow2 image with nothing to change succeeds (created..concluded, then job-dismiss); adding encryption to a plain image fails inside the job; a driver mismatch is refused at command time; block-job-* cannot find amend jobs',
    setup: [
      { 'qemu-img': 'create', format: 'qcow2', file: 'img.qcow2', size: '64M' },
      { blockdev: { driver: 'qcow2', 'node-name': 'img', file: { driver: 'file', 'node-name': 'img-file', filename: 'img.qcow2' } } },
    ],
    steps: [
      amend('a0', { driver: 'qcow2' }),
      status('a0', 'concluded'),
      ...queries,
      ...verbs('a0', ['job-cancel', 'job-finalize', 'block-job-dismiss']),
      verb('job-dismiss', 'a0'),
      status('a0', 'null'),
      amend('a1', { driver: 'qcow2', encrypt: { format: 'luks', state: 'active', 'new-secret': 'nosuch' } }),
      status('a1', 'concluded'),
      ...queries,
      verb('job-dismiss', 'a1'),
      status('a1', 'null'),
      amend('a2', { driver: 'luks', state: 'active', 'new-secret': 'nosuch' }),
      ...queries,
    ],
  },
];
