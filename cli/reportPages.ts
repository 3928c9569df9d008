/**
 * Writing HTML report pages (conformance/htmlReport.ts renders them): one page per session in a folder,
 * named after the session with every character but letters, digits, `.`, `-` and `_` replaced, plus an
 * index.html. Names come from trace paths, which are input: a page never lands outside the folder.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from './errors.ts';

/** Longest page name, `.html` included. */
const MAX_NAME = 120;

/**
 * A file name for a session's page, unique among `used` (which it joins): the session name (a path,
 * `#mon=...` for a libvirt session) made safe, shortened, with `-2`, `-3` ... when taken.
 */
export function pageFileName(session: string, used: Set<string>): string {
  let base = session
    .replace(/^(\.{1,2}\/)+/, '')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+/, '')
    .slice(-(MAX_NAME - 10));
  if (base === '' || base.toLowerCase() === 'index') base = `session_${base}`;
  let name = `${base}.html`;
  for (let k = 2; used.has(name.toLowerCase()); k++) name = `${base}-${k}.html`;
  used.add(name.toLowerCase());
  return name;
}

/** A folder pages are written into, one at a time; a failure is a usage error naming the folder. */
export interface PageFolder {
  write(name: string, html: string): void;
}

function cannotWrite(dir: string, error: unknown): UsageError {
  return new UsageError(`--html-dir ${dir}: cannot write the pages: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
}

/** Creates `dir` when missing; pages named by pageFileName go into it, and nowhere else. */
export function pageFolder(dir: string): PageFolder {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw cannotWrite(dir, error);
  }
  return {
    write(name: string, html: string): void {
      if (path.basename(name) !== name || name === '..' || name === '.') throw cannotWrite(dir, new Error(`not a file name: ${name}`));
      try {
        writeFileSync(path.join(dir, name), html);
      } catch (error) {
        throw cannotWrite(dir, error);
      }
    },
  };
}
