/**
 * Turns the set-up steps a trace names into the argument arrays of `qemu-img` and `qemu-storage-daemon`.
 * Pure: nothing is run here. A trace is data that may come from anyone, so steps are checked strictly:
 * every file name must stay inside the target's private folder (relative, no `..`, no `:` that QEMU
 * could read as a protocol prefix such as `json:` or `nbd:`, no leading `-` that a program could read
 * as an option), and block drivers are limited to local, file- or memory-backed ones.
 */
import type { SetupStep } from '../traces/format.ts';
import { SetupError } from './errors.ts';

/** Two 64 MiB null-co nodes, `src` and `dst`: enough for a backup or mirror. */
export const DEFAULT_SETUP: readonly SetupStep[] = [
  { blockdev: { driver: 'null-co', 'node-name': 'src', size: 67108864 } },
  { blockdev: { driver: 'null-co', 'node-name': 'dst', size: 67108864 } },
];

/**
 * A qemu-system target's default: the two null-co nodes and `vm`, a 64 MiB qcow2 image in the target's
 * folder, where snapshot-save writes the vmstate (a null-co node has no internal snapshots).
 */
export const SYSTEM_SETUP: readonly SetupStep[] = [
  ...DEFAULT_SETUP,
  { 'qemu-img': 'create', format: 'qcow2', file: 'vm.qcow2', size: 67108864 },
  { blockdev: { driver: 'qcow2', 'node-name': 'vm', file: { driver: 'file', filename: 'vm.qcow2' } } },
];

/** Image formats `qemu-img create` may make. */
export const IMAGE_FORMATS: ReadonlySet<string> = new Set(['raw', 'qcow2', 'qed', 'vmdk', 'vdi', 'vpc', 'vhdx', 'parallels']);

/**
 * Block drivers a `blockdev` step may use, at any depth: local files, formats, null devices and the
 * filters that jobs are tested with. Network drivers (nbd, ssh, http, ...), host devices and vvfat
 * (which exposes a host directory) are left out.
 */
export const BLOCK_DRIVERS: ReadonlySet<string> = new Set([
  'null-co', 'null-aio', 'file',
  'raw', 'qcow2', 'qed', 'vmdk', 'vdi', 'vpc', 'vhdx', 'parallels',
  'blkdebug', 'blkverify', 'blklogwrites', 'copy-on-read', 'compress', 'preallocate', 'quorum',
  'copy-before-write', 'snapshot-access',
]);

/** Members of a blockdev object (at any depth) whose string values are file names. */
const PATH_MEMBERS: ReadonlySet<string> = new Set(['filename', 'file', 'config', 'dir', 'data-file', 'path', 'log']);

export interface SetupPlan {
  /** Argument arrays for `qemu-img`, run in order in the folder. */
  readonly images: readonly (readonly string[])[];
  /** `--blockdev <json>` pairs for the daemon, which runs in the folder. */
  readonly daemonArgs: readonly string[];
}

export function planSetup(steps: readonly SetupStep[] = DEFAULT_SETUP): SetupPlan {
  const images: string[][] = [];
  const daemonArgs: string[] = [];
  steps.forEach((step: unknown, index) => {
    const where = `set-up step ${index + 1}`;
    if (typeof step !== 'object' || step === null || Array.isArray(step)) throw new SetupError(`${where}: not an object`);
    const keys = Object.keys(step);
    if ('qemu-img' in step) {
      images.push(planImage(step as Record<string, unknown>, where));
    } else if ('blockdev' in step && keys.length === 1) {
      const blockdev = (step as { blockdev: unknown }).blockdev;
      if (typeof blockdev !== 'object' || blockdev === null || Array.isArray(blockdev)) throw new SetupError(`${where}: blockdev must be an object`);
      checkBlockdev(blockdev as Record<string, unknown>, `${where} (blockdev)`);
      daemonArgs.push('--blockdev', JSON.stringify(blockdev));
    } else {
      throw new SetupError(`${where}: unknown step ${JSON.stringify(step)}; a step is {"qemu-img": "create", ...} or {"blockdev": {...}}`);
    }
  });
  return { images, daemonArgs };
}

