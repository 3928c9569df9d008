/**
 * A session checked for a report (conformance/htmlReport.ts): every message in order, the jobs it names,
 * and the status the checker gives each job after it, with the verdict. The checker keeps nothing of a
 * trace but live jobs; this keeps every message (up to MAX_KEPT_LINES), so it is for a report's sessions,
 * not for checking a corpus.
 */
import { isJobEventName } from '../machines/index.ts';
import type { MetaLine, QmpMessage, TraceLine } from '../traces/format.ts';
import { checkFilesWith, feedMessages, feedTraceFile, type FileCheckOptions, type SessionSink } from './api.ts';
import { TraceChecker } from './checker.ts';
import { pendingOf } from './pending.ts';
import type { TraceInputError } from '../traces/reader.ts';
import type { CheckOptions, CheckResult } from './result.ts';

/** What a message is. */
export type LineKind = 'greeting' | 'command' | 'reply' | 'error' | 'event';

/** A status cell: a JobStatus, `?` for a job whose status no event has shown, `` for a job the session does not know now. */
export type StatusCell = string;

export interface SessionLine {
  /** The line the message starts on (what violations name). */
  readonly line: number;
  /** The line a message printed over several lines ends on. */
  readonly lastLine?: number;
  /** Seconds, as the trace gives them (0 when it gives none). */
  readonly t: number;
  readonly kind: LineKind;
  /** The command or event name, the error class, `return` or `greeting`. */
  readonly name: string;
  /** The message as JSON, at most MAX_TEXT characters. */
  readonly text: string;
  /** What a row shows: an event's data, a command's arguments, a reply's return or error, at most MAX_BRIEF characters. */
  readonly brief: string;
  /** Lanes (indexes into `lanes`) of the jobs the message names. */
  readonly touches: readonly number[];
  /** The status of each lane's job after this message; lanes opened later are missing. */
  readonly statuses: readonly StatusCell[];
  /** The message starts a new QEMU session (the checker forgets earlier jobs). */
  readonly newSession?: boolean;
}

export interface CheckedSession {
  readonly result: CheckResult;
  /** Job ids, one lane each, in the order they first appeared. */
  readonly lanes: readonly string[];
  readonly lines: readonly SessionLine[];
  /** Messages after MAX_KEPT_LINES, checked but not kept. */
  readonly omitted: number;
}

