/**
 * The reply QEMU gives to a verb command, for every (status, command, release): success, or the
 * error class and text. Checks run in QEMU's order (job-qmp.c, blockdev.c, job.c):
 * command exists → arguments → job lookup → checks that precede the table → the verb table →
 * checks after it → the driver's own checks.
 */
import { VerbCommands, type VerbCommandName } from './commands.ts';
import type { JobContext } from './context.ts';
import { pauseCount } from './context.ts';
import { JobErrors, type QmpError } from './errors.ts';
import type { VerbEvent } from './events.ts';
import { verbAllowed, type Profile } from './profile.ts';
import { isJobType } from './qapi.ts';

const COPY_MODES = ['background', 'write-blocking'];

const generic = (desc: string): QmpError => ({ class: 'GenericError', desc });

/** QAPI argument errors of the verb commands that need more than the job's name. */
function argumentError(event: VerbEvent): QmpError | undefined {
  if (event.type === 'block-job-set-speed') {
    if (event.speed === undefined) return generic("Parameter 'speed' is missing");
  }
  if (event.type === 'block-job-change') {
    if (event.jobType === undefined) return generic("Parameter 'type' is missing");
    if (!isJobType(event.jobType)) return generic(`Parameter 'type' does not accept value '${String(event.jobType)}'`);
    if (event.jobType === 'mirror') {
      if (event.copyMode === undefined) return generic("Parameter 'copy-mode' is missing");
      if (!COPY_MODES.includes(event.copyMode)) return generic(`Parameter 'copy-mode' does not accept value '${event.copyMode}'`);
    } else if (event.copyMode !== undefined) {
      // copy-mode is a member of the mirror branch only; QAPI refuses it in any other (7.2 has no command; 10.0 observed).
      return generic("Parameter 'copy-mode' is unexpected");
    }
  }
  return undefined;
}

/**
 * The reply to `event` given the job it names (undefined: no such job, or already dismissed).
 * Returns undefined when the command succeeds.
 */
export function verbReply(profile: Profile, job: JobContext | undefined, event: VerbEvent): QmpError | undefined {
  const spec = VerbCommands[event.type];
  if (!profile.commands.has(event.type)) return JobErrors.commandNotFound(event.type);
  const argError = argumentError(event);
  if (argError) return argError;
  if (!job || job.status === 'null' || job.status === 'undefined') {
    return spec.family === 'job' ? JobErrors.jobNotFound() : JobErrors.blockJobNotFound(event.id);
  }
  if (spec.family === 'block-job' && !job.isBlockJob) return JobErrors.blockJobNotFound(event.id);
  const tableRefuses = !verbAllowed(profile, spec.verb, job.status);
  const refused = () => JobErrors.verbRefused(job.id, job.status, spec.verb);
  switch (spec.verb) {
    case 'pause':
      if (tableRefuses) return refused();
      if (job.userPaused) return JobErrors.alreadyPaused();
      return undefined;
    case 'resume':
      if (!job.userPaused || pauseCount(job) <= 0) return JobErrors.notPaused();
      if (tableRefuses) return refused();
      return undefined;
    case 'cancel':
      if (event.type === 'block-job-cancel' && job.userPaused && !event.force) return JobErrors.blockJobPaused(job.id);
      if (tableRefuses) return refused();
      return undefined;
    case 'complete':
      if (tableRefuses) return refused();
      if (job.cancelled || !job.hasReady) return JobErrors.cannotComplete(job.id);
      if (profile.features.completeRefusedWhilePaused && pauseCount(job) > 0) return JobErrors.cannotComplete(job.id);
      return undefined;
    case 'set-speed':
      if (tableRefuses) return refused();
      if ((event.speed ?? 0) < 0) return JobErrors.negativeSpeed(profile.version);
      return undefined;
    case 'change': {
      if (tableRefuses) return refused();
      if (!job.supportsChange) return JobErrors.changeUnsupported();
      // Mirror reads copy-mode from the union whatever its type says: any other case reads as background.
      const wanted = event.jobType === 'mirror' ? event.copyMode : 'background';
      if (wanted === 'background' && job.copyMode === 'write-blocking') return JobErrors.copyModeNotImplemented('background');
      return undefined;
    }
    case 'finalize':
    case 'dismiss':
      return tableRefuses ? refused() : undefined;
  }
}

/** Whether a `block-job-cancel` / `job-cancel` on this job is a force cancel (the driver's cancel hook). */
export function isForceCancel(job: JobContext, event: VerbEvent): boolean {
  if (event.type === 'job-cancel' || event.force) return true;
  const readyish = job.status === 'ready' || job.status === 'standby';
  return !(job.softCancelInReady && readyish);
}

export function verbOf(command: VerbCommandName) {
  return VerbCommands[command].verb;
}
