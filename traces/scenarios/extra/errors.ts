/**
 * Refused commands while other jobs run (each graph change blips running backups; 10.0 many times):
 * duplicate and invalid ids for every job-creating command, busy nodes, unknown nodes, verbs on unknown
 * jobs, commands that do not exist, and unrelated commands interleaved.
 */
import { cmd, nullNode, queries, SIZE, SLOW, status, verb, type CorpusScenario } from '../types.ts';
import { chainPrelude, chainSetup } from '../chain.ts';

const nodes = [...chainSetup, nullNode('src'), nullNode('dst'), nullNode('src1'), nullNode('dst1'), nullNode('dst2'), nullNode('msrc'), nullNode('mdst')];
const backup = (id: string, src: string, dst: string, extra: Record<string, unknown> = {}) => cmd('blockdev-backup', { 'job-id': id, device: src, target: dst, sync: 'full', ...extra });
const mirror = (id: string, src: string, dst: string, extra: Record<string, unknown> = {}) => cmd('blockdev-mirror', { 'job-id': id, device: src, target: dst, sync: 'full', ...extra });

export const errorScenarios: readonly CorpusScenario[] = [
  {
    name: 'xerrors_duplicate_job_id_many_running',
    desc: 'two speed-held backups and a speed-held mirror run while duplicate ids (backup, mirror, stream, commit, create, amend), invalid ids and busy targets are refused; unknown-job verbs; then all are cancelled',
    setup: nodes,
    steps: [
      ...chainPrelude,
      backup('j0', 'src', 'dst', { speed: SLOW }),
      backup('j1', 'src1', 'dst1', { speed: SLOW }),
      mirror('m0', 'msrc', 'mdst', { speed: SLOW }),
      backup('j0', 'src', 'dst2', { speed: SLOW }),
      backup('j1', 'src1', 'dst2'),
      backup('m0', 'src1', 'dst2'),
      mirror('j0', 'src1', 'dst2'),
      mirror('m0', 'src1', 'dst2'),
      cmd('block-stream', { 'job-id': 'j0', device: 'top' }),
      cmd('block-commit', { 'job-id': 'j1', device: 'top', 'top-node': 'mid', 'base-node': 'base' }),
      cmd('blockdev-create', { 'job-id': 'm0', options: { driver: 'file', filename: 'x.raw', size: SIZE } }),
      cmd('x-blockdev-amend', { 'job-id': 'j0', 'node-name': 'top', options: { driver: 'qcow2' } }),
      backup('1bad', 'src1', 'dst2'),
      backup('', 'src1', 'dst2'),
      mirror('#bad', 'src1', 'dst2'),
      backup('j2', 'src1', 'dst'),
      backup('j2', 'src1', 'mdst'),
      mirror('m1', 'msrc', 'dst2'),
      backup('j2', 'nosuch', 'dst2'),
      backup('j2', 'src1', 'nosuch'),
      ...queries,
      verb('job-pause', 'nosuch'),
      verb('block-job-cancel', 'nosuch'),
      cmd('query-version'),
      cmd('job-set-speed', { id: 'j0', speed: 0 }),
      ...queries,
      verb('job-cancel', 'j0'),
      status('j0', 'null'),
      ...queries,
      verb('block-job-cancel', 'm0'),
      status('m0', 'null'),
      verb('job-cancel', 'j1'),
      status('j1', 'null'),
      ...queries,
    ],
  },
  {
    name: 'xerrors_reuse_ids_across_types',
    desc: 'ids reused after dismissal by jobs of other types (backup j0, then create j0, then mirror j0, then amend j0), with stale verbs on the old ones',
    setup: [...nodes, { 'qemu-img': 'create', format: 'qcow2', file: 'img.qcow2', size: '64M' }, { blockdev: { driver: 'qcow2', 'node-name': 'img', file: { driver: 'file', 'node-name': 'img-file', filename: 'img.qcow2' } } }],
    steps: [
      backup('j0', 'src', 'dst', { 'auto-dismiss': false }),
      status('j0', 'concluded'),
      verb('job-dismiss', 'j0'),
      cmd('blockdev-create', { 'job-id': 'j0', options: { driver: 'file', filename: 'x.raw', size: SIZE } }),
      status('j0', 'concluded'),
      verb('block-job-dismiss', 'j0'),
      verb('job-dismiss', 'j0'),
      mirror('j0', 'msrc', 'mdst'),
      status('j0', 'ready'),
      ...queries,
      verb('job-complete', 'j0'),
      status('j0', 'null'),
      cmd('x-blockdev-amend', { 'job-id': 'j0', 'node-name': 'img', options: { driver: 'qcow2' } }),
      status('j0', 'concluded'),
      ...queries,
      verb('block-job-cancel', 'j0'),
      verb('job-cancel', 'j0'),
      verb('job-dismiss', 'j0'),
      ...queries,
    ],
  },
];