/** Longest message text kept. */
export const MAX_TEXT = 2000;
/** Longest brief text kept. */
export const MAX_BRIEF = 300;
/** Messages kept per session. */
export const MAX_KEPT_LINES = 100_000;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function cut(value: unknown, max: number): string {
  const s = JSON.stringify(value) ?? '';
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

function briefOf(msg: QmpMessage): string {
  const part = 'event' in msg ? msg['data'] : 'execute' in msg || 'exec-oob' in msg ? msg['arguments'] : 'error' in msg ? msg['error'] : 'return' in msg ? msg['return'] : msg['QMP'];
  return part === undefined ? '' : cut(part, MAX_BRIEF);
}

/** The job ids a query answer lists. */
function listedJobs(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  const out: string[] = [];
  for (const e of value) {
    if (!isObject(e)) continue;
    const id = typeof e['id'] === 'string' ? e['id'] : e['device'];
    if (typeof id === 'string') out.push(id);
  }
  return out;
}

/** Checks messages one at a time and keeps each with the jobs' statuses after it. */
export class SessionRecorder implements SessionSink<CheckedSession> {
  private readonly checker: TraceChecker;
  private readonly lanes: string[] = [];
  private readonly laneOf = new Map<string, number>();
  private readonly lines: SessionLine[] = [];
  private omitted = 0;
  /** The jobs each unanswered command names, by the JSON of its id. */
  private readonly asked = new Map<string, string[]>();

  constructor(options: CheckOptions = {}) {
    this.checker = new TraceChecker(options);
  }

  meta(meta: MetaLine['meta']): void {
    this.checker.meta(meta);
  }

  push(line: TraceLine, lineNo: number): void {
    this.checker.push(line, lineNo);
    const msg = line.msg;
    const { kind, name, jobs } = this.describe(line);
    const statuses = this.checker.jobStatuses();
    for (const id of [...statuses.keys(), ...jobs]) this.lane(id);
    if (this.lines.length >= MAX_KEPT_LINES) {
      this.omitted++;
      return;
    }
    let cells = this.lanes.map((id) => (statuses.has(id) ? (statuses.get(id) ?? '?') : ''));
    // Statuses change on few lines: a line whose cells are the previous line's shares its array.
    const previous = this.lines[this.lines.length - 1]?.statuses;
    if (previous !== undefined && previous.length === cells.length && previous.every((c, i) => c === cells[i])) cells = previous as string[];
    this.lines.push({
      line: lineNo,
      ...(line.lastLine !== undefined ? { lastLine: line.lastLine } : {}),
      t: line.t,
      kind,
      name,
      text: cut(msg, MAX_TEXT),
      brief: briefOf(msg),
      touches: [...new Set(jobs.map((id) => this.laneOf.get(id)!))],
      statuses: cells,
      ...(line.newSession !== undefined ? { newSession: true } : {}),
    });
  }

  end(): CheckedSession {
    const result = this.checker.end();
    for (const v of result.violations) if (v.job !== undefined) this.lane(v.job);
    return { result, lanes: this.lanes, lines: this.lines, omitted: this.omitted };
  }

  private lane(id: string): void {
    if (this.laneOf.has(id)) return;
    this.laneOf.set(id, this.lanes.length);
    this.lanes.push(id);
  }

  private describe(line: TraceLine): { kind: LineKind; name: string; jobs: string[] } {
    const msg = line.msg;
    if (line.dir === 'send') {
      const p = pendingOf(msg, 0);
      const jobs = p.kind === 'verb' ? [p.event.id] : p.kind === 'creator' ? p.creation.specs.flatMap((s) => (s.jobId === undefined ? [] : [s.jobId])) : [];
      if (msg['id'] !== undefined) this.asked.set(JSON.stringify(msg['id']), jobs);
      return { kind: 'command', name: p.name, jobs };
    }
    if (msg['QMP'] !== undefined) return { kind: 'greeting', name: 'greeting', jobs: [] };
    if (typeof msg['event'] === 'string') {
      const data = isObject(msg['data']) ? msg['data'] : {};
      const id = typeof data['id'] === 'string' ? data['id'] : data['device'];
      return { kind: 'event', name: msg['event'], jobs: typeof id === 'string' && isJobEventName(msg['event']) ? [id] : [] };
    }
    const key = msg['id'] === undefined ? undefined : JSON.stringify(msg['id']);
    const jobs = key === undefined ? [] : (this.asked.get(key) ?? []);
    if (key !== undefined) this.asked.delete(key);
    const error = msg['error'];
    if (isObject(error)) return { kind: 'error', name: String(error['class'] ?? 'error'), jobs };
    return { kind: 'reply', name: 'return', jobs: [...jobs, ...listedJobs(msg['return'])] };
  }
}

/** checkMessages (api.ts) keeping the session for a report: line numbers count from 1 over `lines`, meta lines included. */
export function checkSessionLines(lines: Iterable<TraceLine | MetaLine>, options: CheckOptions = {}): CheckedSession {
  return feedMessages(new SessionRecorder(options), lines);
}

/** checkTraceFile (api.ts) keeping the session for a report: one file, or one session of a libvirt log. */
export function checkSessionFile(path: string, options: FileCheckOptions = {}): Promise<CheckedSession> {
  return feedTraceFile(path, options, (o) => new SessionRecorder(o));
}

/** checkFiles (api.ts) keeping each session for a report: `keep` gets each, in order, one file at a time. */
export function checkSessionFiles(paths: readonly string[], options: FileCheckOptions, keep: (session: CheckedSession) => void): Promise<{ results: CheckResult[]; errors: TraceInputError[] }> {
  return checkFilesWith(paths, options, (o) => new SessionRecorder(o), (session) => session.result, keep);
}
