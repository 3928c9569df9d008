/**
 * The job-creating commands of the model server: their arguments and checks in QEMU's order
 * (blockdev.c, block/backup.c, block/mirror.c, block/stream.c, block/commit.c, block/create.c,
 * block/amend.c, blockjob.c, job.c), ending in a JobSpec the engine creates and starts. Verified on
 * 7.2 and 10.0: node lookups, then busy nodes and sizes, then the job id (`Invalid job ID`, `Job ID
 * '…' already in use`); a negative speed is refused after job_create, so `created` → `null`.
 * The snapshot jobs (snapshot-save, -load, -delete; migration/savevm.c) exist only when the server plays
 * a qemu-system: their command checks only the job id, and every other failure is the job's own error.
 */
import { CreatorCommands, type CreatorCommandName, type JobInput, type Profile } from '../machines/index.ts';
import { checkArgs, str, int, bool, type Args } from './args.ts';
import { commandSchema } from './schema.ts';
import { generic, type ServerError } from './errors.ts';
import type { CreationCheck, ServerHooks } from './hooks.ts';
import { AMEND_DRIVERS, CREATE_DRIVERS, KNOWN_DRIVERS, type NodeGraph } from './nodes.ts';

export type ErrorAction = 'report' | 'ignore' | 'stop' | 'enospc' | 'auto';

export interface JobSpec {
  readonly input: JobInput;
  /** Units of work: the source's bytes, or 1 for plain jobs. */
  readonly len: number;
  readonly target?: string;
  /** Nodes the job blocks for other jobs while it lives. */
  readonly holds: readonly string[];
  /** The node the job inserts its filter above (it is no root node while the job lives). */
  readonly filtered?: string;
  /** Implicit nodes made for this job (drive-backup / drive-mirror targets), removed with it. */
  readonly implicitNodes?: readonly string[];
  readonly onTargetError: ErrorAction;
  /** The job never finishes by itself (backup with sync none runs until cancelled). */
  readonly endless?: boolean;
  /** A plain job's run fails with this error. */
  readonly runError?: string;
  /** What a successful run changes (blockdev-create makes its image). */
  readonly onSuccess?: () => void;
  /** Refused after job_create: the job goes `created` → `null` and the command fails with this. */
  readonly earlyFail?: ServerError;
}

export interface CreatorContext {
  readonly profile: Profile;
  readonly nodes: NodeGraph;
  readonly hooks: ServerHooks;
  /** Whether a job (of any status but null) has this id. */
  jobExists(id: string): boolean;
  /** Job ids claimed earlier in the same transaction. */
  readonly claimed: ReadonlySet<string>;
  /** Whether a host folder exists (blockdev-create of a file at an absolute path). */
  hostDirExists(dir: string): boolean;
}

/** A file can be made in the virtual folder itself, or at an absolute path whose folder exists on the host. */
function creatable(ctx: CreatorContext, filename: string): boolean {
  if (!filename.includes('/')) return filename !== '';
  if (!filename.startsWith('/')) return false;
  return ctx.hostDirExists(filename.slice(0, filename.lastIndexOf('/')) || '/');
}

const JOB_ID = /^[A-Za-z][A-Za-z0-9_.-]*$/;

function skip(ctx: CreatorContext, check: CreationCheck): boolean {
  return ctx.hooks.skipChecks?.has(check) === true;
}

/** job_create's checks: a well-formed id not in use. A missing job-id falls back to the device name, '' for a bare node. */
export function checkJobId(ctx: CreatorContext, id: string | undefined): ServerError | string {
  const jobId = id ?? '';
  if (!JOB_ID.test(jobId) && !skip(ctx, 'job-id-valid')) return generic(`Invalid job ID '${jobId}'`);
  if ((ctx.jobExists(jobId) || ctx.claimed.has(jobId)) && !skip(ctx, 'job-id-unique')) return generic(`Job ID '${jobId}' already in use`);
  return jobId;
}

function node(ctx: CreatorContext, name: string, byNodeNameOnly = false): ServerError | string {
  if (ctx.nodes.get(name) && !ctx.nodes.get(name)!.implicit) return name;
  if (skip(ctx, 'node-exists') && ctx.nodes.get(name)) return name;
  return generic(byNodeNameOnly ? ctx.nodes.texts.nodeNotFound(name) : ctx.nodes.texts.notFound(name));
}

