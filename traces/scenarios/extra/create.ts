/**
 * Create and amend jobs failing and succeeding, one after the other and while a block job runs.
 */
import { cmd, nullNode, queries, SIZE, SLOW, status, verb, type CorpusScenario } from '../types.ts';

const setup = [
  nullNode('src'),
  nullNode('dst'),
  nullNode('slow', { 'read-zeroes': true, 'latency-ns': 1_000_000_000 }),
  { 'qemu-img': 'create', format: 'raw', file: 'f.raw', size: 0 },
  { blockdev: { driver: 'file', 'node-name': 'f-file', filename: 'f.raw' } },
  { 'qemu-img': 'create', format: 'qcow2', file: 'img.qcow2', size: '64M' },
  { blockdev: { driver: 'qcow2', 'node-name': 'img', file: { driver: 'file', 'node-name': 'img-file', filename: 'img.qcow2' } } },
] as const;
const create = (id: string, options: Record<string, unknown>) => cmd('blockdev-create', { 'job-id': id, options });
const amend = (id: string, options: Record<string, unknown>, node = 'img') => cmd('x-blockdev-amend', { 'job-id': id, 'node-name': node, options });

export const createScenarios: readonly CorpusScenario[] = [
  {
    name: 'xcreate_error_listed_while_running',
    desc: 'a slow create job (it fails: no qcow2 header on null-co) beside a speed-held backup; job-cancel of the backup waits in a drained section until the create job has failed, so the query pipelined behind it may list the create job running with its error, before it goes aborting',
    setup: [nullNode('src'), nullNode('dst'), nullNode('slow', { 'read-zeroes': true, 'latency-ns': 200_000_000 })],
    steps: [
      cmd('blockdev-backup', { 'job-id': 'j0', device: 'src', target: 'dst', sync: 'full', speed: SLOW }),
      create('k0', { driver: 'qcow2', file: 'slow', size: SIZE }),
      verb('job-cancel', 'j0'),
      cmd('query-jobs', undefined, true),
      cmd('query-jobs', undefined, true),
      { sleep: 1 },
      ...queries,
      verb('job-dismiss', 'k0'),
    ],
  },
  {
    name: 'xcreate_fail_and_succeed',
    desc: 'blockdev-create failing (missing folder, qcow2 on a missing node, no create support) and succeeding (file, qcow2 on a file node), amend succeeding and failing, while a speed-held backup runs; dismiss them in another order',
    setup,
    steps: [
      cmd('blockdev-backup', { 'job-id': 'j0', device: 'src', target: 'dst', sync: 'full', speed: SLOW }),
      create('k0', { driver: 'file', filename: 'no-such-dir/x.raw', size: SIZE }),
      status('k0', 'concluded'),
      create('k1', { driver: 'qcow2', file: 'nosuch', size: SIZE }),
      status('k1', 'concluded'),
      create('k2', { driver: 'null-co' }),
      create('k3', { driver: 'file', filename: 'new.raw', size: SIZE }),
      status('k3', 'concluded'),
      create('k4', { driver: 'qcow2', file: 'f-file', size: SIZE }),
      status('k4', 'concluded'),
      ...queries,
      amend('a0', { driver: 'qcow2' }),
      status('a0', 'concluded'),
      amend('a1', { driver: 'qcow2', encrypt: { format: 'luks', state: 'active', 'new-secret': 'nosuch' } }),
      status('a1', 'concluded'),
      amend('a2', { driver: 'luks', state: 'active', 'new-secret': 'nosuch' }),
      amend('a3', { driver: 'qcow2' }, 'nosuch'),
      ...queries,
      verb('job-dismiss', 'k3'),
      verb('job-dismiss', 'a1'),
      verb('job-dismiss', 'k0'),
      verb('job-dismiss', 'a0'),
      verb('job-dismiss', 'k4'),
      verb('job-dismiss', 'k1'),
      ...queries,
      verb('job-cancel', 'j0'),
      status('j0', 'null'),
    ],
  },
  {
    name: 'xcreate_running_with_backup',
    desc: 'a speed-held backup, then a slow create job (on 10.0 the graph changes that follow wait for the create job to end): job-pause on the create job (accepted, stays running), duplicate id of the create job for a backup, cancel of the create (no effect), queries while both run',
    setup,
    steps: [
      cmd('blockdev-backup', { 'job-id': 'j0', device: 'src', target: 'dst', sync: 'full', speed: SLOW }),
      create('k0', { driver: 'qcow2', file: 'slow', size: SIZE }),
      ...queries,
      verb('job-pause', 'k0'),
      verb('job-pause', 'k0'),
      verb('job-pause', 'j0'),
      cmd('blockdev-backup', { 'job-id': 'k0', device: 'src', target: 'dst', sync: 'full' }),
      ...queries,
      verb('job-resume', 'k0'),
      verb('job-resume', 'k0'),
      verb('job-cancel', 'k0'),
      ...queries,
      { sleep: 3.5 },
      ...queries,
      verb('job-dismiss', 'k0'),
      verb('job-cancel', 'j0'),
      status('j0', 'null'),
      ...queries,
    ],
  },
];
