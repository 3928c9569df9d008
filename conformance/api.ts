/**
 * Entry points: check a trace file, raw text lines, or TraceLine objects already in memory (what
 * `qjob replay` and `qjob verify` hold after recording a session).
 */
import { isMetaLine, type MetaLine, type TraceLine } from '../traces/format.ts';
import { LogReader } from '../traces/iotests.ts';
import { detectFormat, parseWireLine, readTrace, styleOf, tracePartsOf, type InputFormat } from '../traces/reader.ts';
import { libvirtSessionName } from '../traces/libvirt.ts';
import { TraceInputError } from '../traces/reader.ts';
import { walkTraceFiles } from './files.ts';
import { TraceChecker } from './checker.ts';
import { judgedAnything, type CheckOptions, type CheckResult } from './result.ts';

/** What reads a session message by message: the checker, or one that also keeps the session for a report (checkedSession.ts). */
export interface SessionSink<R> {
  meta(meta: MetaLine['meta']): void;
  push(line: TraceLine, lineNo: number): void;
  end(): R;
}

/** Feeds messages in memory to `sink`; line numbers count from 1 over `lines`, meta lines included. */
export function feedMessages<R>(sink: SessionSink<R>, lines: Iterable<TraceLine | MetaLine>): R {
  let n = 0;
  for (const line of lines) {
    n++;
    if (!isMetaLine(line)) sink.push(line, n);
    else sink.meta(line.meta);
  }
  return sink.end();
}

/** Checks messages in memory; a meta line anywhere is skipped. Line numbers count from 1 over `lines`. */
export function checkMessages(lines: Iterable<TraceLine | MetaLine>, options: CheckOptions = {}): CheckResult {
  return feedMessages(new TraceChecker(options), lines);
}

/**
 * Checks a trace given as text lines (without newlines), in `options.style` (default wire).
 * Throws TraceInputError (named after options.file) on an unusable wire line.
 */
export async function checkLines(lines: AsyncIterable<string> | Iterable<string>, options: CheckOptions = {}): Promise<CheckResult> {
  const checker = new TraceChecker(options);
  const file = options.file ?? '<trace>';
  const log = options.style === 'log' ? new LogReader(file, (line, lineNo) => checker.push(line, lineNo)) : undefined;
  let n = 0;
  let first = true;
  for await (const text of lines) {
    n++;
    if (log) {
      log.line(text, n);
      continue;
    }
    const item = parseWireLine(text, n, file, first);
    if (item === undefined) continue;
    first = false;
    if (!isMetaLine(item)) checker.push(item, n);
    else checker.meta(item.meta);
  }
  log?.end();
  return checker.end();
}

/** What a file is read as: `format` (traces/reader.ts) overrides detection from its name and first lines. */
export type FileCheckOptions = Omit<CheckOptions, 'file'> & { readonly format?: InputFormat; /** libvirt logs: check only this monitor's session. */ readonly session?: string };

/** Streams one trace file, in its detected format (or `options.format`), to the sink made for it. */
export async function feedTraceFile<R>(path: string, options: FileCheckOptions, sinkFor: (options: CheckOptions) => SessionSink<R>): Promise<R> {
  const format = options.format ?? (options.style === 'log' ? 'iotests' : options.style === 'wire' ? 'wire' : await detectFormat(path));
  const style = options.style ?? styleOf(format);
  const sink = sinkFor({ ...options, file: options.session === undefined ? path : libvirtSessionName(path, options.session), style });
  await readTrace(path, (line, lineNo) => sink.push(line, lineNo), { format, onMeta: (meta) => sink.meta(meta), ...(options.session === undefined ? {} : { session: options.session }) });
  return sink.end();
}

/** Checks one trace file, streaming it, in its detected format (or `options.format`). */
export function checkTraceFile(path: string, options: FileCheckOptions = {}): Promise<CheckResult> {
  return feedTraceFile(path, options, (o) => new TraceChecker(o));
}

/**
 * Checks every trace the paths name (directories recursively). A path that cannot be read, a directory
 * without traces, a symbolic link not followed (conformance/files.ts), a trace that is unusable, or
 * one in which nothing about jobs could be judged, is returned in `errors`.
 */
export function checkFiles(paths: readonly string[], options: FileCheckOptions = {}): Promise<{ results: CheckResult[]; errors: TraceInputError[] }> {
  return checkFilesWith(paths, options, (o) => new TraceChecker(o), (result) => result);
}

/**
 * checkFiles, each session read by the sink `sinkFor` makes (whose outcome holds its CheckResult:
 * `resultOf`); `keep` gets each outcome whose result is returned, in order, as soon as its file is done.
 */
export async function checkFilesWith<R>(
  paths: readonly string[],
  options: FileCheckOptions,
  sinkFor: (options: CheckOptions) => SessionSink<R>,
  resultOf: (outcome: R) => CheckResult,
  keep?: (outcome: R) => void,
): Promise<{ results: CheckResult[]; errors: TraceInputError[] }> {
  const { files, errors } = await walkTraceFiles(paths);
  const results: CheckResult[] = [];
  for (const file of files) {
    try {
      // A libvirt log is one session per monitor, each reported apart; a VM without jobs among them is no error.
      const format = options.format ?? (options.style === undefined ? await detectFormat(file) : undefined);
      const parts = format === undefined ? [{ name: file }] : await tracePartsOf(file, format);
      const found: R[] = [];
      for (const part of parts) found.push(await feedTraceFile(file, { ...options, ...(format === undefined ? {} : { format }), ...(part.session === undefined ? {} : { session: part.session }) }, sinkFor));
      if (found.some((outcome) => judgedAnything(resultOf(outcome).judged))) {
        for (const outcome of found) {
          results.push(resultOf(outcome));
          keep?.(outcome);
        }
      } else errors.push(new TraceInputError(file, 0, 'nothing to judge: no job event, job command reply, refusal or query answer'));
    } catch (err) {
      if (!(err instanceof TraceInputError)) throw err;
      errors.push(err);
    }
  }
  return { results, errors };
}
