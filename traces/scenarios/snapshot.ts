/**
 * Snapshot jobs (snapshot-save, snapshot-load, snapshot-delete, since 6.0): plain jobs that only
 * qemu-system has (migration/savevm.c), recorded from a qemu-system-x86_64 with no machine
 * (`--target qemu-system:7.2`). QEMU creates them with manual dismiss and automatic finalize, and QAPI
 * gives them neither `auto-dismiss` nor `auto-finalize`, so every one waits in `concluded` for
 * `job-dismiss`. Their run is one bottom half in the main loop: it does not yield, so a verb sent after
 * the creating command's reply finds the job already concluded. A failure inside the job (a missing
 * node or tag) is a job error: aborting, then concluded with that error.
 */
import { cmd, queries, SIZE, status, verb, verbs, type CorpusScenario } from './types.ts';
import type { SetupStep } from '../format.ts';

/** A qcow2 image in the target's folder under a node of the same name: it can hold internal snapshots and the vmstate. */
function qcow2Node(name: string): SetupStep[] {
  return [
    { 'qemu-img': 'create', format: 'qcow2', file: `${name}.qcow2`, size: SIZE },
    { blockdev: { driver: 'qcow2', 'node-name': name, file: { driver: 'file', filename: `${name}.qcow2` } } },
  ];
}

const SETUP: readonly SetupStep[] = [...qcow2Node('vm'), ...qcow2Node('disk'), { blockdev: { driver: 'null-co', 'node-name': 'src', size: SIZE } }];

const save = (id: string, tag: string, extra: Record<string, unknown> = {}) =>
  cmd('snapshot-save', { 'job-id': id, tag, vmstate: 'vm', devices: ['vm', 'disk'], ...extra });
const load = (id: string, tag: string, extra: Record<string, unknown> = {}) =>
  cmd('snapshot-load', { 'job-id': id, tag, vmstate: 'vm', devices: ['vm', 'disk'], ...extra });
const del = (id: string, tag: string, extra: Record<string, unknown> = {}) => cmd('snapshot-delete', { 'job-id': id, tag, devices: ['vm', 'disk'], ...extra });
/** Dismisses a concluded job and waits for it to go. */
const dismiss = (id: string) => [verb('job-dismiss', id), status(id, 'null')];

const common = { program: 'system', minRelease: '6.0', releaseReason: 'the snapshot jobs came in QEMU 6.0' } as const;

export const snapshotScenarios: readonly CorpusScenario[] = [
  {
    ...common,
    name: 'snapshot_save',
    desc: 'snapshot-save of the vmstate and two qcow2 devices: created, running, waiting, pending, concluded; not in query-block-jobs; stays concluded until job-dismiss',
    setup: SETUP,
    steps: [save('s0', 't0'), status('s0', 'concluded'), ...queries, ...dismiss('s0'), ...queries],
  },
  {
    ...common,
    name: 'snapshot_load',
    desc: 'snapshot-save, dismissed, then snapshot-load of the same tag: the same lifecycle, ending concluded until job-dismiss',
    setup: SETUP,
    steps: [save('s0', 't0'), status('s0', 'concluded'), ...dismiss('s0'), load('l0', 't0'), status('l0', 'concluded'), ...queries, ...dismiss('l0')],
  },
  {
    ...common,
    name: 'snapshot_delete',
    desc: 'snapshot-save, then snapshot-delete of the tag (the save job not yet dismissed), then a load of the deleted tag fails inside its job',
    setup: SETUP,
    steps: [
      save('s0', 't0'),
      status('s0', 'concluded'),
      del('d0', 't0'),
      status('d0', 'concluded'),
      ...queries,
      ...dismiss('d0'),
      ...dismiss('s0'),
      load('l0', 't0'),
      status('l0', 'concluded'),
      ...queries,
      ...dismiss('l0'),
    ],
  },
  {
    ...common,
    name: 'snapshot_verbs',
    desc: 'every verb on a concluded snapshot job: job-pause, -resume, -cancel, -complete and -finalize refused in concluded; block-job-* cannot find it (not a block job); job-dismiss works once',
    setup: SETUP,
    steps: [
      save('s0', 't0'),
      status('s0', 'concluded'),
      ...verbs('s0', ['job-pause', 'job-resume', 'job-cancel', 'job-complete', 'job-finalize']),
      ...verbs('s0', ['block-job-pause', 'block-job-resume', 'block-job-cancel', 'block-job-complete', 'block-job-finalize', 'block-job-dismiss', ['block-job-set-speed', { speed: 0 }]]),
      ...dismiss('s0'),
      verb('job-dismiss', 's0'),
      ...queries,
    ],
  },
  {
    ...common,
    name: 'snapshot_pipelined_verbs',
    desc: 'job-pause, job-cancel and job-complete sent right behind snapshot-save, before its reply: the job runs in one go, each verb answered in whatever status it has by then',
    setup: SETUP,
    steps: [
      save('s0', 't0'),
      verb('job-pause', 's0', {}, true),
      verb('job-cancel', 's0', {}, true),
      verb('job-complete', 's0', {}, true),
      status('s0', 'concluded'),
      cmd('query-jobs'),
      ...dismiss('s0'),
    ],
  },
  {
    ...common,
    name: 'snapshot_drains_jobs',
    desc: 'snapshot-save while a rate-limited backup runs: the save drains every node, so the backup shows paused/running blips inside the command; a backup paused by the user stays paused through a second save',
    setup: [...SETUP, { blockdev: { driver: 'null-co', 'node-name': 'dst', size: SIZE } }],
    steps: [
      cmd('blockdev-backup', { 'job-id': 'j0', device: 'src', target: 'dst', sync: 'full', speed: 1024 * 1024 }),
      save('s0', 't0'),
      status('s0', 'concluded'),
      cmd('query-jobs'),
      verb('job-pause', 'j0'),
      status('j0', 'paused'),
      save('s1', 't1'),
      status('s1', 'concluded'),
      cmd('query-jobs'),
      verb('job-cancel', 'j0'),
      status('j0', 'null'),
      ...dismiss('s0'),
      ...dismiss('s1'),
    ],
  },
  {
    ...common,
    name: 'snapshot_errors',
    desc: 'snapshot jobs that fail inside the job (vmstate node missing or not among the devices, a device missing or without snapshot support, a tag saved twice, load and delete of a missing tag): aborting, concluded with the error; bad and duplicate job ids refused at command time',
    setup: SETUP,
    steps: [
      save('e0', 't0', { vmstate: 'nosuch' }),
      status('e0', 'concluded'),
      save('e1', 't0', { devices: ['vm', 'src'] }),
      status('e1', 'concluded'),
      save('e5', 't0', { devices: ['vm', 'nosuch'] }),
      status('e5', 'concluded'),
      save('e6', 't0', { vmstate: 'disk', devices: ['vm'] }),
      status('e6', 'concluded'),
      load('e7', 't0', { vmstate: 'nosuch' }),
      status('e7', 'concluded'),
      save('s0', 't0'),
      status('s0', 'concluded'),
      save('e2', 't0'),
      status('e2', 'concluded'),
      load('e3', 'nosuch'),
      status('e3', 'concluded'),
      del('e4', 'nosuch'),
      status('e4', 'concluded'),
      save('s0', 't1'),
      save('0bad', 't1'),
      cmd('query-jobs'),
      ...['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7', 's0'].flatMap(dismiss),
    ],
  },
];
