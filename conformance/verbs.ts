/**
 * Verb commands (job-*, block-job-*). QEMU runs a command at one instant between its send (or the
 * previous command's reply) and its reply, so the job was in one of the (status, flags) states its
 * window recorded. The reply is accepted iff the model (machines/replies.ts verbReply, via
 * verbModel.ts) gives the same outcome for at least one of them: success, or an error of the same
 * class (the same text under --strict). For an accepted command, the flags become, for each state
 * that agrees, the command's effect (machines/step.ts) followed by the flag changes events made
 * later in the window.
 */
import { VerbCommands, type QmpError } from '../machines/index.ts';
import { addUnique, D, isAlive, keyBits, keyStatus, N, statusIndex, statusName } from './encoding.ts';
import type { JobTrack } from './job.ts';
import type { PendingVerb, Reply, Window } from './pending.ts';
import type { CheckState } from './state.ts';
import { speedValue } from './creation.ts';
import { verbModel, withId } from './verbModel.ts';

interface Outcome {
  /** The window entry (a state the job was in) this outcome is for. */
  readonly entry: number;
  readonly status: number;
  /** The model's reply (job id as a placeholder); undefined: success. */
  readonly reply: QmpError | undefined;
  /** Flag bits after the command. */
  readonly bits: number;
}

const VERB_REFUSED = /^Job '.*' in state '([a-z]+)' cannot accept command verb '[a-z-]+'$/;

/** What the model says for each state of the window and each type the job may have. */
function outcomes(st: CheckState, p: PendingVerb, w: Window, job: JobTrack | undefined): Outcome[] {
  const model = verbModel(st.profile);
  const sig = model.signature(p.event, p.signature);
  const drainsMax = st.profile.features.completeRefusedWhilePaused ? 1 : 0;
  const tids = job ? (job.templateIds ??= job.templates.map((t) => model.template(t))) : [];
  const out: Outcome[] = [];
  for (let entry = 0; entry < w.keys.length; entry++) {
    const key = w.keys[entry]!;
    const status = keyStatus(key);
    if (!isAlive(status) || !job) {
      out.push({ entry, status, reply: model.answerAbsent(sig), bits: keyBits(key) });
      continue;
    }
    for (const tid of tids) {
      for (let d = 0; d <= drainsMax; d++) {
        const a = model.answer(tid, key, d, sig);
        out.push({ entry, status, reply: a.reply, bits: a.bits });
      }
    }
  }
  return out;
}

function describe(outs: readonly Outcome[], id: string): string {
  const seen = new Set<string>();
  for (const o of outs) {
    const where = isAlive(o.status) ? `in '${statusName(o.status)}'` : 'no such job';
    const r = o.reply ? withId(o.reply, id) : undefined;
    seen.add(`${where}: ${r ? `${r.class} "${r.desc}"` : 'success'}`);
  }
  return [...seen].join('; ');
}

function windowNow(st: CheckState, id: string): Window {
  const keys = st.keysOf(id);
  return { keys, at: keys.map(() => 0), ops: [] };
}

export function onVerbReply(st: CheckState, p: PendingVerb, reply: Reply): void {
  const id = p.event.id;
  const list = st.verbsByJob.get(id);
  if (list) {
    const i = list.indexOf(p);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) st.verbsByJob.delete(id);
  }
  const w = p.window ?? windowNow(st, id);
  const job = p.track ?? st.lookup(id);
  const outs = outcomes(st, p, w, job);
  // Without JOB_STATUS_CHANGE (before 3.0) or for a job seen only in queries, the status is unknown.
  const unknown = !st.statusEvents || (job !== undefined && !job.statusKnown);
  const agree = p.loose || unknown ? outs.filter((o) => (o.reply === undefined) === reply.ok) : judge(st, p, reply, outs, w.keys);
  const verb = VerbCommands[p.event.type].verb;
  if (st.coverage) {
    // The earliest state of the window that agrees with the reply: the command's own events follow it.
    const first = (agree.length > 0 ? agree : outs).reduce((a, b) => (b.entry < a.entry ? b : a));
    st.coverage.cell(isAlive(first.status) ? statusName(first.status) : 'null', verb, reply.ok);
  }
  if (!reply.ok || !job) return;
  applyEffects(job, w, agree);
  afterSuccess(st, p, job, verb);
}

