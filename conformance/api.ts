/**
 * Entry points: check a trace file, raw text lines, or TraceLine objects already in memory (what
 * `qjob replay` and `qjob verify` hold after recording a session).
 */
import { isMetaLine, type MetaLine, type TraceLine } from '../traces/format.ts';
import { iotestsLine } from '../traces/iotests.ts';
import { parseWireLine, readTrace, styleForPath, TraceInputError } from '../traces/reader.ts';
import { findTraceFiles } from './files.ts';
import { TraceChecker } from './checker.ts';
import type { CheckOptions, CheckResult } from './result.ts';

/** Checks messages in memory; a meta line anywhere is skipped. Line numbers count from 1 over `lines`. */
export function checkMessages(lines: Iterable<TraceLine | MetaLine>, options: CheckOptions = {}): CheckResult {
  const checker = new TraceChecker(options);
  let n = 0;
  for (const line of lines) {
    n++;
    if (!isMetaLine(line)) checker.push(line, n);
  }
  return checker.end();
}

/**
 * Checks a trace given as text lines (without newlines), in `options.style` (default wire).
 * Throws TraceInputError (named after options.file) on an unusable wire line.
 */
export async function checkLines(lines: AsyncIterable<string> | Iterable<string>, options: CheckOptions = {}): Promise<CheckResult> {
  const checker = new TraceChecker(options);
  const file = options.file ?? '<trace>';
  const log = options.style === 'log';
  let n = 0;
  let first = true;
  for await (const text of lines) {
    n++;
    if (log) {
      const line = iotestsLine(text);
      if (line) checker.push(line, n);
      continue;
    }
    const item = parseWireLine(text, n, file, first);
    if (item === undefined) continue;
    first = false;
    if (!isMetaLine(item)) checker.push(item, n);
  }
  return checker.end();
}

/** Checks one trace file, streaming it. The style follows the extension (`.out` / `.log`: iotests log). */
export async function checkTraceFile(path: string, options: Omit<CheckOptions, 'file'> = {}): Promise<CheckResult> {
  const style = options.style ?? styleForPath(path);
  const checker = new TraceChecker({ ...options, file: path, style });
  await readTrace(path, (line, lineNo) => checker.push(line, lineNo), { style });
  return checker.end();
}

/**
 * Checks every trace the paths name (directories recursively). A directory without traces or a path
 * that cannot be read throws TraceInputError; a trace that is unusable is returned in `errors`.
 */
export async function checkFiles(
  paths: readonly string[],
  options: Omit<CheckOptions, 'file'> = {},
): Promise<{ results: CheckResult[]; errors: TraceInputError[] }> {
  const files = await findTraceFiles(paths);
  const results: CheckResult[] = [];
  const errors: TraceInputError[] = [];
  for (const file of files) {
    try {
      results.push(await checkTraceFile(file, options));
    } catch (err) {
      if (!(err instanceof TraceInputError)) throw err;
      errors.push(err);
    }
  }
  return { results, errors };
}
