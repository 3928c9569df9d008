/**
 * Collects the lines of one session as they cross the socket (the target's message hook), for a trace:
 * buffered until the session's start time and the greeting are known (the meta line needs the release),
 * then kept, and written one by one when a file is given (TraceWriter writes each line at once).
 */
import { formatRelease, releaseFromGreeting } from '../machines/index.ts';
import type { WireMessage } from '../qmp/index.ts';
import type { MetaLine, QmpMessage, TraceLine, TraceMeta } from './format.ts';
import { TraceWriter } from './writer.ts';

export class SessionTrace {
  readonly lines: TraceLine[] = [];
  private pending: WireMessage[] = [];
  private startedAt: number | undefined;
  private writer: TraceWriter | undefined;
  private metaLine: MetaLine | undefined;

  constructor(
    private readonly makeMeta: (release: string | undefined) => TraceMeta,
    private readonly out?: string,
  ) {}

  readonly listener = (message: WireMessage): void => {
    if (this.startedAt === undefined) this.pending.push(message);
    else this.add(message);
  };

  get meta(): TraceMeta {
    return this.metaLine?.meta ?? this.makeMeta(undefined);
  }

  /** Called once the session is open: from here on, lines go out as they pass. */
  start(startedAt: number): void {
    this.startedAt = startedAt;
    const pending = this.pending;
    this.pending = [];
    for (const message of pending) this.add(message);
  }

  close(): void {
    this.writer?.close();
  }

  private add(message: WireMessage): void {
    const msg: QmpMessage = message.msg ?? { 'x-qjob-unparsed': message.line };
    if (this.metaLine === undefined) {
      const release = releaseFromGreeting(msg);
      this.metaLine = { meta: this.makeMeta(release === undefined ? undefined : formatRelease(release)) };
      if (this.out !== undefined) {
        this.writer = new TraceWriter(this.out);
        this.writer.write(this.metaLine);
      }
    }
    const t = Math.round((message.at - (this.startedAt ?? message.at)) * 1000) / 1e6;
    const line: TraceLine = { dir: message.dir, t, msg };
    this.lines.push(line);
    this.writer?.write(line);
  }
}
