/**
 * Where the QEMU releases the live tests run against are installed. Each release has a variable that
 * points at a qemu-storage-daemon, and a default, all set up by `npm run qemu:setup`
 * (scripts/qemu-setup.sh): 7.2 is the Debian bookworm package, 10.0 is bookworm-backports' package
 * unpacked into .qemu/10.0, and 5.2 (bullseye) and 11.1 (sid) are unpacked with their own libraries
 * into .qemu/<release>/root and started by the wrapper .qemu/<release>/bin/qemu-storage-daemon, which
 * runs the binary through that root's dynamic loader (qemu-img has a wrapper beside it). A binary
 * counts only if `--version` reports that release.
 *
 * The snapshot jobs (snapshot-save, -load, -delete, since 6.0) exist only in the system emulator, so the
 * releases that have them also have a qemu-system-x86_64 (QEMU_SYSTEM_RELEASES, `--target qemu-system:7.2`):
 * 7.2 is bookworm's qemu-system-x86, installed system-wide; 10.0 and 11.1 are unpacked beside their daemon.
 * 5.2 has no snapshot jobs, so no system emulator is set up for it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export type QemuReleaseName = '5.2' | '7.2' | '10.0' | '11.1';

export interface QemuReleaseInfo {
  /** The environment variable that overrides the default path. */
  readonly variable: string;
  readonly defaultPath: string;
  /** Where `npm run qemu:setup` takes the release from and how it runs it. */
  readonly source: string;
}

/** A path inside the repository's .qemu folder (ignored by git). */
function inQemuFolder(relative: string): string {
  return fileURLToPath(new URL(`../.qemu/${relative}`, import.meta.url));
}

/** Oldest first. */
export const QEMU_RELEASES: Readonly<Record<QemuReleaseName, QemuReleaseInfo>> = {
  '5.2': {
    variable: 'QJOB_QEMU_5_2',
    defaultPath: inQemuFolder('5.2/bin/qemu-storage-daemon'),
    source: 'Debian bullseye, unpacked with its libraries into .qemu/5.2/root, started through its own loader',
  },
  '7.2': { variable: 'QJOB_QEMU_7_2', defaultPath: '/usr/bin/qemu-storage-daemon', source: 'Debian bookworm, installed system-wide' },
  '10.0': {
    variable: 'QJOB_QEMU_10_0',
    defaultPath: inQemuFolder('10.0/usr/bin/qemu-storage-daemon'),
    source: "Debian bookworm-backports, unpacked into .qemu/10.0, run with bookworm's libraries",
  },
  '11.1': {
    variable: 'QJOB_QEMU_11_1',
    defaultPath: inQemuFolder('11.1/bin/qemu-storage-daemon'),
    source: 'Debian sid, unpacked with its libraries into .qemu/11.1/root, started through its own loader',
  },
};

/** The system emulators of the releases that have snapshot jobs (6.0 and later), found as the daemons are. */
export const QEMU_SYSTEM_RELEASES: Readonly<Partial<Record<QemuReleaseName, QemuReleaseInfo>>> = {
  '7.2': { variable: 'QJOB_QEMU_SYSTEM_7_2', defaultPath: '/usr/bin/qemu-system-x86_64', source: "Debian bookworm's qemu-system-x86, installed system-wide" },
  '10.0': {
    variable: 'QJOB_QEMU_SYSTEM_10_0',
    defaultPath: inQemuFolder('10.0/usr/bin/qemu-system-x86_64'),
    source: "Debian bookworm-backports' qemu-system-x86, unpacked into .qemu/10.0, run with bookworm's libraries",
  },
  '11.1': {
    variable: 'QJOB_QEMU_SYSTEM_11_1',
    defaultPath: inQemuFolder('11.1/bin/qemu-system-x86_64'),
    source: "Debian sid's qemu-system-x86, unpacked with its libraries into .qemu/11.1/root, started through its own loader",
  },
};

/** The releases with a system emulator, oldest first. */
export const QEMU_SYSTEM_RELEASE_NAMES: readonly QemuReleaseName[] = Object.keys(QEMU_SYSTEM_RELEASES) as QemuReleaseName[];

export function isQemuSystemReleaseName(value: string): value is QemuReleaseName {
  return Object.hasOwn(QEMU_SYSTEM_RELEASES, value);
}

/** The known release names, oldest first. */
export const QEMU_RELEASE_NAMES: readonly QemuReleaseName[] = Object.keys(QEMU_RELEASES) as QemuReleaseName[];

export type QemuReleaseLookup =
  | { readonly release: QemuReleaseName; readonly path: string; /** As `--version` prints it, e.g. 7.2.22. */ readonly version: string }
  | { readonly release: QemuReleaseName; /** Why it is not usable, and how to fix that. */ readonly missing: string };

export function isQemuReleaseName(value: string): value is QemuReleaseName {
  return Object.hasOwn(QEMU_RELEASES, value);
}

const cache = new Map<string, QemuReleaseLookup>();

/** Finds a release: the variable's path if set, else the default; checks it runs and is that release. */
export function findQemuRelease(release: QemuReleaseName, env: NodeJS.ProcessEnv = process.env): QemuReleaseLookup {
  return findProgram(release, QEMU_RELEASES[release], 'qemu-storage-daemon', env);
}

/** Finds a release's qemu-system-x86_64 as findQemuRelease finds its daemon; 5.2 has none (no snapshot jobs). */
export function findQemuSystemRelease(release: QemuReleaseName, env: NodeJS.ProcessEnv = process.env): QemuReleaseLookup {
  const info = QEMU_SYSTEM_RELEASES[release];
  if (info === undefined) {
    return { release, missing: `QEMU ${release} has no snapshot jobs (they came in 6.0), so qjob sets up no qemu-system for it; known: ${QEMU_SYSTEM_RELEASE_NAMES.join(', ')}` };
  }
  return findProgram(release, info, 'qemu-system-x86_64', env);
}

function findProgram(release: QemuReleaseName, info: QemuReleaseInfo, program: string, env: NodeJS.ProcessEnv): QemuReleaseLookup {
  const fromEnv = env[info.variable];
  const path = fromEnv !== undefined && fromEnv !== '' ? fromEnv : info.defaultPath;
  const key = `${release}\0${path}`;
  let found = cache.get(key);
  if (found === undefined) {
    found = probe(release, info, program, path, fromEnv !== undefined && fromEnv !== '' ? `${info.variable}=${path}` : `the default ${path}`);
    cache.set(key, found);
  }
  return found;
}

function probe(release: QemuReleaseName, info: QemuReleaseInfo, program: string, path: string, source: string): QemuReleaseLookup {
  const fix = `set ${info.variable} to a ${program} ${release}, or run \`npm run qemu:setup\``;
  if (!fs.existsSync(path)) return { release, missing: `QEMU ${release} not found: ${source} does not exist (${fix})` };
  let text: string;
  try {
    text = execFileSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    return { release, missing: `QEMU ${release} not usable: ${source} --version failed: ${(error as Error).message.split('\n')[0]} (${fix})` };
  }
  const version = /version (\d+)\.(\d+)\.(\d+)/.exec(text);
  if (version === null) return { release, missing: `QEMU ${release} not usable: ${source} --version printed no version (${fix})` };
  if (`${version[1]}.${version[2]}` !== release) {
    return { release, missing: `QEMU ${release} not found: ${source} is version ${version[1]}.${version[2]}.${version[3]} (${fix})` };
  }
  return { release, path, version: `${version[1]}.${version[2]}.${version[3]}` };
}
