/**
 * Target strings, as the CLI and the test runner take them:
 *   qemu            qemu-storage-daemon from $PATH, started per session
 *   qemu:PATH       that qemu-storage-daemon binary
 *   qemu:7.2        a known release (5.2, 7.2, 10.0, 11.1), found as in qemuRelease.ts (QJOB_QEMU_7_2, ...)
 *   qemu-system     qemu-system-x86_64 from $PATH, with no machine, for the snapshot jobs
 *   qemu-system:PATH, qemu-system:7.2   that binary; a release's (7.2, 10.0, 11.1; QJOB_QEMU_SYSTEM_7_2, ...)
 *   qmp:unix:PATH   a QMP server that is already running
 *   qmp:tcp:HOST:PORT
 * The word before the first colon picks a kind. Kinds live in a registry, so a kind defined elsewhere
 * (the model) can be added with registerTargetKind without this file knowing about it.
 */
import { parseQmpAddress, QmpAddressError } from '../qmp/index.ts';
import { TargetSpecError } from './errors.ts';
import {
  findQemuRelease,
  findQemuSystemRelease,
  isQemuReleaseName,
  QEMU_RELEASE_NAMES,
  QEMU_SYSTEM_RELEASE_NAMES,
  type QemuReleaseLookup,
  type QemuReleaseName,
} from './qemuRelease.ts';
import type { QemuProgramKind } from './qemuTarget.ts';
import { qemuTarget } from './qemuTarget.ts';
import { qmpTarget } from './qmpTarget.ts';
import { modelSystemTargetKind, modelTargetKind } from '../server/modelTarget.ts';
import type { Target, TargetKind } from './target.ts';

export type { TargetKind } from './target.ts';

/** The `qemu` and `qemu-system` kinds: a path, a known release, or the bare word for the program on $PATH. */
function qemuKind(scheme: string, program: QemuProgramKind, releases: readonly QemuReleaseName[], find: (release: QemuReleaseName) => QemuReleaseLookup): TargetKind {
  return {
    scheme,
    usage: [scheme, `${scheme}:PATH`, ...releases.map((release) => `${scheme}:${release}`)],
    create(rest, spec) {
      if (rest === undefined) return qemuTarget({ name: spec, program });
      if (rest === '') throw new TargetSpecError(`'${spec}': give a path after '${scheme}:', or just '${scheme}'`);
      if (isQemuReleaseName(rest)) {
        const found = find(rest);
        if ('missing' in found) throw new TargetSpecError(found.missing);
        return qemuTarget({ binary: found.path, name: spec, program });
      }
      return qemuTarget({ binary: rest, name: spec, program });
    },
  };
}

export const qemuTargetKind: TargetKind = qemuKind('qemu', 'storage-daemon', QEMU_RELEASE_NAMES, findQemuRelease);

/** qemu-system-x86_64, for the snapshot jobs: `qemu-system:7.2`. */
export const qemuSystemTargetKind: TargetKind = qemuKind('qemu-system', 'system', QEMU_SYSTEM_RELEASE_NAMES, findQemuSystemRelease);

export const qmpTargetKind: TargetKind = {
  scheme: 'qmp',
  usage: ['qmp:unix:PATH', 'qmp:tcp:HOST:PORT'],
  create(rest, spec) {
    try {
      return qmpTarget(parseQmpAddress(rest ?? ''), spec);
    } catch (error) {
      if (error instanceof QmpAddressError) throw new TargetSpecError(`'${spec}': expected qmp:unix:PATH or qmp:tcp:HOST:PORT`);
      throw error;
    }
  },
};

/**
 * The kinds qjob knows from the start. server/modelTarget.ts imports only leaf modules of targets/
 * (errors.ts, target.ts), so listing its kind here makes no import cycle. Kinds defined by tests are
 * added with registerTargetKind.
 */
const BUILTIN_KINDS: readonly TargetKind[] = [qemuTargetKind, qemuSystemTargetKind, qmpTargetKind, modelTargetKind, modelSystemTargetKind];

const kinds = new Map<string, TargetKind>(BUILTIN_KINDS.map((kind) => [kind.scheme, kind]));

/** Adds a kind of target; its scheme must not be taken. */
export function registerTargetKind(kind: TargetKind): void {
  if (kinds.has(kind.scheme)) throw new Error(`a target kind '${kind.scheme}' is already registered`);
  kinds.set(kind.scheme, kind);
}

/** Every known kind, built-in ones first. */
export function targetKinds(): readonly TargetKind[] {
  return [...kinds.values()];
}

/** Makes the target a string names; throws TargetSpecError listing the accepted forms when it names none. */
export function parseTarget(spec: string): Target {
  const colon = spec.indexOf(':');
  const scheme = colon < 0 ? spec : spec.slice(0, colon);
  const kind = kinds.get(scheme);
  if (kind === undefined) {
    const forms = targetKinds().flatMap((k) => k.usage);
    throw new TargetSpecError(`unknown target '${spec}'; expected one of: ${forms.join(', ')}`);
  }
  return kind.create(colon < 0 ? undefined : spec.slice(colon + 1), spec);
}
