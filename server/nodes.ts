/**
 * The block nodes the model server offers: a small stand-in for QEMU's block graph, enough for jobs to
 * have sources and targets, sizes, backing chains and failing writes. Nodes come from set-up steps
 * (the same `{blockdev: ...}` / `{qemu-img: create}` steps the qemu target takes), `blockdev-add`, or the
 * default set. Images live in a virtual folder, so `qemu-img create` steps and `blockdev-create` work
 * without touching the disk. A blkdebug node with `inject-error: [{event: "pwritev", errno}]` fails
 * the writes of a job that targets it, as QEMU's does; that is the portable way to inject I/O errors.
 */
import type { JobType, QmpError } from '../machines/index.ts';
import type { SetupStep } from '../traces/format.ts';
import { isQDict } from './qmpJson.ts';
import type { ErrorTexts } from './texts.ts';

export const MiB = 1024 * 1024;
export const DEFAULT_NODE_SIZE = 64 * MiB;
/** null-co's default size (1 GiB), as QEMU has it. */
const NULL_DEFAULT_SIZE = 1 << 30;

/** A write fault on a node (blkdebug inject-error on pwritev). */
export interface WriteFault {
  readonly errno: number;
  readonly once: boolean;
  /** A `once` fault has fired. */
  fired: boolean;
}

export interface BlockNode {
  readonly name: string;
  readonly driver: string;
  readonly size: number;
  readonly readOnly: boolean;
  /** Named by QEMU (`#block123`), not by the user. */
  readonly implicit: boolean;
  /** The protocol/format child (`file`, or blkdebug's `image`). */
  readonly child?: string;
  /** The backing node, for formats with backing files. */
  readonly backing?: string;
  /** The image file name, for `file` nodes (and shown as `file` for the others). */
  readonly filename: string;
  readonly fault?: WriteFault;
}

export interface VirtualFile {
  readonly format: string;
  readonly size: number;
  readonly backing?: string;
}

/** The default nodes: 64 MiB null-co nodes, enough for a few jobs side by side. */
export const DEFAULT_NODE_NAMES = ['src', 'dst', 'src1', 'dst1', 'src2', 'dst2', 'dst3'] as const;

export function defaultSetup(names: readonly string[] = DEFAULT_NODE_NAMES): SetupStep[] {
  return names.map((name) => ({ blockdev: { driver: 'null-co', 'node-name': name, size: DEFAULT_NODE_SIZE } }));
}

const FORMATS_WITH_BACKING = new Set(['qcow2', 'qed', 'vmdk']);
export const KNOWN_DRIVERS = new Set(['null-co', 'null-aio', 'file', 'raw', 'qcow2', 'qed', 'vmdk', 'vdi', 'vpc', 'vhdx', 'parallels', 'blkdebug', 'copy-on-read', 'preallocate', 'compress']);
/** Drivers whose image can be made by blockdev-create. */
export const CREATE_DRIVERS = new Set(['file', 'raw', 'qcow2', 'qed', 'vmdk', 'vdi', 'vpc', 'vhdx', 'parallels', 'luks']);
/** Drivers x-blockdev-amend can change. */
export const AMEND_DRIVERS = new Set(['qcow2', 'luks']);

const NODE_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,31}$/;
const generic = (desc: string): QmpError => ({ class: 'GenericError', desc });

const isObject = isQDict;

/** Who holds a node: QEMU's op blocker of a job ("block device is in use by block job: backup"). */
export interface NodeHolder {
  readonly job: string;
  readonly type: JobType;
}

export class NodeGraph {
  readonly nodes = new Map<string, BlockNode>();
  readonly files = new Map<string, VirtualFile>();
  private readonly holders = new Map<string, NodeHolder>();
  /** Job filters inserted above a node (backup's copy-before-write, mirror_top, ...): job ids. */
  private readonly filters = new Map<string, Set<string>>();
  private implicitCount = 0;
  /** Internal snapshots by node: the tags snapshot-save made (qemu-system only). */
  readonly snapshots = new Map<string, Set<string>>();

  /** `texts`: the wordings of the release the graph's errors speak as. */
  constructor(readonly texts: ErrorTexts) {}

