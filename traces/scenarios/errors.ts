/**
 * Refusals that do not depend on a job's state: unknown ids, duplicate and invalid ids, busy nodes,
 * double pause, resume without pause, dismiss and finalize too early, commands a release lacks.
 */
import { cmd, NEGATIVE_SPEED, nullNode, queries, SLOW, status, verb, verbs, type CorpusScenario } from './types.ts';

const ALL_JOB_VERBS = ['job-pause', 'job-resume', 'job-cancel', 'job-complete', 'job-finalize', 'job-dismiss'] as const;
const ALL_BLOCK_JOB_VERBS = [
  'block-job-pause',
  'block-job-resume',
  'block-job-cancel',
  ['block-job-cancel', { force: true }],
  'block-job-complete',
  'block-job-finalize',
  'block-job-dismiss',
  ['block-job-set-speed', { speed: 0 }],
  NEGATIVE_SPEED,
] as const;

const nodes = [nullNode('src'), nullNode('dst'), nullNode('dst1'), nullNode('dst2')];
const backup = (id: string, target: string, extra: Record<string, unknown> = {}) => cmd('blockdev-backup', { 'job-id': id, device: 'src', target, sync: 'full', ...extra });

export const errorScenarios: readonly CorpusScenario[] = [
  {
    name: 'errors_unknown_job',
    desc: 'every job-* and block-job-* verb on an id that never existed: with no jobs, with another job running, and on a job that has been dismissed (null)',
    setup: nodes,
    steps: [
      ...verbs('nosuch', [...ALL_JOB_VERBS, ...ALL_BLOCK_JOB_VERBS]),
      backup('j0', 'dst', { speed: SLOW }),
      ...verbs('nosuch', [...ALL_JOB_VERBS, ...ALL_BLOCK_JOB_VERBS]),
      verb('job-cancel', 'j0'),
      status('j0', 'null'),
      ...verbs('j0', [...ALL_JOB_VERBS, ...ALL_BLOCK_JOB_VERBS]),
      ...queries,
    ],
  },
  {
    name: 'errors_job_ids',
    desc: 'job ids: a duplicate id (backup and mirror) while the first job runs, a busy target, invalid ids (1bad, #bad, empty), a busy source shared by a second backup (allowed); each refused command blips the running backups',
    setup: nodes,
    steps: [
      backup('j0', 'dst', { speed: SLOW }),
      backup('j0', 'dst1', { speed: SLOW }),
      cmd('blockdev-mirror', { 'job-id': 'j0', device: 'src', target: 'dst1', sync: 'full' }),
      backup('j1', 'dst', { speed: SLOW }),
      backup('1bad', 'dst1', { speed: SLOW }),
      backup('#bad', 'dst1', { speed: SLOW }),
      backup('', 'dst1', { speed: SLOW }),
      backup('j1', 'dst1', { speed: SLOW }),
      ...queries,
      backup('j1', 'dst2', { speed: SLOW }),
      verb('job-cancel', 'j1'),
      status('j1', 'null'),
      verb('job-cancel', 'j0'),
      status('j0', 'null'),
      ...queries,
    ],
  },
  {
    name: 'errors_verb_misuse',
    desc: 'double pause and double resume in both spellings, resume without pause, finalize and dismiss too early (running, paused, pending), complete on a backup',
    setup: nodes,
    steps: [
      backup('j0', 'dst', { speed: SLOW, 'auto-finalize': false, 'auto-dismiss': false }),
      ...verbs('j0', ['job-resume', 'block-job-resume', 'job-dismiss', 'job-finalize', 'block-job-complete']),
      verb('block-job-pause', 'j0'),
      status('j0', 'paused'),
      ...verbs('j0', ['block-job-pause', 'job-pause', 'job-dismiss', 'block-job-finalize']),
      verb('block-job-resume', 'j0'),
      status('j0', 'running'),
      ...verbs('j0', ['job-resume', 'block-job-resume']),
      verb('block-job-set-speed', 'j0', { speed: 0 }),
      status('j0', 'pending'),
      ...verbs('j0', ['job-dismiss', 'block-job-dismiss', 'job-resume', 'job-pause']),
      verb('job-finalize', 'j0'),
      status('j0', 'concluded'),
      ...verbs('j0', ['job-finalize', 'job-resume']),
      verb('job-dismiss', 'j0'),
      status('j0', 'null'),
      verb('job-dismiss', 'j0'),
    ],
  },
  {
    name: 'errors_commands_not_available',
    desc: 'commands that do not exist (job-change, job-set-speed; block-job-change before 8.2), and qemu-system commands the storage daemon lacks; query-commands for the full list',
    setup: nodes,
    steps: [
      cmd('block-job-change', { id: 'j0', type: 'mirror', 'copy-mode': 'write-blocking' }),
      cmd('job-change', { id: 'j0', type: 'mirror', 'copy-mode': 'write-blocking' }),
      cmd('job-set-speed', { id: 'j0', speed: 0 }),
      cmd('query-status'),
      cmd('snapshot-save', { 'job-id': 's0', tag: 't', vmstate: 'src', devices: ['src'] }),
      cmd('query-commands'),
    ],
  },
];
