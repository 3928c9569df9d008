/** Errors from choosing, preparing and starting targets. All are meant to be shown to the user as they are. */

/** A target string that names no known kind, or names it badly. */
export class TargetSpecError extends Error {
  override readonly name = 'TargetSpecError';
}

/** A set-up step that is malformed or not allowed (a path outside the target's folder, an unknown driver, ...). */
export class SetupError extends Error {
  override readonly name = 'SetupError';
}

/** The target could not be started: qemu-img failed, the daemon exited or never opened its socket. */
export class TargetStartError extends Error {
  override readonly name = 'TargetStartError';
  constructor(
    message: string,
    /** The last output of the process that failed, also at the end of the message. */
    readonly output: string = '',
  ) {
    super(output === '' ? message : `${message}\n--- last output ---\n${output.trimEnd()}`);
  }
}
