/**
 * The trace format: JSON lines, one QMP message each, in the order they crossed the socket.
 *
 *   {"meta": {...}}                                   optional first line: provenance and set-up
 *   {"dir": "recv", "t": 0.014, "msg": {"QMP": ...}}  the greeting
 *   {"dir": "send", "t": 0.015, "msg": {"execute": "qmp_capabilities", "id": "c1"}}
 *
 * `t` is seconds since the session (or the daemon) started. docs/trace-format.md documents it.
 */

/** Any QMP message as JSON. */
export type QmpMessage = Record<string, unknown>;

export type Direction = 'send' | 'recv';

/** One message line of a trace. `send` is client to server, `recv` server to client. */
export interface TraceLine {
  readonly dir: Direction;
  readonly t: number;
  readonly msg: QmpMessage;
  /**
   * Logs only: the line a message printed over several lines (pretty-printed JSON) ends on; the line
   * number the reader reports with the message is the one it starts on. Absent for one-line messages.
   */
  readonly lastLine?: number;
  /**
   * Logs only: this message is the first of a new QEMU session (the test relaunched the VM or opened
   * a new QMP connection): jobs and unanswered commands before it belong to another process. Absent
   * on the first session. Wire traces mark nothing: their greeting is a message of its own.
   */
  readonly newSession?: SessionStart;
  /**
   * Logs only: the log was printed by QEMU's bash iotests harness (tests/qemu-iotests/common.qemu),
   * recognised by its filtered timestamps (bare `TIMESTAMP`) or greeting (`QMP_VERSION`); set on every
   * message from the first such sign on. That harness holds back the events a test names in
   * `$capture_events` and prints them only when the test waits for them, dropping the rest: the job
   * events such a log prints are a subsequence of those QEMU sent. Absent in every other input.
   */
  readonly harness?: 'bash';
}

/** What showed that a new QEMU session started, and on which line. */
export interface SessionStart {
  /**
   * `greeting`: a `{"QMP": ...}` greeting, or the `QMP_VERSION` line bash tests print for it;
   * `capabilities`: a `qmp_capabilities` that succeeded after messages of an earlier session;
   * `quit`: a command sent after `quit` was answered;
   * `test-case`: a message after unittest's progress characters (the next test case's own VM).
   */
  readonly cause: 'greeting' | 'capabilities' | 'quit' | 'test-case';
  readonly line: number;
}

/** Set-up steps a trace may name. A trace is data: only these known steps exist, none runs a shell. */
export type SetupStep =
  /** `qemu-img create -f <format> <file> <size>`, optionally with a backing file; paths are inside the target's folder. */
  | { readonly 'qemu-img': 'create'; readonly format: string; readonly file: string; readonly size?: string | number; readonly backing?: string; readonly 'backing-format'?: string }
  /** A block node given to the daemon as `--blockdev <json>`; `filename` members are relative to the target's folder. */
  | { readonly blockdev: Record<string, unknown> };

/** The optional first line of a trace. */
export interface TraceMeta {
  /** What recorded it, e.g. "qjob record 0.1.0". */
  readonly recorder?: string;
  /** The scenario's name and description. */
  readonly scenario?: string;
  readonly desc?: string;
  /** The QEMU release, as "7.2" (also readable from the greeting). */
  readonly release?: string;
  /** When it was recorded, ISO 8601. */
  readonly recorded?: string;
  readonly setup?: readonly SetupStep[];
  /** Further properties are kept and ignored by readers. */
  readonly [key: string]: unknown;
}

export interface MetaLine {
  readonly meta: TraceMeta;
}

export function isMetaLine(value: unknown): value is MetaLine {
  return typeof value === 'object' && value !== null && 'meta' in value && Object.keys(value).length === 1;
}

/** Serialises one line; the recorder writes each line as soon as the message passes. */
export function formatLine(line: TraceLine | MetaLine): string {
  return JSON.stringify(line) + '\n';
}
