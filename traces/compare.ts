/**
 * Compares a replayed session with its recording, modulo what the model says may vary between two runs
 * of the same client against the same QEMU:
 *  - timestamps, `t`, progress numbers (offset, len, current-progress, ...), `busy`;
 *  - the interleaving of different jobs' events, and of events with command replies;
 *  - drain blips: a job's `paused` followed by `running` (or `standby` then `ready`) is removed, however
 *    often it happens (QEMU 10.0 gives 1 to 7 per graph change). A user pause and resume collapse the same
 *    way on both sides; the replies to pause and resume still show them;
 *  - how many BLOCK_JOB_ERROR events in a row a job emits (one per failed in-flight request).
 * What must agree: each command's reply (success, or error class; error text with `strict`), the jobs
 * listed by query-jobs and query-block-jobs (id, type, status, flags, whether there is an error), and each
 * job's sequence of statuses and BLOCK_JOB_* events. Commands are paired by the order they were sent.
 */
import type { QmpMessage, TraceLine } from './format.ts';

/** A trace line with its 1-based line number in its file (or in the replayed session). */
export interface NumberedLine {
  readonly line: TraceLine;
  readonly lineNo: number;
}

export interface CompareOptions {
  /** Also compare error texts (replies, query `error` members, BLOCK_JOB_COMPLETED errors). */
  readonly strict?: boolean;
}

