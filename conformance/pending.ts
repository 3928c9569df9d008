/**
 * Commands sent and not yet answered, by kind. Each keeps its own window: what the job(s) it concerns
 * could have been while QEMU ran it, from its send to its reply (docs/checker.md, "Asynchrony").
 */
import { VerbCommands, type JobVerb, type QmpError, type VerbCommandName, type VerbEvent } from '../machines/index.ts';
import type { QmpMessage } from '../traces/format.ts';
import { creationOf, type Creation } from './creation.ts';
import { Txn, type JobTrack } from './job.ts';
import type { ViolationDraft } from './result.ts';

interface Base {
  readonly name: string;
  /** The command's `id`, or undefined. */
  readonly qid: unknown;
  readonly line: number;
  /** Sent with exec-oob: may be answered before earlier commands. */
  readonly oob: boolean;
}

export interface PendingVerb extends Base {
  readonly kind: 'verb';
  readonly event: VerbEvent;
  /** The command's verb (VerbCommands). */
  readonly verb: JobVerb;
  /** The command's name and the arguments that change its reply or effect (cache key of its effects, verbModel.ts). */
  readonly signature: number | string;
  /** Arguments the model does not read (or of the wrong type): QAPI may refuse them, so the reply is not judged. */
  readonly loose: boolean;
  /**
   * The window: the job's (status, flags) keys in order, each with the number of flag changes (`ops`)
   * recorded before it. Null until the job first changes in the window (then: its state now).
   */
  window: Window | null;
  /** The job the id named when it last changed in the window (kept after its `null`). */
  track: JobTrack | undefined;
  /** Violations this command would excuse if accepted (state.ts `require`). */
  deferred: Deferred[] | undefined;
  /**
   * When it is the only possible cause of a step seen in its window: the number of window entries
   * recorded before that step. If accepted, it ran in one of them (it caused the step), not later.
   */
  cut?: number;
}

/**
 * A violation excused only by unanswered commands that could have caused what was seen: it stands
 * once every one of them was refused (a refused command causes no transition).
 */
export interface Deferred {
  readonly violation: ViolationDraft;
  /** How many of those commands are still unanswered or accepted-unknown (each settles it once). */
  waiting: number;
  excused: boolean;
}

/** A flag change an event made inside a verb's window (BLOCK_JOB_ERROR stop, a transaction abort). */
export interface FlagOp {
  readonly set: number;
  readonly clear: number;
  /** Adds a flag set with `set` instead of changing every one. */
  readonly variant: boolean;
}

export interface Window {
  readonly keys: number[];
  readonly at: number[];
  readonly ops: FlagOp[];
}

export interface PendingCreator extends Base {
  readonly kind: 'creator';
  readonly creation: Creation;
  /** The job created for each spec, once its `created` event arrived. */
  readonly bound: (JobTrack | undefined)[];
  readonly txn: Txn | undefined;
  /** For each spec, the job its id named when the command was sent, if one was alive. */
  readonly inUse: (JobTrack | undefined)[];
}

export interface PendingQuery extends Base {
  readonly kind: 'query';
  /** Sent with arguments (QAPI refuses them). */
  readonly loose: boolean;
  /** query-block-jobs (else query-jobs). */
  readonly block: boolean;
  /** Per job id, the statuses it showed in the window (the first one: its status at the send). */
  seen: Map<string, number[]> | null;
}

export interface PendingOther extends Base {
  readonly kind: 'other';
  /** A verb command QAPI refuses (no usable job name, a member of another union branch), or a job command no release has: QEMU must refuse it. */
  readonly mustFail?: boolean;
}

export type Pending = PendingVerb | PendingCreator | PendingQuery | PendingOther;

export type Reply = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: QmpError };

/** Arguments each verb command takes besides the job's name, with their JSON types. */
const EXTRA_ARGS: Partial<Record<VerbCommandName, Readonly<Record<string, string>>>> = {
  'block-job-cancel': { force: 'boolean' },
  'block-job-set-speed': { speed: 'number' },
  'block-job-change': { type: 'string', 'copy-mode': 'string' },
};

/**
 * The verb event of a job command, or undefined when QAPI must refuse the command before any job rule
 * applies: the job's name is missing, or block-job-change has `copy-mode` with a `type` other than
 * mirror (the member exists only in the mirror branch of the union: "Parameter 'copy-mode' is unexpected").
 */
