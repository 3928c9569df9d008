/**
 * The arguments of every command the model server serves, as QAPI declares them (qapi/block-core.json,
 * qapi/job.json, qapi/transaction.json), per release: one table, checked by the one validator in
 * args.ts before a command runs, as QEMU's generated marshallers check them before the command's code.
 * `blockdev-add` is the exception: its arguments are a union on `driver`, which nodes.ts checks.
 */
import { atLeast, CreatorCommands, VerbCommands, type CreatorCommandName, type Profile, type VerbCommandName } from '../machines/index.ts';
import type { ArgSchema, ArgType } from './args.ts';

export const ON_ERROR = { enum: ['report', 'ignore', 'enospc', 'stop', 'auto'] } as const;
export const SYNC_MODES = { enum: ['top', 'full', 'none', 'incremental', 'bitmap'] } as const;
export const COPY_MODES = { enum: ['background', 'write-blocking'] } as const;
const NEW_IMAGE_MODES: ArgType = { enum: ['existing', 'absolute-paths'] };

/** auto-finalize / auto-dismiss exist on a command from its `flagsSince` release. */
function flagArgs(profile: Profile, command: CreatorCommandName): ArgSchema {
  const since = (CreatorCommands[command] as { flagsSince?: string }).flagsSince;
  return since !== undefined && atLeast(profile.version, since) ? { 'auto-finalize': { type: 'bool' }, 'auto-dismiss': { type: 'bool' } } : {};
}

/** BackupPerf. */
function backupPerf(profile: Profile): ArgType {
  return {
    object: {
      'use-copy-range': { type: 'bool' },
      'max-workers': { type: 'int' },
      'max-chunk': { type: 'int' },
      ...(atLeast(profile.version, '9.2') ? { 'min-cluster-size': { type: 'size' } } : {}),
    },
  };
}

function backup(profile: Profile, command: CreatorCommandName): ArgSchema {
  const drive = command === 'drive-backup';
  return {
    'job-id': { type: 'str' },
    device: { type: 'str', required: true },
    target: { type: 'str', required: true },
    ...(drive ? { format: { type: 'str' }, mode: { type: NEW_IMAGE_MODES } } : {}),
    sync: { type: SYNC_MODES, required: true },
    speed: { type: 'int' },
    bitmap: { type: 'str' },
    'bitmap-mode': { type: { enum: ['on-success', 'never', 'always'] } },
    compress: { type: 'bool' },
    'on-source-error': { type: ON_ERROR },
    'on-target-error': { type: ON_ERROR },
    ...flagArgs(profile, command),
    'filter-node-name': { type: 'str' },
    ...(atLeast(profile.version, '6.0') ? { 'x-perf': { type: backupPerf(profile) } } : {}),
    ...(atLeast(profile.version, '9.1') ? { 'discard-source': { type: 'bool' } } : {}),
  };
}

function mirror(profile: Profile, command: CreatorCommandName): ArgSchema {
  const drive = command === 'drive-mirror';
  return {
    'job-id': { type: 'str' },
    device: { type: 'str', required: true },
    target: { type: 'str', required: true },
    ...(drive ? { format: { type: 'str' }, 'node-name': { type: 'str' }, mode: { type: NEW_IMAGE_MODES } } : {}),
    replaces: { type: 'str' },
    sync: { type: { enum: ['top', 'full', 'none'] }, required: true },
    speed: { type: 'int' },
    granularity: { type: 'uint32' },
    'buf-size': { type: 'int' },
    ...(drive ? { unmap: { type: 'bool' } } : {}),
    'on-source-error': { type: ON_ERROR },
    'on-target-error': { type: ON_ERROR },
    'filter-node-name': { type: 'str' },
    'copy-mode': { type: COPY_MODES },
    ...flagArgs(profile, command),
  };
}

function stream(profile: Profile): ArgSchema {
  return {
    'job-id': { type: 'str' },
    device: { type: 'str', required: true },
    base: { type: 'str' },
    'base-node': { type: 'str' },
    'backing-file': { type: 'str' },
    ...(atLeast(profile.version, '9.0') ? { 'backing-mask-protocol': { type: 'bool' } } : {}),
    bottom: { type: 'str' },
    speed: { type: 'int' },
    'on-error': { type: ON_ERROR },
    'filter-node-name': { type: 'str' },
    ...flagArgs(profile, 'block-stream'),
  };
}

