/**
 * `qjob targets [--json] [--check]`: the QEMU releases qjob knows by name (qemu:5.2, qemu:7.2, ...),
 * whether each is set up and where, what is missing and how to fix it; then the target forms.
 */
import type { Command } from 'commander';
import {
  findQemuRelease,
  findQemuSystemRelease,
  QEMU_RELEASE_NAMES,
  QEMU_RELEASES,
  QEMU_SYSTEM_RELEASE_NAMES,
  QEMU_SYSTEM_RELEASES,
  targetKinds,
  type QemuReleaseName,
} from '../../targets/index.ts';
import type { CommandSpec } from '../command.ts';

export interface ReleaseRow {
  readonly release: QemuReleaseName;
  readonly target: string;
  readonly variable: string;
  /** Where `npm run qemu:setup` takes it from. */
  readonly source: string;
  /** The binary found, with its version; or `missing`: why not, and how to fix that. */
  readonly path?: string;
  readonly version?: string;
  readonly missing?: string;
}

/** The daemons (qemu:X.Y), then the system emulators for the snapshot jobs (qemu-system:X.Y; none for 5.2). */
export function releaseRows(env: NodeJS.ProcessEnv = process.env): ReleaseRow[] {
  const daemons = QEMU_RELEASE_NAMES.map((release) => {
    const info = QEMU_RELEASES[release];
    const found = findQemuRelease(release, env);
    const row = { release, target: `qemu:${release}`, variable: info.variable, source: info.source };
    return 'missing' in found ? { ...row, missing: found.missing } : { ...row, path: found.path, version: found.version };
  });
  const systems = QEMU_SYSTEM_RELEASE_NAMES.map((release) => {
    const info = QEMU_SYSTEM_RELEASES[release]!;
    const found = findQemuSystemRelease(release, env);
    const row = { release, target: `qemu-system:${release}`, variable: info.variable, source: info.source };
    return 'missing' in found ? { ...row, missing: found.missing } : { ...row, path: found.path, version: found.version };
  });
  return [...daemons, ...systems];
}

export function renderReleases(rows: readonly ReleaseRow[]): string {
  const lines = ['QEMU releases (target, version or status, qemu-storage-daemon or, for qemu-system:X.Y, qemu-system-x86_64):'];
  const width = Math.max(...rows.map((r) => r.target.length));
  for (const row of rows) {
    const state = row.version !== undefined ? row.version : 'missing';
    lines.push(`  ${row.target.padEnd(width)}  ${state.padEnd(8)}  ${row.path ?? '-'}`);
    lines.push(`  ${''.padEnd(width)}  ${''.padEnd(8)}  from ${row.source}; ${row.variable} overrides the path`);
  }
  const missing = rows.filter((r) => r.missing !== undefined);
  if (missing.length > 0) {
    lines.push('', `Missing (${missing.length} of ${rows.length}):`);
    for (const row of missing) lines.push(`  ${row.target}: ${row.missing ?? ''}`);
  }
  lines.push('', 'Target forms: ' + targetKinds().flatMap((k) => k.usage).join(', '));
  return lines.join('\n') + '\n';
}

export const targetsCommand: CommandSpec = {
  name: 'targets',
  summary: 'list the QEMU releases known by name, where each is installed, and what is missing',
  description:
    'For each QEMU release qjob knows by name (--target qemu:X.Y, record-corpus --qemu X.Y), shows the ' +
    'qemu-storage-daemon found and its version, and likewise the qemu-system-x86_64 of each release with snapshot ' +
    'jobs (--target qemu-system:X.Y; 5.2 has none), where `npm run qemu:setup` takes it from and the variable that ' +
    'overrides its path; for a release that is not usable, why and how to fix it. Exit 0; with --check, 1 when a ' +
    'release is missing.',
  configure(cmd: Command) {
    cmd.option('--json', 'print JSON').option('--check', 'exit 1 when a release is missing');
  },
  async run(cmd: Command) {
    const opts = cmd.opts<{ json?: boolean; check?: boolean }>();
    const rows = releaseRows();
    process.stdout.write(opts.json ? JSON.stringify({ releases: rows }, null, 2) + '\n' : renderReleases(rows));
    return opts.check === true && rows.some((r) => r.missing !== undefined) ? 1 : 0;
  },
};