/** The device of mirror and commit must be a root node (qmp_get_root_bs). */
function rootNode(ctx: CreatorContext, name: string): ServerError | string {
  const found = node(ctx, name);
  if (typeof found !== 'string') return found;
  return ctx.nodes.isRoot(found) || skip(ctx, 'node-busy') ? found : generic('Need a root block node');
}

function busy(ctx: CreatorContext, name: string): ServerError | undefined {
  return skip(ctx, 'node-busy') ? undefined : ctx.nodes.busy(name);
}

function flags(args: Args): Pick<JobInput, 'autoFinalize' | 'autoDismiss'> {
  const out: { autoFinalize?: boolean; autoDismiss?: boolean } = {};
  const f = bool(args, 'auto-finalize');
  const d = bool(args, 'auto-dismiss');
  if (f !== undefined) out.autoFinalize = f;
  if (d !== undefined) out.autoDismiss = d;
  return out;
}

function speedOf(args: Args): { speed: number; earlyFail?: ServerError } {
  const speed = int(args, 'speed') ?? 0;
  return speed < 0 ? { speed: 0, earlyFail: generic("Parameter 'speed' expects a non-negative value") } : { speed };
}

/** A drive-* target: an image file made (or, with mode existing, opened) in the virtual folder. */
function driveTarget(ctx: CreatorContext, args: Args, size: number): ServerError | { name: string } {
  const filename = str(args, 'target')!;
  const format = str(args, 'format') ?? 'raw';
  if (!KNOWN_DRIVERS.has(format)) return generic(`Unknown driver '${format}'`);
  if (str(args, 'mode') === 'existing') {
    if (!ctx.nodes.files.has(filename)) return generic(`Could not open '${filename}': No such file or directory`);
  } else {
    if (!creatable(ctx, filename)) return generic(`Could not create '${filename}': No such file or directory`);
    ctx.nodes.files.set(filename, { format, size });
  }
  const opened = ctx.nodes.openFile(filename, format);
  return typeof opened === 'string' ? { name: opened } : opened;
}

function backup(ctx: CreatorContext, command: CreatorCommandName, args: Args): JobSpec | ServerError {
  const device = node(ctx, str(args, 'device')!);
  if (typeof device !== 'string') return device;
  const sync = str(args, 'sync')!;
  if ((sync === 'incremental' || sync === 'bitmap') && str(args, 'bitmap') === undefined) {
    return generic(`Must provide a valid bitmap name for '${sync}' sync mode`);
  }
  const bitmap = str(args, 'bitmap');
  if (bitmap !== undefined) return generic(`Bitmap '${bitmap}' could not be found`);
  const source = ctx.nodes.get(device)!;
  let target: string;
  const implicit: string[] = [];
  if (command === 'drive-backup') {
    const made = driveTarget(ctx, args, source.size);
    if ('class' in made) return made;
    target = made.name;
    implicit.push(target);
  } else {
    const t = node(ctx, str(args, 'target')!);
    if (typeof t !== 'string') return t;
    target = t;
  }
  if (device === target) return generic('Source and target cannot be the same');
  const blocked = busy(ctx, device) ?? busy(ctx, target);
  if (blocked) return blocked;
  const targetNode = ctx.nodes.get(target)!;
  if (targetNode.size !== source.size) return generic('Source and target image have different sizes');
  if (targetNode.readOnly) return generic(ctx.nodes.texts.backupTargetReadOnly());
  const id = checkJobId(ctx, str(args, 'job-id'));
  if (typeof id !== 'string') return id;
  const { speed, earlyFail } = speedOf(args);
  return {
    input: { id, type: 'backup', speed, ...flags(args) },
    len: source.size,
    target,
    holds: [target],
    filtered: device,
    implicitNodes: implicit,
    onTargetError: (str(args, 'on-target-error') as ErrorAction | undefined) ?? 'report',
    ...(sync === 'none' ? { endless: true } : {}),
    ...(earlyFail ? { earlyFail } : {}),
  };
}

