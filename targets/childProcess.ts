/**
 * A child process started without a shell (an argument array), whose output is kept in a bounded tail
 * for error messages, and which can be stopped with SIGTERM and, after a grace period, SIGKILL:
 * qemu-storage-daemon 7.2 and 10.0 ignore SIGTERM when a grouped transaction has hung their main loop.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ExitStatus {
  /** The exit code, or null when a signal ended it. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the program could not be started at all (ENOENT, EACCES, ...). */
  readonly spawnError?: Error;
}

export interface ChildHandle {
  readonly pid: number | undefined;
  readonly command: string;
  /** Resolves when the process has exited and its output is read. */
  readonly exited: Promise<ExitStatus>;
  /** The status, once exited. */
  readonly status: ExitStatus | undefined;
  /** The last bytes of its stdout and stderr, interleaved. */
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs: number): Promise<ExitStatus>;
  /** SIGKILL now, synchronously. */
  killNow(): void;
}

const TAIL_BYTES = 8192;

export function startChild(command: string, args: readonly string[], cwd: string): ChildHandle {
  const child: ChildProcess = spawn(command, [...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], shell: false });
  let tail = Buffer.alloc(0);
  const keep = (chunk: Buffer): void => {
    tail = Buffer.concat([tail, chunk]);
    if (tail.length > TAIL_BYTES) tail = tail.subarray(tail.length - TAIL_BYTES);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let status: ExitStatus | undefined;
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('error', (error) => {
      // Only a failure to spawn ends the process here; kill() errors on a dead process do not.
      if (child.pid === undefined) {
        status = { code: null, signal: null, spawnError: error };
        resolve(status);
      }
    });
    child.once('close', (code, signal) => {
      status ??= { code, signal };
      resolve(status);
    });
  });
  const signal = (name: NodeJS.Signals): void => {
    if (status === undefined && child.exitCode === null && child.signalCode === null) child.kill(name);
  };
  return {
    pid: child.pid,
    command,
    exited,
    get status() {
      return status;
    },
    output: () => tail.toString('utf8'),
    async stop(graceMs: number) {
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
    killNow: () => signal('SIGKILL'),
  };
}

/** "exited with code 1", "was killed by SIGKILL", "could not be started: ENOENT ...". */
export function describeExit(status: ExitStatus): string {
  if (status.spawnError !== undefined) return `could not be started: ${status.spawnError.message}`;
  if (status.signal !== null) return `was killed by ${status.signal}`;
  return `exited with code ${status.code}`;
}
