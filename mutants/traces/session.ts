/**
 * A recorded session as the trace mutants see it: its messages with their lines, and the facts read
 * from them that the operators need (which command each reply answers, each job's status before a
 * line, the job a creating command names). These are facts of the recording, not of the model.
 */
import type { TraceLine, QmpMessage } from '../../traces/format.ts';
import { CreatorCommands, isCreatorCommand, isVerbCommand, VerbCommands, type VerbCommandName } from '../../machines/index.ts';

/** One message of a session and the line it was read from (an inserted message carries its neighbour's). */
export interface Entry {
  readonly n: number;
  readonly line: TraceLine;
}

/** A command sent, and the reply that answered it. */
export interface Command {
  readonly i: number;
  readonly name: string;
  readonly args: Record<string, unknown>;
  readonly id: unknown;
  reply: number | undefined;
}

/** A job event: JOB_STATUS_CHANGE (with its status) or BLOCK_JOB_*. */
export interface JobEvent {
  readonly i: number;
  readonly name: string;
  readonly job: string;
  readonly status?: string;
}

/** The verb-table refusal: `Job '<id>' in state '<status>' cannot accept command verb '<verb>'`. */
export const VERB_REFUSAL = /^Job '([^']*)' in state '([^']*)' cannot accept command verb '([^']*)'$/;

export function verbRefusalText(job: string, status: string, verb: string): string {
  return `Job '${job}' in state '${status}' cannot accept command verb '${verb}'`;
}

export class Session {
  readonly commands: Command[] = [];
  /** Index of a command's line -> the command; index of a reply's line -> the command it answers. */
  readonly commandAt = new Map<number, Command>();
  readonly answering = new Map<number, Command>();
  /** Index -> the job event on that line. */
  readonly eventAt = new Map<number, JobEvent>();
  /** Job id -> its JOB_STATUS_CHANGE events, in order. */
  readonly statuses = new Map<string, JobEvent[]>();
  /** Job id -> every event naming it, in order. */
  readonly events = new Map<string, JobEvent[]>();
  readonly greetings: number;

  constructor(
    readonly file: string,
    readonly style: 'wire' | 'log',
    /** The release the checker applied to the original. */
    readonly release: string,
    readonly entries: readonly Entry[],
  ) {
    let greetings = 0;
    const unanswered: Command[] = [];
    entries.forEach(({ line }, i) => {
      const msg = line.msg;
      if (line.dir === 'send') {
        const name = typeof msg['execute'] === 'string' ? msg['execute'] : typeof msg['exec-oob'] === 'string' ? msg['exec-oob'] : '';
        const args = isRecord(msg['arguments']) ? msg['arguments'] : {};
        const c: Command = { i, name, args, id: msg['id'], reply: undefined };
        this.commands.push(c);
        this.commandAt.set(i, c);
        unanswered.push(c);
        return;
      }
      if ('QMP' in msg) greetings++;
      if ('return' in msg || 'error' in msg) {
        const key = JSON.stringify(msg['id']);
        const at = unanswered.findIndex((c) => JSON.stringify(c.id) === key);
        if (at >= 0) {
          const c = unanswered[at] as Command;
          unanswered.splice(at, 1);
          c.reply = i;
          this.answering.set(i, c);
        }
        return;
      }
      const ev = jobEventOf(msg, i);
      if (!ev) return;
      this.eventAt.set(i, ev);
      push(this.events, ev.job, ev);
      if (ev.status !== undefined) push(this.statuses, ev.job, ev);
    });
    this.greetings = greetings;
  }

  get wire(): boolean {
    return this.style === 'wire';
  }

  /** Whether a `created` may follow any status of the same id: logs may relaunch the VM, and so does a second greeting. */
  get relaunches(): boolean {
    return !this.wire || this.greetings > 1;
  }

  /** The job's status just before line index i (undefined: no status event yet). */
  statusBefore(job: string, i: number): string | undefined {
    let s: string | undefined;
    for (const e of this.statuses.get(job) ?? []) {
      if (e.i >= i) break;
      s = e.status;
    }
    return s;
  }

  /** The job's status events strictly between indexes a and b. */
  statusesBetween(job: string, a: number, b: number): JobEvent[] {
    return (this.statuses.get(job) ?? []).filter((e) => e.i > a && e.i < b);
  }

  /** No event names the job strictly between a and b. */
  quietFor(job: string, a: number, b: number): boolean {
    return !(this.events.get(job) ?? []).some((e) => e.i > a && e.i < b);
  }

  /** No job event at all strictly between a and b. */
  quiet(a: number, b: number): boolean {
    for (let i = a + 1; i < b; i++) if (this.eventAt.has(i)) return false;
    return true;
  }

  /** The job a verb command names, or undefined. */
  verbJob(c: Command): string | undefined {
    if (!isVerbCommand(c.name)) return undefined;
    const v = c.args[VerbCommands[c.name as VerbCommandName].idArg];
    return typeof v === 'string' ? v : undefined;
  }

  /** The last job-creating command (direct, or a transaction action) for `job` sent before index i. */
  creatorOf(job: string, i: number): { type: string; autoFinalize: boolean; command: Command } | undefined {
    let found: { type: string; autoFinalize: boolean; command: Command } | undefined;
    for (const c of this.commands) {
      if (c.i >= i) break;
      for (const a of creations(c)) if (a.job === job) found = { type: a.type, autoFinalize: a.args['auto-finalize'] !== false, command: c };
    }
    return found;
  }
}

/** The jobs a command creates: a direct creator, or each job-creating action of a transaction. */
export function creations(c: Command): { job: string; type: string; args: Record<string, unknown> }[] {
  const one = (name: string, args: Record<string, unknown>): { job: string; type: string; args: Record<string, unknown> }[] => {
    if (!isCreatorCommand(name)) return [];
    const id = args['job-id'] ?? args['device'];
    return typeof id === 'string' ? [{ job: id, type: CreatorCommands[name].type, args }] : [];
  };
  if (c.name !== 'transaction') return one(c.name, c.args);
  const actions = Array.isArray(c.args['actions']) ? c.args['actions'] : [];
  return actions.flatMap((a: unknown) => (isRecord(a) && typeof a['type'] === 'string' ? one(a['type'], isRecord(a['data']) ? a['data'] : {}) : []));
}

function jobEventOf(msg: QmpMessage, i: number): JobEvent | undefined {
  const name = msg['event'];
  const data = msg['data'];
  if (typeof name !== 'string' || !isRecord(data)) return undefined;
  if (name === 'JOB_STATUS_CHANGE') {
    return typeof data['id'] === 'string' ? { i, name, job: data['id'], status: String(data['status']) } : undefined;
  }
  if (!name.startsWith('BLOCK_JOB_')) return undefined;
  const job = typeof data['device'] === 'string' ? data['device'] : data['id'];
  return typeof job === 'string' ? { i, name, job } : undefined;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
