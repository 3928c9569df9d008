/** Breaking real traces one change at a time: find a line, then remove, replace, move or insert. */
import type { QmpMessage, TraceLine } from '../../../traces/format.ts';

export type Match = (msg: QmpMessage, index: number) => boolean;

const data = (m: QmpMessage) => (m['data'] ?? {}) as Record<string, unknown>;

/** JOB_STATUS_CHANGE of job `id` to `status` (the `nth` such line, from 0). */
export const status = (id: string, s: string): Match => (m) => m['event'] === 'JOB_STATUS_CHANGE' && data(m)['id'] === id && data(m)['status'] === s;
/** An event by name, for job `id` (device or id) when given. */
export const event = (name: string, id?: string): Match => (m) =>
  m['event'] === name && (id === undefined || data(m)['device'] === id || data(m)['id'] === id);
/** The command sent with this QMP id. */
export const sent = (qid: string): Match => (m) => m['execute'] !== undefined && m['id'] === qid;
/** The reply with this QMP id. */
export const reply = (qid: string): Match => (m) => m['execute'] === undefined && m['event'] === undefined && m['id'] === qid;

function clone(lines: readonly TraceLine[]): TraceLine[] {
  return JSON.parse(JSON.stringify(lines)) as TraceLine[];
}

export function indexOf(lines: readonly TraceLine[], match: Match, nth = 0): number {
  let seen = 0;
  for (let i = 0; i < lines.length; i++) {
    if (match(lines[i]!.msg, i) && seen++ === nth) return i;
  }
  throw new Error('no line matches');
}

/** A copy with the matching line's message changed by `edit` (which may mutate it). */
export function change(lines: readonly TraceLine[], match: Match, edit: (msg: QmpMessage) => void, nth = 0): TraceLine[] {
  const out = clone(lines);
  edit(out[indexOf(out, match, nth)]!.msg);
  return out;
}

export function remove(lines: readonly TraceLine[], ...matches: Match[]): TraceLine[] {
  let out = clone(lines);
  for (const m of matches) {
    const i = indexOf(out, m);
    out = [...out.slice(0, i), ...out.slice(i + 1)];
  }
  return out;
}

/** Inserts messages (received) after the matching line. */
export function insertAfter(lines: readonly TraceLine[], match: Match, ...msgs: QmpMessage[]): TraceLine[] {
  const out = clone(lines);
  const i = indexOf(out, match);
  const t = out[i]!.t;
  out.splice(i + 1, 0, ...msgs.map((msg): TraceLine => ({ dir: 'recv', t, msg })));
  return out;
}

/** Moves the matching line to just after the `after` line. */
export function moveAfter(lines: readonly TraceLine[], match: Match, after: Match): TraceLine[] {
  const out = clone(lines);
  const [line] = out.splice(indexOf(out, match), 1);
  out.splice(indexOf(out, after) + 1, 0, line!);
  return out;
}

export function swap(lines: readonly TraceLine[], a: Match, b: Match): TraceLine[] {
  const out = clone(lines);
  const i = indexOf(out, a);
  const j = indexOf(out, b);
  [out[i], out[j]] = [out[j]!, out[i]!];
  return out;
}

/** A JOB_STATUS_CHANGE message. */
export function statusMsg(id: string, s: string): QmpMessage {
  return { timestamp: { seconds: 1, microseconds: 0 }, event: 'JOB_STATUS_CHANGE', data: { status: s, id } };
}

export function eventMsg(name: string, d: Record<string, unknown>): QmpMessage {
  return { timestamp: { seconds: 1, microseconds: 0 }, event: name, data: d };
}
