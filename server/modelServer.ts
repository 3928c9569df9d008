/**
 * The model server: one engine shared by any number of QMP sessions (as QEMU's monitors share one
 * job list). Events a command causes go to every session in command mode before the command's reply;
 * events of the clock (progress, jobs finishing) go out when a timer fires at `engine.nextDue()`.
 */
import { systemClock } from './clock.ts';
import { JobEngine, MODEL_PACKAGE, type CommandResult, type EngineOptions, type TimedEvent } from './engine.ts';
import { hostDirExists } from './host.ts';
import { QmpServerSession, type SessionHost, type SessionIo } from './session.ts';

export interface ModelServerOptions extends EngineOptions {
  /** Fire timers on the clock (default). Off: the owner calls `advance()` (tests with a FakeClock). */
  readonly autoAdvance?: boolean;
  /** The greeting's `package`; default "qjob model". */
  readonly packageName?: string;
  /** Called after a session ran `quit` and the jobs were cancelled. */
  readonly onQuit?: () => void;
}

export class ModelServer implements SessionHost {
  readonly engine: JobEngine;
  readonly packageName: string;
  private readonly sessions = new Set<QmpServerSession>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private afterQuit: readonly TimedEvent[] = [];

  constructor(private readonly options: ModelServerOptions = {}) {
    this.engine = new JobEngine({ ...options, clock: options.clock ?? systemClock, hostDirExists: options.hostDirExists ?? hostDirExists });
    this.packageName = options.packageName ?? MODEL_PACKAGE;
  }

  get version(): { major: number; minor: number; micro: number } {
    return this.engine.version;
  }

  get isHung(): boolean {
    return this.engine.isHung;
  }

  /** A new session on a connection: sends the greeting. */
  connect(io: SessionIo): QmpServerSession {
    const session = new QmpServerSession(this, io);
    this.sessions.add(session);
    session.greet();
    return session;
  }

  disconnect(session: QmpServerSession): void {
    this.sessions.delete(session);
  }

  /** Runs a command for a session: its events go to every session, the reply is the caller's to send. */
  execute(command: string, args: unknown): CommandResult {
    let result: CommandResult;
    try {
      result = this.engine.execute(command, args);
    } catch (error) {
      // A bug of the model (or of a mutant's hooks) answers the command instead of ending the server.
      result = { events: [], reply: { error: { class: 'GenericError', desc: `qjob model internal error: ${(error as Error).message}` } } };
    }
    if (result.quit) {
      // QEMU answers quit first; SHUTDOWN and the jobs' ends follow (quit() sends them).
      this.afterQuit = result.events;
      return result;
    }
    this.broadcast(result.events);
    this.schedule();
    return result;
  }

  /** Does what is due now on the clock and sends its events. */
  advance(): void {
    try {
      this.broadcast(this.engine.advance());
    } catch (error) {
      process.stderr.write(`qjob model: internal error, jobs stopped: ${(error as Error).message}\n`);
      this.stop();
      return;
    }
    this.schedule();
  }

  quit(): void {
    this.broadcast(this.afterQuit);
    this.afterQuit = [];
    for (const s of [...this.sessions]) s.close();
    this.stop();
    this.options.onQuit?.();
  }

  /** Stops the timer; sessions stay as they are. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private broadcast(events: readonly TimedEvent[]): void {
    if (events.length === 0) return;
    for (const s of this.sessions) s.deliver(events);
  }

  private schedule(): void {
    if (this.options.autoAdvance === false || this.stopped) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const due = this.engine.nextDue();
    if (due === undefined) return;
    const delay = Math.max(0, Math.ceil(due - this.engine.clock.now()));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.advance();
    }, Math.min(delay, 2_000_000_000));
    this.timer.unref?.();
  }
}
