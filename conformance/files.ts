/** Expands the paths `qjob check` / `qjob coverage` are given: directories are walked for trace files. */
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { TRACE_EXTENSIONS, TraceInputError } from '../traces/reader.ts';

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) await walk(path, out);
    else if (e.isFile() && TRACE_EXTENSIONS.includes(extname(e.name).toLowerCase())) out.push(path);
  }
}

/** Files named directly are kept whatever their extension; directories give their `*.jsonl`, `*.out`, `*.log`, recursively. */
export async function findTraceFiles(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch (err) {
      throw new TraceInputError(path, 0, `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    if (!info.isDirectory()) {
      out.push(path);
      continue;
    }
    const before = out.length;
    try {
      await walk(path, out);
    } catch (err) {
      throw new TraceInputError(path, 0, `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    if (out.length === before) throw new TraceInputError(path, 0, `no trace files (${TRACE_EXTENSIONS.map((e) => `*${e}`).join(', ')}) in this directory`);
  }
  return out;
}