function commit(profile: Profile): ArgSchema {
  return {
    'job-id': { type: 'str' },
    device: { type: 'str', required: true },
    'base-node': { type: 'str' },
    base: { type: 'str' },
    'top-node': { type: 'str' },
    top: { type: 'str' },
    'backing-file': { type: 'str' },
    ...(atLeast(profile.version, '9.0') ? { 'backing-mask-protocol': { type: 'bool' } } : {}),
    speed: { type: 'int' },
    'on-error': { type: ON_ERROR },
    'filter-node-name': { type: 'str' },
    ...flagArgs(profile, 'block-commit'),
  };
}

function verb(command: VerbCommandName): ArgSchema {
  return {
    [VerbCommands[command].idArg]: { type: 'str', required: true },
    ...(command === 'block-job-cancel' ? { force: { type: 'bool' } } : {}),
    ...(command === 'block-job-set-speed' ? { speed: { type: 'int', required: true } } : {}),
    ...(command === 'block-job-change' ? { type: { type: 'str' }, 'copy-mode': { type: 'str' } } : {}),
  };
}

type Entry = ArgSchema | ((profile: Profile, command: string) => ArgSchema);

const TABLE: Readonly<Record<string, Entry>> = {
  'query-jobs': {},
  'query-block-jobs': {},
  'query-version': {},
  'query-commands': {},
  quit: {},
  'query-named-block-nodes': { flat: { type: 'bool' } },
  'blockdev-del': { 'node-name': { type: 'str', required: true } },
  'x-qjob-inject-error': { id: { type: 'str', required: true }, errno: { type: 'int' } },
  transaction: {
    actions: { type: 'array', required: true },
    properties: { type: { object: { 'completion-mode': { type: { enum: ['individual', 'grouped'] } } } } },
  },
  'blockdev-backup': (p, c) => backup(p, c as CreatorCommandName),
  'drive-backup': (p, c) => backup(p, c as CreatorCommandName),
  'blockdev-mirror': (p, c) => mirror(p, c as CreatorCommandName),
  'drive-mirror': (p, c) => mirror(p, c as CreatorCommandName),
  'block-stream': (p) => stream(p),
  'block-commit': (p) => commit(p),
  'blockdev-create': { 'job-id': { type: 'str', required: true }, options: { type: 'object', required: true } },
  'x-blockdev-create': { 'job-id': { type: 'str', required: true }, options: { type: 'object', required: true } },
  'x-blockdev-amend': { 'job-id': { type: 'str', required: true }, 'node-name': { type: 'str', required: true }, options: { type: 'object', required: true }, force: { type: 'bool' } },
  'snapshot-save': { 'job-id': { type: 'str', required: true }, tag: { type: 'str', required: true }, vmstate: { type: 'str', required: true }, devices: { type: 'array', required: true } },
  'snapshot-load': { 'job-id': { type: 'str', required: true }, tag: { type: 'str', required: true }, vmstate: { type: 'str', required: true }, devices: { type: 'array', required: true } },
  'snapshot-delete': { 'job-id': { type: 'str', required: true }, tag: { type: 'str', required: true }, devices: { type: 'array', required: true } },
  ...Object.fromEntries(Object.keys(VerbCommands).map((c) => [c, verb(c as VerbCommandName)])),
};

/** The argument schema of `command` in `profile`'s release; undefined for a command without one here. */
export function commandSchema(profile: Profile, command: string): ArgSchema | undefined {
  if (!Object.hasOwn(TABLE, command)) return undefined;
  const entry = TABLE[command]!;
  return typeof entry === 'function' ? entry(profile, command) : entry;
}

/** A transaction action's `data`: the schema of the command of the same name. */
export const TRANSACTION_ACTION: ArgSchema = { type: { type: 'str', required: true }, data: { type: 'object' } };