  /** Applies set-up steps; throws an Error naming the step that cannot be applied. */
  applySetup(steps: readonly SetupStep[]): void {
    steps.forEach((step, i) => {
      const where = `set-up step ${i + 1}`;
      if ('qemu-img' in step) {
        if (step['qemu-img'] !== 'create') throw new Error(`${where}: only qemu-img create is supported`);
        const size = parseSize(step.size ?? 0);
        if (size === undefined) throw new Error(`${where}: bad size ${JSON.stringify(step.size)}`);
        const backing = step.backing;
        if (backing !== undefined && !this.files.has(backing)) throw new Error(`${where}: backing file ${backing} does not exist`);
        this.files.set(step.file, { format: step.format, size: size === 0 && backing !== undefined ? this.files.get(backing)!.size : size, ...(backing !== undefined ? { backing } : {}) });
        return;
      }
      const err = this.add(step.blockdev);
      if (err) throw new Error(`${where}: ${err.desc}`);
    });
  }

  get(name: string): BlockNode | undefined {
    return this.nodes.get(name);
  }

  /** blockdev-add: adds the node and its nested children. Returns the error QEMU would give. */
  add(options: unknown): QmpError | undefined {
    if (!isObject(options)) return generic("Invalid parameter type for 'arguments', expected: object");
    if (typeof options['node-name'] !== 'string') return generic("'node-name' must be specified for the root node");
    const added: string[] = [];
    const result = this.open(options, added);
    if (typeof result !== 'string') {
      for (const name of added) this.nodes.delete(name);
      return result;
    }
    return undefined;
  }

  /** blockdev-del. */
  del(name: string): QmpError | undefined {
    const node = this.nodes.get(name);
    if (!node || node.implicit) return generic(this.texts.delNotFound(name));
    const holder = this.holders.get(name);
    if (holder) return generic(`Node '${name}' is busy: block device is in use by block job: ${holder.type}`);
    for (const other of this.nodes.values()) {
      if (other.child === name || other.backing === name) return generic(`Node ${name} is in use`);
    }
    this.nodes.delete(name);
    for (const child of [node.child, node.backing]) {
      const c = child === undefined ? undefined : this.nodes.get(child);
      if (c?.implicit) this.nodes.delete(c.name);
    }
    return undefined;
  }

  hold(name: string, holder: NodeHolder): void {
    this.holders.set(name, holder);
  }

  release(job: string): void {
    for (const [name, h] of this.holders) if (h.job === job) this.holders.delete(name);
    for (const [name, jobs] of this.filters) {
      jobs.delete(job);
      if (jobs.size === 0) this.filters.delete(name);
    }
  }

  /** A job inserted its filter node above `name`, which is then no root node. */
  addFilter(name: string, job: string): void {
    let jobs = this.filters.get(name);
    if (!jobs) this.filters.set(name, (jobs = new Set()));
    jobs.add(job);
  }

  /** A node nothing sits above: no other node's child, no job filter (qmp_get_root_bs). */
  isRoot(name: string): boolean {
    if (this.filters.has(name)) return false;
    for (const other of this.nodes.values()) if (other.child === name || other.backing === name) return false;
    return true;
  }

  holder(name: string): NodeHolder | undefined {
    return this.holders.get(name);
  }

  /** The error of an operation on a node a job holds. */
  busy(name: string): QmpError | undefined {
    const h = this.holders.get(name);
    return h ? generic(`Node '${name}' is busy: block device is in use by block job: ${h.type}`) : undefined;
  }

  /** The write fault a job writing to `name` meets: on the node or any node below it. */
  faultOf(name: string): WriteFault | undefined {
    for (let node = this.nodes.get(name), depth = 0; node && depth < 16; depth++) {
      if (node.fault && !(node.fault.once && node.fault.fired)) return node.fault;
      node = node.child === undefined ? undefined : this.nodes.get(node.child);
    }
    return undefined;
  }

  /** A new implicit node over a file, for drive-backup / drive-mirror targets. */
  openFile(filename: string, format: string): string | QmpError {
    return this.open({ driver: format, file: { driver: 'file', filename } }, []);
  }

  /** A stream that finished: the node no longer has a backing file (its data was copied in). */
  dropBacking(name: string): void {
    const node = this.nodes.get(name);
    if (!node?.backing) return;
    const { backing: _gone, ...rest } = node;
    this.nodes.set(name, rest);
  }

  /** The chain below `name`: its backing node, that one's, ... */
  backingChain(name: string): string[] {
    const out: string[] = [];
    for (let node = this.nodes.get(name); node?.backing !== undefined && out.length < 64; node = this.nodes.get(node.backing)) out.push(node.backing);
    return out;
  }