const IMAGE_KEYS = new Set(['qemu-img', 'format', 'file', 'size', 'backing', 'backing-format']);

function planImage(step: Record<string, unknown>, where: string): string[] {
  if (step['qemu-img'] !== 'create') throw new SetupError(`${where}: only "qemu-img": "create" is supported, not ${JSON.stringify(step['qemu-img'])}`);
  for (const key of Object.keys(step)) {
    if (!IMAGE_KEYS.has(key)) throw new SetupError(`${where}: unknown member "${key}" of a qemu-img step`);
  }
  const format = checkFormat(step['format'], `${where}: format`);
  const file = checkFolderPath(step['file'], `${where}: file`);
  const args = ['create', '-f', format];
  if (step['backing'] !== undefined) {
    args.push('-b', checkFolderPath(step['backing'], `${where}: backing`));
    if (step['backing-format'] !== undefined) args.push('-F', checkFormat(step['backing-format'], `${where}: backing-format`));
  } else if (step['backing-format'] !== undefined) {
    throw new SetupError(`${where}: backing-format given without backing`);
  }
  args.push(file);
  const size = step['size'];
  if (size !== undefined) {
    const text = typeof size === 'number' && Number.isSafeInteger(size) && size >= 0 ? String(size) : size;
    if (typeof text !== 'string' || !/^\d+[kKMGTPE]?$/.test(text)) {
      throw new SetupError(`${where}: size must be a byte count or a number with a unit (64M, 1G), not ${JSON.stringify(size)}`);
    }
    args.push(text);
  } else if (step['backing'] === undefined) {
    throw new SetupError(`${where}: size is required when there is no backing file`);
  }
  return args;
}

function checkFormat(value: unknown, what: string): string {
  if (typeof value !== 'string' || !IMAGE_FORMATS.has(value)) {
    throw new SetupError(`${what} must be one of ${[...IMAGE_FORMATS].join(', ')}, not ${JSON.stringify(value)}`);
  }
  return value;
}

function checkBlockdev(node: Record<string, unknown>, where: string): void {
  const driver = node['driver'];
  if (driver !== undefined && (typeof driver !== 'string' || !BLOCK_DRIVERS.has(driver))) {
    throw new SetupError(`${where}: driver ${JSON.stringify(driver)} is not allowed; allowed: ${[...BLOCK_DRIVERS].join(', ')}`);
  }
  for (const [key, value] of Object.entries(node)) {
    if (typeof value === 'string' && PATH_MEMBERS.has(key)) checkFolderPath(value, `${where}: ${key}`);
    else if (Array.isArray(value)) value.forEach((item, i) => checkMember(item, `${where}: ${key}[${i}]`));
    else checkMember(value, `${where}: ${key}`);
  }
}

function checkMember(value: unknown, where: string): void {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) checkBlockdev(value as Record<string, unknown>, where);
  else if (Array.isArray(value)) value.forEach((item, i) => checkMember(item, `${where}[${i}]`));
}

/**
 * Checks that `value` names a file inside the folder and returns it unchanged: programs run with the
 * folder as their working directory, so a relative name resolves there.
 */
export function checkFolderPath(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw new SetupError(`${what} must be a non-empty file name`);
  const show = JSON.stringify(value);
  if (value.startsWith('/')) throw new SetupError(`${what} ${show} is absolute; file names are relative to the target's folder`);
  if (value.split('/').includes('..')) throw new SetupError(`${what} ${show} contains '..' and could leave the target's folder`);
  if (value.includes(':')) throw new SetupError(`${what} ${show} contains ':', which QEMU may read as a protocol prefix (json:, nbd:, ...)`);
  if (value.startsWith('-')) throw new SetupError(`${what} ${show} starts with '-', which a program could read as an option`);
  if ([...value].some((c) => c < ' ' || c === '\\')) throw new SetupError(`${what} ${show} contains a control character or backslash`);
  return value;
}