function mirror(ctx: CreatorContext, command: CreatorCommandName, args: Args): JobSpec | ServerError {
  const drive = command === 'drive-mirror';
  const device = rootNode(ctx, str(args, 'device')!);
  if (typeof device !== 'string') return device;
  const source = ctx.nodes.get(device)!;
  let target: string;
  const implicit: string[] = [];
  if (drive) {
    const made = driveTarget(ctx, args, source.size);
    if ('class' in made) return made;
    target = made.name;
    implicit.push(target);
  } else {
    const t = node(ctx, str(args, 'target')!);
    if (typeof t !== 'string') return t;
    target = t;
  }
  const blocked = busy(ctx, device) ?? busy(ctx, target);
  if (blocked) return blocked;
  if (device === target) return generic("Can't mirror node into itself");
  const id = checkJobId(ctx, str(args, 'job-id'));
  if (typeof id !== 'string') return id;
  const { speed, earlyFail } = speedOf(args);
  const copyMode = str(args, 'copy-mode') as 'background' | 'write-blocking' | undefined;
  return {
    input: { id, type: 'mirror', speed, ...flags(args), ...(copyMode ? { copyMode } : {}) },
    len: str(args, 'sync') === 'none' ? 0 : source.size,
    target,
    holds: [target],
    filtered: device,
    implicitNodes: implicit,
    onTargetError: (str(args, 'on-target-error') as ErrorAction | undefined) ?? 'report',
    ...(earlyFail ? { earlyFail } : {}),
  };
}

function stream(ctx: CreatorContext, args: Args): JobSpec | ServerError {
  const device = node(ctx, str(args, 'device')!);
  if (typeof device !== 'string') return device;
  if (str(args, 'base') !== undefined && str(args, 'base-node') !== undefined) return generic("'base' and 'base-node' cannot be specified at the same time");
  const baseNode = str(args, 'base-node');
  const chain = ctx.nodes.backingChain(device);
  if (baseNode !== undefined) {
    const b = node(ctx, baseNode, true);
    if (typeof b !== 'string') return b;
    if (!chain.includes(b)) return generic(`Node '${b}' is not a backing image of '${device}'`);
  }
  const blocked = busy(ctx, device);
  if (blocked) return blocked;
  const id = checkJobId(ctx, str(args, 'job-id'));
  if (typeof id !== 'string') return id;
  const { speed, earlyFail } = speedOf(args);
  const size = ctx.nodes.get(device)!.size;
  return {
    input: { id, type: 'stream', speed, ...flags(args) },
    // Nothing to copy without a backing file.
    len: chain.length === 0 ? 0 : size,
    holds: [device],
    filtered: device,
    onSuccess: () => ctx.nodes.dropBacking(device),
    onTargetError: (str(args, 'on-error') as ErrorAction | undefined) ?? 'report',
    ...(earlyFail ? { earlyFail } : {}),
  };
}

function commit(ctx: CreatorContext, args: Args): JobSpec | ServerError {
  const deviceName = str(args, 'device')!;
  const device = rootNode(ctx, deviceName);
  if (typeof device !== 'string') return device;
  const chain = [device, ...ctx.nodes.backingChain(device)];
  const topName = str(args, 'top-node') ?? device;
  const top = node(ctx, topName, true);
  if (typeof top !== 'string') return top;
  if (!chain.includes(top)) return generic(`'${top}' is not in this backing file chain`);
  const below = chain.slice(chain.indexOf(top) + 1);
  if (below.length === 0) return generic(`Top image file ${top} has no backing file`);
  const baseName = str(args, 'base-node') ?? below[below.length - 1]!;
  const base = node(ctx, baseName, true);
  if (typeof base !== 'string') return base;
  if (base === top) return generic('cannot commit an image into itself');
  if (!below.includes(base)) return generic(`'${base}' is not in this backing file chain`);
  const nodesHeld = chain.slice(chain.indexOf(top), chain.indexOf(base) + 1);
  for (const n of nodesHeld) {
    const blocked = busy(ctx, n);
    if (blocked) return blocked;
  }
  const id = checkJobId(ctx, str(args, 'job-id'));
  if (typeof id !== 'string') return id;
  const { speed, earlyFail } = speedOf(args);
  return {
    input: { id, type: 'commit', speed, activeCommit: top === device, ...flags(args) },
    len: ctx.nodes.get(top)!.size,
    target: base,
    holds: nodesHeld,
    filtered: top,
    onTargetError: (str(args, 'on-error') as ErrorAction | undefined) ?? 'report',
    ...(earlyFail ? { earlyFail } : {}),
  };
}