  private nextImplicit(): string {
    this.implicitCount += 1;
    return `#block${100 + this.implicitCount * 3}`;
  }

  /** Opens a node; returns its name or an error. `added` collects what was created. */
  private open(options: Record<string, unknown>, added: string[]): string | QmpError {
    const driver = options['driver'];
    if (typeof driver !== 'string') return generic("Parameter 'driver' is missing");
    if (!KNOWN_DRIVERS.has(driver)) return generic(`Parameter 'driver' does not accept value '${driver}'`);
    const given = options['node-name'];
    if (given !== undefined && (typeof given !== 'string' || !NODE_NAME.test(given))) return generic(this.texts.invalidNodeName(String(given)));
    if (typeof given === 'string' && this.nodes.has(given)) return generic(this.texts.duplicateNodeName(given));
    const name = typeof given === 'string' ? given : this.nextImplicit();
    const readOnly = options['read-only'] === true;
    let node: BlockNode;
    if (driver === 'null-co' || driver === 'null-aio') {
      const size = options['size'];
      if (size !== undefined && (typeof size !== 'number' || size < 0)) return generic("Invalid parameter type for 'size', expected: integer");
      node = { name, driver, size: typeof size === 'number' ? size : NULL_DEFAULT_SIZE, readOnly, implicit: given === undefined, filename: `${driver}://` };
    } else if (driver === 'file') {
      const filename = options['filename'];
      if (typeof filename !== 'string') return generic("Parameter 'filename' is missing");
      const file = this.files.get(filename);
      if (!file) return generic(`Could not open '${filename}': No such file or directory`);
      node = { name, driver, size: file.size, readOnly, implicit: given === undefined, filename };
    } else {
      const childKey = driver === 'blkdebug' ? 'image' : 'file';
      const child = this.childOf(options[childKey], childKey, added);
      if (typeof child !== 'string') return child;
      const childNode = this.nodes.get(child)!;
      let size = childNode.size;
      let backing: string | undefined;
      if (FORMATS_WITH_BACKING.has(driver)) {
        const file = childNode.driver === 'file' ? this.files.get(childNode.filename) : undefined;
        if (childNode.driver === 'file' && file && file.format !== driver) return generic(`Image is not in ${driver} format`);
        if (file) size = file.size;
        const b = options['backing'];
        if (b === null) backing = undefined;
        else if (b !== undefined) {
          const r = this.childOf(b, 'backing', added);
          if (typeof r !== 'string') return r;
          backing = r;
        } else if (file?.backing !== undefined) {
          const r = this.open({ driver: this.files.get(file.backing)?.format ?? 'raw', file: { driver: 'file', filename: file.backing } }, added);
          if (typeof r !== 'string') return r;
          backing = r;
        }
      }
      let fault: WriteFault | undefined;
      if (driver === 'blkdebug') {
        const rules = Array.isArray(options['inject-error']) ? options['inject-error'] : [];
        for (const rule of rules) {
          if (isObject(rule) && (rule['event'] === 'pwritev' || rule['event'] === 'write_aio')) {
            fault = { errno: typeof rule['errno'] === 'number' ? rule['errno'] : 5, once: rule['once'] === true, fired: false };
          }
        }
      }
      node = {
        name,
        driver,
        size,
        readOnly,
        implicit: given === undefined,
        child,
        filename: childNode.filename,
        ...(backing !== undefined ? { backing } : {}),
        ...(fault ? { fault } : {}),
      };
    }
    this.nodes.set(name, node);
    added.push(name);
    return name;
  }

  private childOf(value: unknown, key: string, added: string[]): string | QmpError {
    if (typeof value === 'string') {
      if (!this.nodes.has(value)) return generic(this.texts.notFound(value));
      return value;
    }
    if (isObject(value)) return this.open(value, added);
    return generic(`Parameter '${key}' is missing`);
  }
}

/** "64M", "1G", 4096 → bytes. */
export function parseSize(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  const m = /^(\d+)([kKmMgGtT]?)$/.exec(value.trim());
  if (!m) return undefined;
  const unit = { '': 1, k: 1024, m: MiB, g: 1024 * MiB, t: 1024 * 1024 * MiB }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Number(m[1]) * unit;
}