function verbOf(info: VerbInfo, args: Record<string, unknown>): VerbEvent | undefined {
  const { name, idArg } = info;
  const id = args[idArg];
  if (typeof id !== 'string') return undefined;
  if (name === 'block-job-change' && args['copy-mode'] !== undefined && args['type'] !== 'mirror') return undefined;
  const speed = args['speed'];
  const type = args['type'];
  const copyMode = args['copy-mode'];
  const event: VerbEvent =
    typeof speed !== 'number' && typeof type !== 'string' && typeof copyMode !== 'string'
      ? { type: name, id, force: args['force'] === true }
      : {
          type: name,
          id,
          force: args['force'] === true,
          ...(typeof speed === 'number' ? { speed } : {}),
          ...(typeof type === 'string' ? { jobType: type as VerbEvent['jobType'] } : {}),
          ...(typeof copyMode === 'string' ? { copyMode } : {}),
        };
  return event;
}

/** Arguments the model does not read, or of the wrong type. */
function looseArgs(info: VerbInfo, args: Record<string, unknown>): boolean {
  const { idArg, extra } = info;
  for (const key in args) {
    if (key === idArg) continue;
    const type = extra[key];
    if (type === undefined || typeof args[key] !== type) return true;
  }
  return false;
}

interface VerbInfo {
  /** The name as VerbCommands spells it (an interned string, unlike the one JSON.parse made). */
  readonly name: VerbCommandName;
  readonly verb: JobVerb;
  readonly index: number;
  readonly idArg: string;
  readonly extra: Readonly<Record<string, string>>;
}

/**
 * The verb commands by name, in a Map: a command name fresh from JSON.parse is not an interned string,
 * and a property lookup (isVerbCommand, VerbCommands[name]) interns it first, on every command.
 */
const VERB_INFO: ReadonlyMap<string, VerbInfo> = new Map(
  (Object.keys(VerbCommands) as VerbCommandName[]).map((name, index) => [name, { name, verb: VerbCommands[name].verb, index, idArg: VerbCommands[name].idArg, extra: EXTRA_ARGS[name] ?? {} }]),
);

/**
 * A verb's name and the arguments that can change its reply or effect (a speed only by its sign): a
 * small integer, or a string when the command names a job type or copy mode (block-job-change).
 */
function signatureOf(e: VerbEvent): number | string {
  const speed = e.speed === undefined ? 0 : e.speed < 0 ? 1 : 2;
  if (e.jobType === undefined && e.copyMode === undefined) return (VERB_INFO.get(e.type)!.index * 2 + (e.force ? 1 : 0)) * 3 + speed;
  return `${e.type}|${e.force ? 1 : 0}|${speed}|${e.jobType ?? ''}|${e.copyMode ?? ''}`;
}

/** Classifies a sent command. */
export function pendingOf(msg: QmpMessage, line: number): Pending {
  const name = typeof msg['execute'] === 'string' ? msg['execute'] : typeof msg['exec-oob'] === 'string' ? msg['exec-oob'] : '';
  const qid = msg['id'];
  const oob = typeof msg['exec-oob'] === 'string';
  const rawArgs = msg['arguments'];
  const args = typeof rawArgs === 'object' && rawArgs !== null && !Array.isArray(rawArgs) ? (rawArgs as Record<string, unknown>) : {};
  const info = VERB_INFO.get(name);
  if (info !== undefined) {
    const event = verbOf(info, args);
    if (event) return { kind: 'verb', name: info.name, qid, line, oob, event, verb: info.verb, loose: looseArgs(info, args), signature: signatureOf(event), window: null, track: undefined, deferred: undefined };
    return { kind: 'other', name: info.name, qid, line, oob, mustFail: true };
  }
  if (name === 'query-jobs' || name === 'query-block-jobs') {
    return { kind: 'query', name, qid, line, oob, loose: Object.keys(args).length > 0, block: name === 'query-block-jobs', seen: null };
  }
  // job-change, job-set-speed, ...: no release has them (machines/commands.ts lists every job command).
  if (/^(block-)?job-/.test(name)) return { kind: 'other', name, qid, line, oob, mustFail: true };
  const creation = creationOf(name, rawArgs);
  if (creation) return { kind: 'creator', name, qid, line, oob, creation, bound: creation.specs.map(() => undefined), txn: creation.grouped ? new Txn() : undefined, inUse: [] };
  return { kind: 'other', name, qid, line, oob };
}