/** Checks the reply against the outcomes; returns the outcomes that agree with it. */
function judge(st: CheckState, p: PendingVerb, reply: Reply, outs: readonly Outcome[], keys: readonly number[]): Outcome[] {
  const id = p.event.id;
  const name = p.event.type;
  if (reply.ok) {
    const agree = outs.filter((o) => !o.reply);
    if (agree.length === 0) st.violate('verb-accepted-refused', id, `${name} was accepted`, describe(outs, id));
    return agree;
  }
  const err = reply.error;
  const refusals = outs.filter((o) => o.reply);
  if (refusals.length === 0) {
    st.violate('verb-accepted-refused', id, `${name} was refused (${err.class}: ${err.desc})`, describe(outs, id));
    return [];
  }
  const sameClass = refusals.filter((o) => o.reply!.class === err.class);
  if (sameClass.length === 0) {
    st.violate('verb-error-class', id, `${name} was refused with ${err.class}`, describe(refusals, id));
    return refusals;
  }
  const named = err.desc.startsWith('Job ') ? VERB_REFUSED.exec(err.desc) : null;
  if (named) {
    const s = statusIndex(named[1]);
    if (!keys.some((k) => keyStatus(k) === s)) {
      const during = [...new Set(keys.map((k) => keyStatus(k)))].map((k) => (isAlive(k) ? `'${statusName(k)}'` : 'absent'));
      st.violate('verb-error-state', id, `the error names state '${named[1]}'`, `a state the job was in: ${during.join(', ')}`);
    }
  }
  if (st.strict) {
    const exact = sameClass.filter((o) => withId(o.reply!, id).desc === err.desc);
    if (exact.length === 0) st.violate('verb-error-text', id, `error text "${err.desc}"`, describe(sameClass, id));
    else return exact;
  }
  return sameClass;
}

/**
 * The job's flags after an accepted command: for each state it may have run in, the command's effect,
 * then the flag changes events made later in the window, in order.
 */
function applyEffects(job: JobTrack, w: Window, agree: readonly Outcome[]): void {
  const finals: number[] = [];
  for (const o of agree) {
    let list = [o.bits];
    for (let i = w.at[o.entry]!; i < w.ops.length; i++) {
      const op = w.ops[i]!;
      list = op.variant ? [...list, ...list.map((b) => b | op.set)] : list.map((b) => (b & ~op.clear) | op.set);
    }
    for (const b of list) addUnique(finals, b);
  }
  if (finals.length > 0) job.beliefs = finals;
}

/** finalize and dismiss act synchronously: their effect is visible by the reply; set-speed sets the speed. */
function afterSuccess(st: CheckState, p: PendingVerb, job: JobTrack, verb: string): void {
  if (verb === 'set-speed') {
    job.speed = speedValue(p.event.speed);
  } else if (verb === 'dismiss') {
    job.dismissAsked = true;
    if (st.wire && st.statusEvents && job.statusKnown && job.status !== N) {
      st.violate('verb-effect-missing', job.id, `${p.event.type} accepted but the job is still '${statusName(job.status)}'`, "'null' before the reply");
    }
  } else if (verb === 'finalize') {
    job.finalizeAsked = true;
    if (job.txn) job.txn.finalizeAsked = true;
    if (!st.wire || !st.statusEvents) return;
    for (const m of job.txn ? job.txn.members : [job]) {
      if (m.status !== D || !m.statusKnown) continue;
      if (m === job) st.violate('verb-effect-missing', m.id, `${p.event.type} accepted but the job is still 'pending'`, "'concluded' (or 'aborting') before the reply");
      else st.violate('txn-finalize-partial', m.id, `${p.event.type} on '${job.id}' left member '${m.id}' pending`, 'every member finalized before the reply');
    }
  }
}
