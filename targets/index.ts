/** Targets: the implementations a scenario can run against, and how target strings name them. */
export { describeExit, startChild, type ChildHandle, type ExitStatus } from './childProcess.ts';
export { SetupError, TargetSpecError, TargetStartError } from './errors.ts';
export { parseTarget, qemuSystemTargetKind, qemuTargetKind, qmpTargetKind, registerTargetKind, targetKinds, type TargetKind } from './parseTarget.ts';
export { checkSocketPath, makePrivateFolder, MAX_SOCKET_PATH, temporaryFolderProblem } from './privateFolder.ts';
export { liveCleanups, registerCleanup, type Cleanup } from './processCleanup.ts';
export {
  findQemuRelease,
  findQemuSystemRelease,
  isQemuReleaseName,
  isQemuSystemReleaseName,
  QEMU_RELEASE_NAMES,
  QEMU_RELEASES,
  QEMU_SYSTEM_RELEASE_NAMES,
  QEMU_SYSTEM_RELEASES,
  type QemuReleaseInfo,
  type QemuReleaseLookup,
  type QemuReleaseName,
} from './qemuRelease.ts';
export { findBeside, qemuTarget, type QemuProgramKind, type QemuTargetOptions } from './qemuTarget.ts';
export { qmpTarget } from './qmpTarget.ts';
export { BLOCK_DRIVERS, checkFolderPath, DEFAULT_SETUP, IMAGE_FORMATS, planSetup, SYSTEM_SETUP, type SetupPlan } from './setupPlan.ts';
export type { Session, SessionOptions, Target, TargetSetup } from './target.ts';
