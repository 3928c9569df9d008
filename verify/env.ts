/**
 * What a target offers a verify run: its release, the block nodes scenarios may use, which faults can
 * be injected and how. Targets qjob starts (`qemu`, `model`) get the verify set-up below in every
 * session; a `qmp:` server someone else started is probed once: its nodes come from
 * `query-named-block-nodes`, its jobs get ids with a prefix no job of it has, and each session begins
 * by cleaning up what an earlier session of this run left behind.
 */
import { formatRelease, parseRelease, profileFor, releaseFromGreeting, type Profile } from '../machines/index.ts';
import { isQmpError, type QmpConnection } from '../qmp/index.ts';
import { INJECT_COMMAND, MODEL_PACKAGE } from '../server/index.ts';
import type { Target } from '../targets/index.ts';
import type { SetupStep } from '../traces/format.ts';

export const MiB = 1024 * 1024;
/** The size of the verify nodes. */
export const NODE_SIZE = 64 * MiB;
/** Holds a job of NODE_SIZE in running for a minute. */
export const SLOW = MiB;
const STREAM_SIZE = 8 * MiB;

export interface FaultNodes {
  /** Fails every write with EIO. */
  readonly eio?: string;
  /** Fails the first write with EIO. */
  readonly eioOnce?: string;
  /** Fails every write with ENOSPC. */
  readonly enospc?: string;
}

export interface VerifyEnv {
  /** The release whose rules apply ("7.2"). */
  readonly release: string;
  readonly profile: Profile;
  /** Set-up steps every session gets (targets qjob starts); undefined for a server someone else started. */
  readonly setup?: readonly SetupStep[];
  /** Nodes jobs may copy from and to: all of `nodeSize`, each used by one job at a time. */
  readonly sources: readonly string[];
  readonly targets: readonly string[];
  readonly nodeSize: number;
  readonly faults: FaultNodes;
  /** A qcow2 node over a backing node, for block-stream. */
  readonly stream?: { readonly top: string; readonly base: string };
  /** blockdev-create may make image files (in the target's own folder). */
  readonly createFiles: boolean;
  /** The server has `x-qjob-inject-error` (the model). */
  readonly injectCommand: boolean;
  /** Prepended to every job id. */
  readonly idPrefix: string;
  /** The server outlives sessions: jobs left over must be cleaned up between them. */
  readonly persistent: boolean;
  /** How long a wait step waits, in seconds (default 10; the model answers in milliseconds). */
  readonly waitTimeoutS?: number;
  /** The target has the snapshot jobs (a qemu-system): the qcow2 nodes they use, the first one holding the vmstate. */
  readonly snapshots?: { readonly vmstate: string; readonly devices: readonly string[] };
}

function nullNode(name: string, size = NODE_SIZE, extra: Record<string, unknown> = {}): SetupStep {
  return { blockdev: { driver: 'null-co', 'node-name': name, size, ...extra } };
}

function failingNode(name: string, errno: number, once: boolean): SetupStep {
  return {
    blockdev: {
      driver: 'blkdebug',
      'node-name': name,
      image: { driver: 'null-co', 'node-name': `${name}-img`, size: NODE_SIZE },
      'inject-error': [{ event: 'pwritev', errno, ...(once ? { once: true } : {}) }],
    },
  };
}

const SOURCES = ['src0', 'src1', 'src2', 'src3'];
const TARGETS = ['dst0', 'dst1', 'dst2', 'dst3'];

/** The nodes of a verify session on a target qjob starts. */
export const VERIFY_SETUP: readonly SetupStep[] = [
  ...SOURCES.map((n) => nullNode(n)),
  ...TARGETS.map((n) => nullNode(n)),
  failingNode('bad', 5, false),
  failingNode('flaky', 5, true),
  failingNode('nospc', 28, false),
  nullNode('base', STREAM_SIZE, { 'read-zeroes': true }),
  { 'qemu-img': 'create', format: 'qcow2', file: 'top.qcow2', size: STREAM_SIZE },
  { blockdev: { driver: 'qcow2', 'node-name': 'top', backing: 'base', file: { driver: 'file', 'node-name': 'top-file', filename: 'top.qcow2' } } },
];

/** What a qemu-system target gets besides VERIFY_SETUP: two qcow2 images for snapshot-save (the first holds the vmstate). */
export const SNAPSHOT_NODES = ['vm', 'disk'] as const;
export const VERIFY_SNAPSHOT_SETUP: readonly SetupStep[] = SNAPSHOT_NODES.flatMap((name): SetupStep[] => [
  { 'qemu-img': 'create', format: 'qcow2', file: `${name}.qcow2`, size: NODE_SIZE },
  { blockdev: { driver: 'qcow2', 'node-name': name, file: { driver: 'file', filename: `${name}.qcow2` } } },
]);

/** VERIFY_SETUP without the qcow2 image (no qemu-img needed; no block-stream then). */
export const VERIFY_SETUP_NO_IMAGES: readonly SetupStep[] = VERIFY_SETUP.filter((s) => !('qemu-img' in s) && !JSON.stringify(s).includes('qcow2'));

