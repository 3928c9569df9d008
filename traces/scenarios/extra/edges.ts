/**
 * Edges of job creation and I/O errors: a negative speed at creation (the job is created, then fails
 * before it starts: created, null), read errors on the source (on-source-error report, stop, ignore),
 * ENOSPC with on-target-error enospc (stop, io-status nospace) and EIO with enospc (report).
 */
import type { SetupStep } from '../../format.ts';
import { chainPrelude, chainSetup } from '../chain.ts';
import { cmd, nullNode, queries, SIZE, SLOW, status, verb, type CorpusScenario } from '../types.ts';

/**
 * A blkdebug filter over null-co failing `event` requests with `errno`. blkdebug sees `read_aio` only
 * from a format driver above it, so a failing read source is a raw node over the filter.
 */
function faulty(name: string, event: 'pwritev' | 'read_aio', errno: number, once = false): SetupStep {
  const filter = {
    driver: 'blkdebug',
    'node-name': event === 'read_aio' ? `${name}-dbg` : name,
    image: { driver: 'null-co', 'node-name': `${name}-img`, size: SIZE },
    'inject-error': [{ event, errno, ...(once ? { once: true } : {}) }],
  };
  return { blockdev: event === 'read_aio' ? { driver: 'raw', 'node-name': name, file: filter } : filter };
}

const nodes: SetupStep[] = [
  ...chainSetup,
  nullNode('src'),
  nullNode('dst'),
  nullNode('src1'),
  nullNode('dst1'),
  faulty('rbad', 'read_aio', 5),
  faulty('rflaky', 'read_aio', 5, true),
  faulty('full', 'pwritev', 28),
  faulty('eio', 'pwritev', 5),
];
const backup = (id: string, src: string, dst: string, extra: Record<string, unknown> = {}) => cmd('blockdev-backup', { 'job-id': id, device: src, target: dst, sync: 'full', ...extra });

export const edgeScenarios: readonly CorpusScenario[] = [
  {
    name: 'xerrors_negative_speed_at_creation',
    desc: 'every job-creating command with speed -1 (refused after the job was created: created, null inside the command), in a transaction too, while a speed-held backup runs',
    setup: nodes,
    steps: [
      ...chainPrelude,
      backup('r0', 'src1', 'dst1', { speed: SLOW }),
      backup('j0', 'src', 'dst', { speed: -1 }),
      cmd('blockdev-mirror', { 'job-id': 'm0', device: 'src', target: 'dst', sync: 'full', speed: -1 }),
      cmd('block-stream', { 'job-id': 's0', device: 'top', speed: -1 }),
      cmd('block-commit', { 'job-id': 'c0', device: 'top', 'top-node': 'mid', 'base-node': 'base', speed: -1 }),
      cmd('block-commit', { 'job-id': 'c1', device: 'top', speed: -1 }),
      cmd('transaction', { actions: [{ type: 'blockdev-backup', data: { 'job-id': 'j0', device: 'src', target: 'dst', sync: 'full', speed: -1 } }] }),
      ...queries,
      backup('j0', 'src', 'dst', { speed: 0 }),
      status('j0', 'null'),
      verb('job-cancel', 'r0'),
      status('r0', 'null'),
      ...queries,
    ],
  },
  {
    name: 'xio_error_source_read',
    desc: 'backups from a source whose reads fail: on-source-error report (fails), stop (paused, resumed, cancelled), ignore with a source failing once',
    setup: nodes,
    steps: [
      backup('j0', 'rbad', 'dst', { 'auto-dismiss': false }),
      status('j0', 'concluded'),
      ...queries,
      verb('job-dismiss', 'j0'),
      backup('j1', 'rbad', 'dst', { 'on-source-error': 'stop' }),
      status('j1', 'paused'),
      ...queries,
      verb('job-resume', 'j1'),
      status('j1', 'paused'),
      verb('block-job-cancel', 'j1', { force: true }),
      status('j1', 'null'),
      backup('j2', 'rflaky', 'dst', { 'on-source-error': 'ignore', 'auto-dismiss': false }),
      status('j2', 'concluded'),
      ...queries,
      verb('job-dismiss', 'j2'),
    ],
  },
  {
    name: 'xio_error_enospc',
    desc: 'backup to a target failing with ENOSPC under on-target-error enospc: stops (io-status nospace), resume stops again, job-cancel; the same action with EIO reports and fails',
    setup: nodes,
    steps: [
      backup('j0', 'src', 'full', { 'on-target-error': 'enospc' }),
      status('j0', 'paused'),
      ...queries,
      verb('job-resume', 'j0'),
      status('j0', 'paused'),
      cmd('query-block-jobs'),
      verb('job-cancel', 'j0'),
      status('j0', 'null'),
      backup('j1', 'src', 'eio', { 'on-target-error': 'enospc', 'auto-dismiss': false }),
      status('j1', 'concluded'),
      ...queries,
      verb('job-dismiss', 'j1'),
      backup('j2', 'src', 'full', { 'auto-dismiss': false }),
      status('j2', 'concluded'),
      ...queries,
      verb('job-dismiss', 'j2'),
    ],
  },
];