function obj(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** One step of a job's history: a status, or a BLOCK_JOB_* event reduced to what must agree. */
export interface JobItem {
  readonly key: string;
  readonly lineNo: number;
  readonly msg: QmpMessage;
}

/** The job an event is about, and its key; undefined for other events. */
export function jobItemOf(msg: QmpMessage, strict = false): { readonly job: string; readonly key: string } | undefined {
  const event = msg['event'];
  const data = obj(msg['data']);
  if (event === 'JOB_STATUS_CHANGE') {
    return typeof data['id'] === 'string' && typeof data['status'] === 'string' ? { job: data['id'], key: data['status'] } : undefined;
  }
  if (typeof event !== 'string' || !event.startsWith('BLOCK_JOB_')) return undefined;
  const job = data['device'] ?? data['id'];
  if (typeof job !== 'string') return undefined;
  if (event === 'BLOCK_JOB_COMPLETED' && data['error'] !== undefined) return { job, key: strict ? `${event}(error: ${String(data['error'])})` : `${event}(error)` };
  if (event === 'BLOCK_JOB_ERROR') return { job, key: `${event}(${String(data['operation'])}, ${String(data['action'])})` };
  return { job, key: event };
}

/** Blips a later status cancels: `paused` by `running`, `standby` by `ready`. */
const CANCELLED_BY: Readonly<Record<string, string>> = { running: 'paused', ready: 'standby' };

/** Per-job histories, normalised as they grow (so a replay can wait on them). */
export class JobHistories {
  private readonly jobs = new Map<string, JobItem[]>();
  constructor(private readonly strict = false) {}

  push(msg: QmpMessage, lineNo: number): void {
    const item = jobItemOf(msg, this.strict);
    if (item === undefined) return;
    let list = this.jobs.get(item.job);
    if (list === undefined) this.jobs.set(item.job, (list = []));
    const last = list[list.length - 1];
    if (last !== undefined && CANCELLED_BY[item.key] === last.key) {
      list.pop();
      return;
    }
    if (last !== undefined && last.key === item.key && item.key.startsWith('BLOCK_JOB_ERROR')) return;
    list.push({ key: item.key, lineNo, msg });
  }

  get(job: string): readonly JobItem[] {
    return this.jobs.get(job) ?? [];
  }

  ids(): string[] {
    return [...this.jobs.keys()];
  }

  /** A copy of the current keys per job. */
  snapshot(): Map<string, string[]> {
    return new Map([...this.jobs].map(([job, items]) => [job, items.map((i) => i.key)]));
  }

  /** Whether each job's history starts with the keys `expected` gives for it. */
  reached(expected: ReadonlyMap<string, readonly string[]>): boolean {
    for (const [job, keys] of expected) {
      const have = this.get(job);
      if (have.length < keys.length) return false;
      if (keys.some((k, i) => have[i]!.key !== k)) return false;
    }
    return true;
  }
}

/** A reply reduced to what must agree. */
export function replyKey(command: string, reply: QmpMessage, strict = false): string {
  if ('error' in reply) {
    const error = obj(reply['error']);
    return strict ? `error ${String(error['class'])}: ${String(error['desc'])}` : `error ${String(error['class'])}`;
  }
  const value = reply['return'];
  if (command === 'query-jobs' && Array.isArray(value)) {
    return `return ${JSON.stringify(value.map((j) => pick(obj(j), ['id', 'type', 'status'], strict)))}`;
  }
  if (command === 'query-block-jobs' && Array.isArray(value)) {
    return `return ${JSON.stringify(value.map((j) => pick(obj(j), ['device', 'type', 'status', 'ready', 'paused', 'io-status', 'speed', 'auto-finalize', 'auto-dismiss'], strict)))}`;
  }
  return 'return';
}

function pick(job: Record<string, unknown>, keys: readonly string[], strict: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (k in job) out[k] = job[k];
  if (job['error'] !== undefined) out['error'] = strict ? job['error'] : true;
  return out;
}

export interface SideRef {
  /** Line number in the recording file, or in the replayed session (1 = its first message line). */
  readonly lineNo: number;
  readonly msg: QmpMessage;
}

export interface Divergence {
  /** What differs: `reply to job-cancel (c5)`, `job 'j1'`. */
  readonly subject: string;
  readonly message: string;
  readonly recorded?: SideRef;
  readonly replayed?: SideRef;
  /** Where in the recording it happens, for ordering divergences. */
  readonly at: number;
}

interface Command {
  readonly command: string;
  readonly id: unknown;
  readonly send: NumberedLine;
  reply?: NumberedLine;
}

/** The client's commands in send order (qmp_capabilities left out), each with its reply. */
export function commandsOf(lines: readonly NumberedLine[]): Command[] {
  const commands: Command[] = [];
  const byId = new Map<string, Command>();
  for (const n of lines) {
    const msg = n.line.msg;
    if (n.line.dir === 'send') {
      const command = msg['execute'] ?? msg['exec-oob'];
      if (typeof command !== 'string' || command === 'qmp_capabilities') continue;
      const c: Command = { command, id: msg['id'], send: n };
      commands.push(c);
      byId.set(JSON.stringify(msg['id'] ?? null), c);
    } else if ('return' in msg || 'error' in msg) {
      const c = byId.get(JSON.stringify(msg['id'] ?? null));
      if (c !== undefined && c.reply === undefined) c.reply = n;
    }
  }
  return commands;
}

/** True when the session ended with a command still unanswered: the trace is a prefix of a session. */
export function isPrefix(lines: readonly NumberedLine[]): boolean {
  return commandsOf(lines).some((c) => c.reply === undefined);
}

function histories(lines: readonly NumberedLine[], strict: boolean): JobHistories {
  const h = new JobHistories(strict);
  for (const n of lines) if (n.line.dir === 'recv') h.push(n.line.msg, n.lineNo);
  return h;
}

/** Every divergence, in the order they occur in the recording; empty when the replay agrees. */
export function compareSessions(recorded: readonly NumberedLine[], replayed: readonly NumberedLine[], options: CompareOptions = {}): Divergence[] {
  const strict = options.strict === true;
  const out: Divergence[] = [];
  const prefix = isPrefix(recorded);
  const last = recorded[recorded.length - 1]?.lineNo ?? 0;
  const rc = commandsOf(recorded);
  const pc = commandsOf(replayed);
  rc.forEach((r, k) => {
    const p = pc[k];
    const subject = `reply to ${r.command} (${JSON.stringify(r.id)})`;
    if (p === undefined) {
      out.push({ subject, message: `the replay did not send command ${k + 1} (${r.command})`, recorded: ref(r.send), at: r.send.lineNo });
      return;
    }
    if (p.command !== r.command) {
      out.push({ subject, message: `command ${k + 1} differs`, recorded: ref(r.send), replayed: ref(p.send), at: r.send.lineNo });
      return;
    }
    if (r.reply === undefined) return; // The recording ended first (a hang, or a recorder stopped): anything goes.
    if (p.reply === undefined) {
      out.push({ subject, message: 'the recording got a reply, the replay none', recorded: ref(r.reply), replayed: ref(p.send), at: r.reply.lineNo });
      return;
    }
    const a = replyKey(r.command, r.reply.line.msg, strict);
    const b = replyKey(p.command, p.reply.line.msg, strict);
    if (a !== b) out.push({ subject, message: `expected ${a}, got ${b}`, recorded: ref(r.reply), replayed: ref(p.reply), at: r.reply.lineNo });
  });
  if (pc.length > rc.length && !prefix) {
    const extra = pc[rc.length]!;
    out.push({ subject: `command ${rc.length + 1}`, message: `the replay sent more commands than the recording (${extra.command})`, replayed: ref(extra.send), at: last + 1 });
  }
  const rh = histories(recorded, strict);
  const ph = histories(replayed, strict);
  for (const job of new Set([...rh.ids(), ...ph.ids()])) {
    const a = rh.get(job);
    const b = ph.get(job);
    const subject = `job '${job}'`;
    const n = Math.min(a.length, b.length);
    let i = 0;
    while (i < n && a[i]!.key === b[i]!.key) i += 1;
    if (i < n) {
      out.push({ subject, message: `after [${keys(a, i)}]: the recording has ${a[i]!.key}, the replay ${b[i]!.key}`, recorded: ref(a[i]!), replayed: ref(b[i]!), at: a[i]!.lineNo });
    } else if (a.length > b.length) {
      out.push({ subject, message: `after [${keys(a, i)}]: the recording has ${a[i]!.key}, the replay nothing more`, recorded: ref(a[i]!), at: a[i]!.lineNo });
    } else if (b.length > a.length && !prefix) {
      const at = a.length > 0 ? a[a.length - 1]!.lineNo + 0.5 : last + 1;
      out.push({ subject, message: `after [${keys(a, i)}]: the recording has nothing more, the replay ${b[i]!.key}`, replayed: ref(b[i]!), at });
    }
  }
  return out.sort((x, y) => x.at - y.at);
}

function keys(items: readonly JobItem[], n: number): string {
  const shown = items.slice(Math.max(0, n - 6), n).map((i) => i.key);
  return (n > 6 ? '…, ' : '') + shown.join(', ');
}

function ref(x: NumberedLine | JobItem): SideRef {
  return 'line' in x ? { lineNo: x.lineNo, msg: x.line.msg } : { lineNo: x.lineNo, msg: x.msg };
}
