/**
 * An implementation under test. Every target (a QEMU daemon qjob starts, a QMP server someone else
 * started, later the model) is opened the same way and gives a QMP connection to drive.
 */
import type { QmpConnection, WireListener } from '../qmp/index.ts';
import type { SetupStep } from '../traces/format.ts';

/** What a session needs prepared. A trace's `meta` line has this shape, so it can be passed as is. */
export interface TargetSetup {
  /** For messages and folder names only. */
  readonly scenario?: string;
  /** Files and block nodes; when absent, the default: null-co nodes `src` and `dst` of 64 MiB. */
  readonly setup?: readonly SetupStep[];
}

export interface SessionOptions {
  /** Sees every QMP line in both directions, from the greeting on (for recording). */
  readonly onMessage?: WireListener;
  /** Limit for the target to start and the QMP session to be negotiated. */
  readonly timeoutMs?: number;
  /** Default time-out of each command. */
  readonly commandTimeoutMs?: number;
}

/** One connected session with a target. */
export interface Session {
  readonly client: QmpConnection;
  /** `performance.now()` when the session began (the daemon was spawned, or the connection opened): the origin of a trace's `t`. */
  readonly startedAt: number;
  /** The private folder that set-up files live in, for targets that have one. */
  readonly folder?: string;
  /** The process the target started for this session, for targets that start one. */
  readonly pid?: number;
  /** Ends the session: disconnects, stops what the target started, removes what it created. Safe to call twice. */
  close(): Promise<void>;
}

export interface Target {
  /** The target string it was made from, e.g. `qemu:7.2` or `qmp:unix:/tmp/qmp.sock`. */
  readonly name: string;
  open(setup?: TargetSetup, options?: SessionOptions): Promise<Session>;
}

/** A kind of target, as target strings name it (targets/parseTarget.ts keeps the registry). */
export interface TargetKind {
  /** The word before the first colon: `qemu`, `qmp`, `model`. */
  readonly scheme: string;
  /** The accepted forms, for help and error messages. */
  readonly usage: readonly string[];
  /** Builds the target; `rest` is what follows `scheme:`, undefined for the bare word. Throws TargetSpecError. */
  create(rest: string | undefined, spec: string): Target;
}
