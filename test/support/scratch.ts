/** A temporary folder for one test file, made before its tests and removed after them. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

export interface Scratch {
  /** The folder (set once the file's tests start). */
  readonly dir: string;
  /** Writes `text` to `name` in the folder; returns its path. */
  file(name: string, text: string | Buffer): Promise<string>;
}

export function scratchFolder(prefix: string): Scratch {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      return dir;
    },
    async file(name, text) {
      const path = join(dir, name);
      await writeFile(path, text);
      return path;
    },
  };
}