/** The environment of a target qjob starts with VERIFY_SETUP (or, `withImages: false`, VERIFY_SETUP_NO_IMAGES). */
export function controlledEnv(release: string, options: { injectCommand?: boolean; waitTimeoutS?: number; withImages?: boolean; snapshots?: boolean } = {}): VerifyEnv {
  const images = options.withImages !== false;
  const snapshots = images && options.snapshots === true;
  return {
    release,
    profile: profileFor(release),
    setup: images ? [...VERIFY_SETUP, ...(snapshots ? VERIFY_SNAPSHOT_SETUP : [])] : VERIFY_SETUP_NO_IMAGES,
    ...(snapshots ? { snapshots: { vmstate: SNAPSHOT_NODES[0], devices: SNAPSHOT_NODES } } : {}),
    sources: SOURCES,
    targets: TARGETS,
    nodeSize: NODE_SIZE,
    faults: { eio: 'bad', eioOnce: 'flaky', enospc: 'nospc' },
    ...(images ? { stream: { top: 'top', base: 'base' } } : {}),
    createFiles: true,
    injectCommand: options.injectCommand ?? false,
    idPrefix: '',
    persistent: false,
    ...(options.waitTimeoutS !== undefined ? { waitTimeoutS: options.waitTimeoutS } : {}),
  };
}

export class TargetProbeError extends Error {
  override readonly name = 'TargetProbeError';
}

/** Drivers whose nodes hold no data, so jobs may write to them on a server someone else runs. */
export const DATALESS_DRIVERS: ReadonlySet<string> = new Set(['null-co', 'null-aio']);

interface NodeEntry {
  readonly name: string;
  readonly size: number;
  readonly driver: string;
  readonly readOnly: boolean;
}

async function returnOf(client: QmpConnection, command: string, args?: Record<string, unknown>): Promise<unknown> {
  const r = await client.execute(command, args);
  if (isQmpError(r)) throw new TargetProbeError(`${command} failed: ${r.error.class}: ${r.error.desc}`);
  return r.return;
}

/** Probes a server qjob did not start: release, usable nodes, existing job ids, whether it is the model. */
export async function discoverEnv(client: QmpConnection, releaseOverride?: string): Promise<VerifyEnv> {
  const fromGreeting = releaseFromGreeting(client.greeting);
  const release = releaseOverride ?? (fromGreeting ? formatRelease(fromGreeting) : undefined);
  if (release === undefined || parseRelease(release) === undefined) throw new TargetProbeError('the greeting names no QEMU version; give --release');
  const isModel = client.greeting.QMP.version.package.startsWith(MODEL_PACKAGE);
  const commands = (await returnOf(client, 'query-commands')) as { name: string }[];
  const raw = (await returnOf(client, 'query-named-block-nodes')) as Record<string, unknown>[];
  const jobs = (await returnOf(client, 'query-jobs')) as { id: string }[];
  const nodes: NodeEntry[] = [];
  for (const n of raw) {
    const name = n['node-name'];
    const image = n['image'] as Record<string, unknown> | undefined;
    const size = image?.['virtual-size'];
    if (typeof name !== 'string' || typeof size !== 'number') continue;
    nodes.push({ name, size, driver: String(n['drv']), readOnly: n['ro'] === true });
  }
  // Only nodes that hold no data: a backup overwrites its target, and a completed mirror moves its
  // source's users to the target, so a guest's disk must never be either. Named, writable, grouped by
  // size; the biggest group wins.
  const usable = nodes.filter((n) => !n.name.startsWith('#') && !n.readOnly && DATALESS_DRIVERS.has(n.driver));
  const bySize = new Map<number, string[]>();
  for (const n of usable) bySize.set(n.size, [...(bySize.get(n.size) ?? []), n.name]);
  const best = [...bySize.entries()].sort((a, b) => b[1].length - a[1].length || b[0] - a[0])[0];
  if (!best || best[1].length < 2) {
    throw new TargetProbeError(
      'the server has fewer than two writable null-co / null-aio nodes of one size; verify uses no other nodes on a server it did not start ' +
        '(add some: {"execute": "blockdev-add", "arguments": {"driver": "null-co", "node-name": "v0", "size": 67108864}})',
    );
  }
  const names = best[1].sort();
  const half = Math.ceil(names.length / 2);
  let prefix = 'v';
  for (let k = 0; jobs.some((j) => j.id.startsWith(prefix)); k++) prefix = `v${k.toString(36)}x`;
  return {
    release,
    profile: profileFor(release),
    sources: names.slice(0, half),
    targets: names.slice(half),
    nodeSize: best[0],
    faults: {},
    createFiles: isModel,
    injectCommand: commands.some((c) => c.name === INJECT_COMMAND),
    idPrefix: prefix,
    persistent: true,
  };
}

/** Whether a target is one qjob starts afresh for each session (so VERIFY_SETUP applies). */
export function isControlled(target: Target): boolean {
  return /^(model|qemu)(-system)?(:|$)/.test(target.name);
}
