/**
 * I/O errors during a job: the target is a blkdebug filter over null-co that fails every write with EIO,
 * under each on-target-error action (report, stop, ignore). With ignore the target fails only its first
 * write: a backup retries a failed cluster, so a target that always fails makes an ignoring backup emit
 * BLOCK_JOB_ERROR for ever. The mirror's source is a sparse raw file: a null-co source is not copied at
 * all (without read-zeroes it is discarded, with read-zeroes the zero target is left as it is).
 */
import { cmd, event, failingNode, nullNode, queries, status, verb, verbs, type CorpusScenario } from './types.ts';

const nodes = [
  nullNode('src'),
  { 'qemu-img': 'create', format: 'raw', file: 'file.raw', size: '64M' },
  { blockdev: { driver: 'raw', 'node-name': 'file', file: { driver: 'file', 'node-name': 'file-proto', filename: 'file.raw' } } },
  failingNode('bad'),
  failingNode('flaky', true),
] as const;
const backup = (id: string, extra: Record<string, unknown>) => cmd('blockdev-backup', { 'job-id': id, device: 'src', target: 'bad', sync: 'full', ...extra });
const mirror = (id: string, extra: Record<string, unknown>) => cmd('blockdev-mirror', { 'job-id': id, device: 'file', target: 'bad', sync: 'full', ...extra });

export const ioErrorScenarios: readonly CorpusScenario[] = [
  {
    name: 'io_error_backup_report',
    desc: 'backup to a failing target, on-target-error report (default), auto-finalize and auto-dismiss false: BLOCK_JOB_ERROR, aborting, BLOCK_JOB_COMPLETED with error, concluded (pending skipped); error in both queries; dismiss',
    setup: nodes,
    steps: [
      backup('j0', { 'auto-finalize': false, 'auto-dismiss': false }),
      status('j0', 'concluded'),
      ...queries,
      ...verbs('j0', ['job-finalize', 'job-cancel']),
      verb('job-dismiss', 'j0'),
      status('j0', 'null'),
    ],
  },
  {
    name: 'io_error_backup_stop',
    desc: 'backup to a failing target, on-target-error stop: BLOCK_JOB_ERROR then paused without a command (io-status failed); pause refused as already paused, block-job-cancel refused as paused; resume retries and stops again; job-cancel ends it',
    setup: nodes,
    steps: [
      backup('j0', { 'on-target-error': 'stop', 'auto-dismiss': false }),
      status('j0', 'paused'),
      ...queries,
      ...verbs('j0', ['job-pause', 'block-job-pause', 'block-job-cancel', 'job-complete']),
      verb('job-resume', 'j0'),
      status('j0', 'running'),
      status('j0', 'paused'),
      ...queries,
      verb('block-job-resume', 'j0'),
      status('j0', 'running'),
      status('j0', 'paused'),
      verb('job-cancel', 'j0'),
      status('j0', 'concluded'),
      ...queries,
      verb('job-dismiss', 'j0'),
      status('j0', 'null'),
    ],
  },
  {
    name: 'io_error_backup_ignore',
    desc: 'backup to a target whose first write fails, on-target-error ignore: BLOCK_JOB_ERROR (action ignore), the cluster is retried and the job completes normally',
    setup: nodes,
    steps: [cmd('blockdev-backup', { 'job-id': 'j0', device: 'src', target: 'flaky', sync: 'full', 'on-target-error': 'ignore', 'auto-dismiss': false }), status('j0', 'concluded'), ...queries, verb('job-dismiss', 'j0'), status('j0', 'null')],
  },
  {
    name: 'io_error_mirror_report',
    desc: 'mirror to a failing target, on-target-error report: BLOCK_JOB_ERROR, aborting, BLOCK_JOB_COMPLETED with error, concluded',
    setup: nodes,
    steps: [mirror('m0', { 'auto-dismiss': false }), status('m0', 'concluded'), ...queries, verb('block-job-dismiss', 'm0'), status('m0', 'null')],
  },
  {
    name: 'io_error_mirror_stop',
    desc: 'mirror to a failing target, on-target-error stop: paused without a command; set-speed accepted while error-paused; block-job-cancel with force cancels it (running, aborting, BLOCK_JOB_CANCELLED)',
    setup: nodes,
    steps: [
      mirror('m0', { 'on-target-error': 'stop', 'auto-dismiss': false }),
      event('BLOCK_JOB_ERROR', { device: 'm0', action: 'stop' }),
      status('m0', 'paused'),
      ...queries,
      ...verbs('m0', ['job-pause', 'job-complete', ['block-job-set-speed', { speed: 1048576 }]]),
      verb('block-job-cancel', 'm0', { force: true }),
      status('m0', 'concluded'),
      ...queries,
      verb('job-dismiss', 'm0'),
      status('m0', 'null'),
    ],
  },
];
