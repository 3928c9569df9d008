/**
 * The QEMU releases the live tests run against, and `describeQemu`, which registers a suite for one
 * release. When the release is missing the suite is skipped with a message saying how to get it, except
 * under CI (QJOB_REQUIRE_QEMU=1), where a missing release is a failing test: CI must not pass by
 * running nothing.
 */
import { describe, it } from 'vitest';
import { findQemuRelease, findQemuSystemRelease, QEMU_RELEASE_NAMES, QEMU_SYSTEM_RELEASE_NAMES, type QemuReleaseLookup, type QemuReleaseName } from '../../targets/index.ts';

export type { QemuReleaseName };

export interface QemuInstall {
  readonly release: QemuReleaseName;
  /** The binary: qemu-storage-daemon, or qemu-system-x86_64 under describeQemuSystem. */
  readonly path: string;
  /** As `--version` prints it, e.g. 7.2.22. */
  readonly version: string;
}

/** The release's binary, or why it is missing. */
export function qemuRelease(release: QemuReleaseName): { readonly path: string; readonly version: string } | { readonly missing: string } {
  const found: QemuReleaseLookup = findQemuRelease(release);
  return 'missing' in found ? { missing: found.missing } : { path: found.path, version: found.version };
}

/** Every release qemu:setup installs (targets/qemuRelease.ts), oldest first: 5.2, 7.2, 10.0, 11.1. */
export const RELEASES: readonly QemuReleaseName[] = QEMU_RELEASE_NAMES;

/** The releases whose qemu-system-x86_64 qemu:setup installs, for the snapshot jobs (6.0 and later). */
export const SYSTEM_RELEASES: readonly QemuReleaseName[] = QEMU_SYSTEM_RELEASE_NAMES;

/** Registers `fn`'s tests under "QEMU <release>", or a skip / failure saying the release is missing. */
export function describeQemu(release: QemuReleaseName, fn: (qemu: QemuInstall) => void): void {
  describeFound(release, findQemuRelease(release), fn);
}

/** As describeQemu, for the release's qemu-system-x86_64 (`path` is that binary). */
export function describeQemuSystem(release: QemuReleaseName, fn: (qemu: QemuInstall) => void): void {
  describeFound(`${release} qemu-system`, findQemuSystemRelease(release), fn);
}

function describeFound(what: string, found: QemuReleaseLookup, fn: (qemu: QemuInstall) => void): void {
  const release = found.release;
  if (!('missing' in found)) {
    describe(`QEMU ${what} (${found.version})`, () => fn({ release, path: found.path, version: found.version }));
    return;
  }
  if (process.env['QJOB_REQUIRE_QEMU'] === '1') {
    describe(`QEMU ${what}`, () => {
      it(`is installed (QJOB_REQUIRE_QEMU=1 requires it)`, () => {
        throw new Error(`${found.missing}. QJOB_REQUIRE_QEMU=1 is set, so a missing QEMU fails the run instead of skipping it.`);
      });
    });
    return;
  }
  // Also printed, since the default reporter shows only a count of skipped tests.
  console.warn(`[qjob] skipping the QEMU ${what} tests: ${found.missing}`);
  describe.skip(`QEMU ${what}: skipped, ${found.missing}`, () => {
    it(`needs QEMU ${what}`, () => {});
  });
}
