/**
 * Expands the paths `qjob check`, `qjob coverage` and `qjob graph --traces` are given: directories are
 * walked for trace files (`*.jsonl`, `*.out`, `*.out.<variant>`, `*.log`), in name order.
 *
 * Symbolic links met in a walk are followed when they lead inside the directory given (a link's own
 * name decides whether it is a trace), after the tree itself was walked: their files come after the
 * others. Every directory is walked once, under its own path, so a link to a directory already walked
 * (a parent: a loop) adds nothing; a file with two names is checked under both. A link that leads
 * outside that directory, or nowhere, is reported as unusable input (exit 2) and not read: a trace
 * folder from elsewhere must not make qjob read other files. Name such a file directly to check it.
 */
import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { isTraceFileName, TraceInputError } from './reader.ts';

function code(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? String(err);
}

interface Walk {
  readonly root: string;
  readonly seen: Set<string>;
  readonly files: string[];
  readonly errors: TraceInputError[];
  /** Links met, followed once the real tree is walked: a directory is listed under its own path. */
  readonly links: { readonly path: string; readonly name: string }[];
}

function inside(root: string, real: string): boolean {
  return real === root || real.startsWith(root.endsWith(sep) ? root : root + sep);
}

async function walk(w: Walk, dir: string): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    w.errors.push(new TraceInputError(dir, 0, `cannot read: ${code(err)}`));
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      await enter(w, path);
    } else if (e.isFile()) {
      if (isTraceFileName(e.name)) w.files.push(path);
    } else if (e.isSymbolicLink()) {
      w.links.push({ path, name: e.name });
    }
  }
}

async function enter(w: Walk, dir: string): Promise<void> {
  const real = await realpath(dir).catch(() => dir);
  if (w.seen.has(real)) return;
  w.seen.add(real);
  await walk(w, dir);
}

async function link(w: Walk, path: string, name: string): Promise<void> {
  let real: string;
  try {
    real = await realpath(path);
  } catch (err) {
    if (isTraceFileName(name)) w.errors.push(new TraceInputError(path, 0, `a symbolic link that leads nowhere (${code(err)})`));
    return;
  }
  const info = await stat(real).catch(() => undefined);
  if (!info || (!info.isDirectory() && !(info.isFile() && isTraceFileName(name)))) return;
  if (!inside(w.root, real)) {
    w.errors.push(new TraceInputError(path, 0, `a symbolic link to ${info.isDirectory() ? 'a directory' : 'a file'} outside ${w.root}: not followed (name it directly to check it)`));
    return;
  }
  if (info.isDirectory()) await enter(w, path);
  else w.files.push(path);
}

/**
 * The trace files the paths name: files named directly are kept whatever their name; directories give
 * their trace files, recursively. Paths that cannot be read, directories without traces and links
 * not followed come back in `errors`, each naming its path.
 */
export async function walkTraceFiles(paths: readonly string[]): Promise<{ files: string[]; errors: TraceInputError[] }> {
  const files: string[] = [];
  const errors: TraceInputError[] = [];
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch (err) {
      errors.push(new TraceInputError(path, 0, `cannot read: ${code(err)}`));
      continue;
    }
    if (!info.isDirectory()) {
      files.push(path);
      continue;
    }
    const root = await realpath(path);
    const w: Walk = { root, seen: new Set([root]), files: [], errors: [], links: [] };
    await walk(w, path);
    for (let l = w.links.shift(); l; l = w.links.shift()) await link(w, l.path, l.name);
    files.push(...w.files);
    errors.push(...w.errors);
    if (w.files.length === 0 && w.errors.length === 0) {
      errors.push(new TraceInputError(path, 0, 'no trace files (*.jsonl, *.out, *.out.<variant>, *.log) in this directory'));
    }
  }
  return { files, errors };
}

/** walkTraceFiles, throwing the first error instead of returning it. */
export async function findTraceFiles(paths: readonly string[]): Promise<string[]> {
  const { files, errors } = await walkTraceFiles(paths);
  if (errors[0]) throw errors[0];
  return files;
}