function create(ctx: CreatorContext, args: Args): JobSpec | ServerError {
  const options = args['options'] as Record<string, unknown>;
  const driver = options['driver'];
  if (driver === undefined) return generic("Parameter 'options.driver' is missing");
  if (typeof driver !== 'string' || !KNOWN_DRIVERS.has(driver)) return generic(`Parameter 'options.driver' does not accept value '${String(driver)}'`);
  if (!CREATE_DRIVERS.has(driver)) {
    // The union has no members for such a driver, so QAPI refuses any before the driver check.
    const extra = Object.keys(options).find((k) => k !== 'driver');
    return generic(extra !== undefined ? `Parameter 'options.${extra}' is unexpected` : 'Driver does not support blockdev-create');
  }
  const size = options['size'];
  if (size === undefined) return generic("Parameter 'options.size' is missing");
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) return generic("Invalid parameter type for 'options.size', expected: integer");
  let runError: string | undefined;
  let onSuccess: (() => void) | undefined;
  if (driver === 'file') {
    const filename = options['filename'];
    if (typeof filename !== 'string') return generic("Parameter 'options.filename' is missing");
    if (!creatable(ctx, filename)) runError = `Could not create '${filename}': No such file or directory`;
    else onSuccess = () => ctx.nodes.files.set(filename, { format: 'raw', size });
  } else {
    const file = options['file'];
    if (file === undefined) return generic("Parameter 'options.file' is missing");
    const fileNode = typeof file === 'string' ? ctx.nodes.get(file) : undefined;
    if (!fileNode) runError = typeof file === 'string' ? ctx.nodes.texts.nodeNotFound(file) : 'Invalid file reference';
    else onSuccess = () => ctx.nodes.files.set(fileNode.filename, { format: driver, size });
  }
  const id = checkJobId(ctx, str(args, 'job-id'));
  if (typeof id !== 'string') return id;
  return {
    input: { id, type: 'create' },
    len: 1,
    holds: [],
    onTargetError: 'report',
    ...(runError !== undefined ? { runError } : {}),
    ...(onSuccess ? { onSuccess } : {}),
  };
}

function amend(ctx: CreatorContext, args: Args): JobSpec | ServerError {
  const name = node(ctx, str(args, 'node-name')!, true);
  if (typeof name !== 'string') return name;
  const options = args['options'] as Record<string, unknown>;
  const driver = options['driver'];
  if (typeof driver !== 'string') return generic("Parameter 'options.driver' is missing");
  if (ctx.nodes.get(name)!.driver !== driver) return generic("x-blockdev-amend doesn't support changing the block driver");
  if (!AMEND_DRIVERS.has(driver)) return generic('Driver does not support x-blockdev-amend');
  const id = checkJobId(ctx, str(args, 'job-id'));
  if (typeof id !== 'string') return id;
  return {
    input: { id, type: 'amend' },
    len: 1,
    holds: [],
    onTargetError: 'report',
    ...(options['encrypt'] !== undefined ? { runError: "image is not encrypted, can't amend" } : {}),
  };
}

/** Drivers whose node can hold internal snapshots (bdrv_can_snapshot), and filters that pass the question to their child. */
const SNAPSHOT_DRIVERS: ReadonlySet<string> = new Set(['qcow2']);
const SNAPSHOT_FALLBACK: ReadonlySet<string> = new Set(['raw', 'blkdebug', 'copy-on-read', 'preallocate', 'compress']);

function canSnapshot(ctx: CreatorContext, name: string): boolean {
  const n = ctx.nodes.get(name);
  if (n === undefined || n.readOnly) return false;
  if (SNAPSHOT_DRIVERS.has(n.driver)) return true;
  return SNAPSHOT_FALLBACK.has(n.driver) && n.child !== undefined && canSnapshot(ctx, n.child);
}

function tagsOf(ctx: CreatorContext, name: string): Set<string> {
  let tags = ctx.nodes.snapshots.get(name);
  if (tags === undefined) ctx.nodes.snapshots.set(name, (tags = new Set()));
  return tags;
}

