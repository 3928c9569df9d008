/** Targets: the implementations a scenario can run against, and how target strings name them. */
export { describeExit, startChild, type ChildHandle, type ExitStatus } from './childProcess.ts';
export { SetupError, TargetSpecError, TargetStartError } from './errors.ts';
export { parseTarget, qemuTargetKind, qmpTargetKind, registerTargetKind, targetKinds, type TargetKind } from './parseTarget.ts';
export { checkSocketPath, makePrivateFolder, MAX_SOCKET_PATH, temporaryFolderProblem } from './privateFolder.ts';
export { liveCleanups, registerCleanup, type Cleanup } from './processCleanup.ts';
export {
  findQemuRelease,
  isQemuReleaseName,
  QEMU_RELEASE_NAMES,
  QEMU_RELEASES,
  type QemuReleaseInfo,
  type QemuReleaseLookup,
  type QemuReleaseName,
} from './qemuRelease.ts';
export { findBeside, qemuTarget, type QemuTargetOptions } from './qemuTarget.ts';
export { qmpTarget } from './qmpTarget.ts';
export { BLOCK_DRIVERS, checkFolderPath, DEFAULT_SETUP, IMAGE_FORMATS, planSetup, type SetupPlan } from './setupPlan.ts';
export type { Session, SessionOptions, Target, TargetSetup } from './target.ts';
