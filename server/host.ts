/** What the model server asks of the machine it runs on; kept out of the engine, which does no I/O. */
import fs from 'node:fs';

/** Whether `dir` is an existing folder (blockdev-create of a file at an absolute path checks its folder, as QEMU does). */
export function hostDirExists(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