/**
 * snapshot-save, -load and -delete with `devices` (as 7.2 was recorded): the command checks only the
 * job id; the job's run checks, in QEMU's order, that each device exists and can snapshot, then whether
 * the tag is on any device (save: must not be; load: must be on all), then the vmstate node among the
 * devices. A delete of a tag no device has succeeds.
 */
function snapshot(ctx: CreatorContext, command: 'snapshot-save' | 'snapshot-load' | 'snapshot-delete', args: Args): JobSpec | ServerError {
  const tag = str(args, 'tag')!;
  const devicesArg = args['devices'];
  if (!Array.isArray(devicesArg)) return generic("Invalid parameter type for 'devices', expected: array");
  const bad = devicesArg.findIndex((d) => typeof d !== 'string');
  if (bad >= 0) return generic(`Invalid parameter type for 'devices[${bad}]', expected: string`);
  const devices = devicesArg as string[];
  const id = checkJobId(ctx, str(args, 'job-id'));
  if (typeof id !== 'string') return id;
  const runError = snapshotRunError(ctx, command, tag, str(args, 'vmstate'), devices);
  const onSuccess = (): void => {
    for (const d of devices) {
      if (command === 'snapshot-save') tagsOf(ctx, d).add(tag);
      else if (command === 'snapshot-delete') tagsOf(ctx, d).delete(tag);
    }
  };
  return { input: { id, type: command }, len: 1, holds: [], onTargetError: 'report', ...(runError !== undefined ? { runError } : { onSuccess }) };
}

function snapshotRunError(ctx: CreatorContext, command: string, tag: string, vmstate: string | undefined, devices: readonly string[]): string | undefined {
  for (const d of devices) {
    if (ctx.nodes.get(d) === undefined || ctx.nodes.get(d)!.implicit) return `No block device node '${d}'`;
  }
  for (const d of devices) {
    if (!canSnapshot(ctx, d)) return `Device '${d}' is writable but does not support snapshots`;
  }
  if (command === 'snapshot-delete') return undefined;
  const has = devices.filter((d) => tagsOf(ctx, d).has(tag)).length;
  if (command === 'snapshot-save' && has > 0) return `Snapshot '${tag}' already exists in one or more devices`;
  if (command === 'snapshot-load' && has < devices.length) return `Snapshot '${tag}' does not exist in one or more devices`;
  if (vmstate === undefined || !devices.includes(vmstate)) return `vmstate block device '${vmstate ?? ''}' does not exist`;
  return undefined;
}

/** The snapshot commands, which only a qemu-system has (EngineOptions.system). */
export const SNAPSHOT_CREATORS: readonly CreatorCommandName[] = ['snapshot-save', 'snapshot-load', 'snapshot-delete'];

/** The job-creating commands a storage daemon has (no snapshot-*: SNAPSHOT_CREATORS). */
export const SERVER_CREATORS: readonly CreatorCommandName[] = [
  'drive-backup',
  'blockdev-backup',
  'drive-mirror',
  'blockdev-mirror',
  'block-commit',
  'block-stream',
  'x-blockdev-create',
  'blockdev-create',
  'x-blockdev-amend',
];

/** Checks a creating command and says what job to make, or the error QEMU answers. */
export function prepareJob(ctx: CreatorContext, command: CreatorCommandName, args: Args): JobSpec | ServerError {
  const schema = commandSchema(ctx.profile, command);
  const argErr = schema && checkArgs(schema, args);
  if (argErr) return argErr;
  switch (CreatorCommands[command].type) {
    case 'backup':
      return backup(ctx, command, args);
    case 'mirror':
      return mirror(ctx, command, args);
    case 'stream':
      return stream(ctx, args);
    case 'commit':
      return commit(ctx, args);
    case 'create':
      return create(ctx, args);
    case 'amend':
      return amend(ctx, args);
    case 'snapshot-save':
    case 'snapshot-load':
    case 'snapshot-delete':
      return snapshot(ctx, CreatorCommands[command].type as 'snapshot-save' | 'snapshot-load' | 'snapshot-delete', args);
    default:
      return { class: 'CommandNotFound', desc: `The command ${command} has not been found` };
  }
}
