/**
 * A trace mutant: a recorded session with one change no QEMU could make, the operator that made it,
 * and where (the original file and line). Built lazily: only the sampled mutants are materialised.
 */
import type { QmpMessage, TraceLine } from '../../traces/format.ts';
import type { Entry, Session } from './session.ts';

export interface TraceMutant {
  readonly operator: string;
  readonly file: string;
  /** The line of the original file the change is at. */
  readonly line: number;
  /** The change, in words. */
  readonly change: string;
  /** The mutated session's messages. */
  build(): readonly Entry[];
}

/** A named mutation operator: a unit with what it changes and why QEMU cannot produce the result. */
export interface TraceOperator {
  readonly name: string;
  /** The styles of trace it applies to: wire traces (`*.jsonl`), iotests logs, or both. */
  readonly styles: readonly ('wire' | 'log')[];
  /** What it changes. */
  readonly changes: string;
  /** Why no QEMU could produce the result (QEMU's source, job.c / blockjob.c / QMP). */
  readonly impossible: string;
  /** Check its mutants with --strict: the change is in an error text the checker compares only then. */
  readonly strict?: boolean;
  mutate(s: Session): Iterable<TraceMutant>;
}

/** Helpers that derive a mutant's messages from the session's. */
export function mutant(s: Session, operator: string, i: number, change: string, build: () => Entry[]): TraceMutant {
  return { operator, file: s.file, line: s.entries[i]?.n ?? 0, change, build };
}

export function withMsg(e: Entry, msg: QmpMessage): Entry {
  const line: TraceLine = { ...e.line, msg };
  return { n: e.n, line };
}

export function replaced(s: Session, i: number, msg: QmpMessage): Entry[] {
  const out = s.entries.slice();
  out[i] = withMsg(s.entries[i] as Entry, msg);
  return out;
}

export function removed(s: Session, i: number): Entry[] {
  const out = s.entries.slice();
  out.splice(i, 1);
  return out;
}

/** Messages inserted after index i, received or sent, with i's line number and time (and the harness of its log). */
export function inserted(s: Session, i: number, added: readonly { dir: 'send' | 'recv'; msg: QmpMessage }[]): Entry[] {
  const at = s.entries[i] as Entry;
  const out = s.entries.slice();
  const harness = at.line.harness !== undefined ? { harness: at.line.harness } : {};
  out.splice(i + 1, 0, ...added.map((a) => ({ n: at.n, line: { dir: a.dir, t: at.line.t, msg: a.msg, ...harness } })));
  return out;
}

export function swapped(s: Session, a: number, b: number): Entry[] {
  const out = s.entries.slice();
  out[a] = s.entries[b] as Entry;
  out[b] = s.entries[a] as Entry;
  return out;
}

/** The entry at `from` moved to just before index `to` (to < from). */
export function movedBefore(s: Session, from: number, to: number): Entry[] {
  const out = s.entries.slice();
  const [e] = out.splice(from, 1);
  out.splice(to, 0, e as Entry);
  return out;
}

export function clone<T>(v: T): T {
  return structuredClone(v);
}

/** A reply with the same id as `reply`: an error of the given class and text. */
export function errorReply(reply: QmpMessage, cls: string, desc: string): QmpMessage {
  return { ...('id' in reply ? { id: reply['id'] } : {}), error: { class: cls, desc } };
}

export function okReply(reply: QmpMessage): QmpMessage {
  return { return: {}, ...('id' in reply ? { id: reply['id'] } : {}) };
}

/** `i`-th of `list`, wrapping: a deterministic choice among alternatives. */
export function pick<T>(list: readonly T[], i: number): T | undefined {
  return list.length === 0 ? undefined : list[i % list.length];
}