/** Other sync modes and the drive-* spellings (the target file created by QEMU). */
export const syncScenarios: readonly CorpusScenario[] = [
  {
    name: 'xsync_modes_and_drive_commands',
    desc: 'backup sync none (runs until cancelled), top and incremental (with a bitmap), mirror sync none and top, drive-backup and drive-mirror to files QEMU creates',
    setup: [nullNode('src'), nullNode('dst'), nullNode('dst1'), nullNode('dst2'), { 'qemu-img': 'create', format: 'raw', file: 'a.raw', size: '64M' }, { blockdev: { driver: 'raw', 'node-name': 'a', file: { driver: 'file', 'node-name': 'a-file', filename: 'a.raw' } } }],
    steps: [
      backup('j0', 'src', 'dst', { sync: 'none' }),
      cmd('block-dirty-bitmap-add', { node: 'a', name: 'b0' }),
      backup('j1', 'a', 'dst1', { sync: 'incremental', bitmap: 'b0', 'auto-dismiss': false }),
      status('j1', 'concluded'),
      verb('job-dismiss', 'j1'),
      backup('j2', 'a', 'dst1', { sync: 'top', 'auto-dismiss': false }),
      status('j2', 'concluded'),
      verb('job-dismiss', 'j2'),
      ...queries,
      cmd('blockdev-mirror', { 'job-id': 'm0', device: 'a', target: 'dst2', sync: 'none' }),
      status('m0', 'ready'),
      verb('job-complete', 'm0'),
      status('m0', 'null'),
      cmd('blockdev-mirror', { 'job-id': 'm1', device: 'a', target: 'dst2', sync: 'top', 'auto-finalize': false }),
      status('m1', 'ready'),
      verb('block-job-cancel', 'm1'),
      status('m1', 'pending'),
      verb('job-finalize', 'm1'),
      cmd('drive-backup', { 'job-id': 'd0', device: 'a', target: 'db.raw', format: 'raw', sync: 'full', 'auto-dismiss': false }),
      status('d0', 'concluded'),
      ...queries,
      verb('job-dismiss', 'd0'),
      cmd('drive-mirror', { 'job-id': 'd1', device: 'a', target: 'dm.raw', format: 'raw', sync: 'full' }),
      status('d1', 'ready'),
      verb('job-cancel', 'd1'),
      status('d1', 'null'),
      cmd('drive-backup', { device: 'a', target: 'dn.raw', format: 'raw', sync: 'full' }),
      ...queries,
      verb('block-job-cancel', 'j0'),
      status('j0', 'null'),
      ...queries,
    ],
  },
];
