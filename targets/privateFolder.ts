/**
 * The private folder a session's files and QMP socket live in: made fresh (mode 0700) in the system
 * temporary folder (TMPDIR). A temporary folder that is missing, not a folder or not writable, and a
 * socket path longer than unix sockets allow, are start errors that name TMPDIR, not stack traces.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TargetStartError } from './errors.ts';

/** Longest unix socket path Linux accepts (sun_path is 108 bytes with its NUL). */
export const MAX_SOCKET_PATH = 107;

/** Why the system temporary folder cannot hold a private folder, or undefined when it can. */
export function temporaryFolderProblem(): string | undefined {
  try {
    fs.rmdirSync(makePrivateFolder('qjob-probe-'));
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** A fresh 0700 folder in the system temporary folder; throws TargetStartError naming TMPDIR when it cannot be made. */
export function makePrivateFolder(prefix: string): string {
  const tmp = os.tmpdir();
  let folder: string;
  try {
    folder = fs.mkdtempSync(path.join(tmp, prefix));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new TargetStartError(`the temporary folder ${tmp} (TMPDIR) cannot hold a private folder: ${code}; set TMPDIR to a writable folder`);
  }
  fs.chmodSync(folder, 0o700);
  return folder;
}

/**
 * Throws TargetStartError when `socket` is too long to be a unix socket path. `bound` is the longest path
 * the listener binds on the way to `socket`, when it is not `socket` itself.
 */
export function checkSocketPath(socket: string, bound: string = socket): void {
  const bytes = Math.max(Buffer.byteLength(socket), Buffer.byteLength(bound));
  if (bytes > MAX_SOCKET_PATH) {
    const length = bound === socket ? '' : ` (${bytes} bytes on the way there)`;
    throw new TargetStartError(`the QMP socket path ${socket}${length} is longer than ${MAX_SOCKET_PATH} bytes; set TMPDIR to a shorter folder`);
  }
}
