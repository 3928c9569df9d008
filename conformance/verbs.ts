/**
 * Verb commands (job-*, block-job-*). QEMU runs a command at one instant between its send (or the
 * previous command's reply) and its reply, so the job was in one of the (status, flags) states its
 * window recorded. The reply is accepted iff the model (machines/replies.ts verbReply, via
 * verbModel.ts) gives the same outcome for at least one of them: success, or an error of the same
 * class (the same text under --strict). For an accepted command, the flags become, for each state
 * that agrees, the command's effect (machines/step.ts) followed by the flag changes events made
 * later in the window.
 */
import { isJobStatus, verbAllowed, type JobVerb, type QmpError } from '../machines/index.ts';
import { VerbRules } from './rules/index.ts';
import { addUnique, isAlive, keyBits, keyStatus, statusIndex, statusName } from './encoding.ts';
import type { JobTrack } from './job.ts';
import type { FlagOp, PendingVerb, Reply, Window } from './pending.ts';
import type { CheckState } from './state.ts';
import { speedValue } from './creation.ts';
import { sameText, verbModel, withId } from './verbModel.ts';

interface Outcome {
  /** The window entry (a state the job was in) this outcome is for. */
  readonly entry: number;
  readonly status: number;
  /** The model's reply (job id as a placeholder); undefined: success. */
  readonly reply: QmpError | undefined;
  /** Flag bits after the command. */
  readonly bits: number;
}

/** QEMU's refusal by the verb table (job_apply_verb_locked): job id, status, verb. */
export const VERB_REFUSED = /^Job '(.*)' in state '([a-z]+)' cannot accept command verb '([a-z-]+)'$/;

/** The status a model reply that is a verb-table refusal names (memoised: the model's replies are cached), or null. */
const REFUSED_STATE = new WeakMap<QmpError, string | null>();
function refusedState(reply: QmpError): string | null {
  let s = REFUSED_STATE.get(reply);
  if (s === undefined) REFUSED_STATE.set(reply, (s = VERB_REFUSED.exec(reply.desc)?.[2] ?? null));
  return s;
}

/**
 * The outcomes of one-state windows of a live job (most commands: no event came between send and
 * reply), by the job's template ids array, then signature, state and drains: the same few arrays
 * for every command, read only. Dropped with the model's signature ids, or past MAX_MEMO entries.
 */
const oneStateOutcomes = new WeakMap<object, { generation: number; size: number; byIds: Map<readonly number[], Map<number, readonly Outcome[]>> }>();
const MAX_MEMO = 100_000;

/** What the model says for each state of the window and each type the job may have. */
function outcomes(st: CheckState, p: PendingVerb, w: Window, job: JobTrack | undefined): readonly Outcome[] {
  const model = verbModel(st.profile);
  const sig = model.signature(p.event, p.signature);
  const drainsMax = st.profile.features.completeRefusedWhilePaused ? 1 : 0;
  const tids = job ? (job.templateIds ??= model.templateIdsOf(job.templates)) : NO_IDS;
  if (job && w.keys.length === 1 && isAlive(keyStatus(w.keys[0]!))) {
    let memo = oneStateOutcomes.get(model);
    if (memo === undefined || memo.generation !== model.generation || memo.size >= MAX_MEMO) oneStateOutcomes.set(model, (memo = { generation: model.generation, size: 0, byIds: new Map() }));
    let byKey = memo.byIds.get(tids);
    if (byKey === undefined) memo.byIds.set(tids, (byKey = new Map()));
    const k = (sig * 1024 + w.keys[0]!) * 2 + drainsMax;
    let out = byKey.get(k);
    if (out === undefined) {
      byKey.set(k, (out = outcomesOf(model, sig, w, tids, drainsMax, true)));
      memo.size++;
    }
    return out;
  }
  return outcomesOf(model, sig, w, tids, drainsMax, job !== undefined);
}

const NO_IDS: readonly number[] = [];

function outcomesOf(model: ReturnType<typeof verbModel>, sig: number, w: Window, tids: readonly number[], drainsMax: number, live: boolean): Outcome[] {
  const out: Outcome[] = [];
  for (let entry = 0; entry < w.keys.length; entry++) {
    const key = w.keys[entry]!;
    const status = keyStatus(key);
    if (!isAlive(status) || !live) {
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

/** The `at` and `ops` of a one-state window no event changed: windowNow's windows are only read. */
const AT_START: number[] = [0];
const NO_OPS: FlagOp[] = [];

function windowNow(st: CheckState, id: string): Window {
  const keys = st.keysOf(id);
  return { keys, at: keys.length === 1 ? AT_START : keys.map(() => 0), ops: NO_OPS };
}

export function onVerbReply(st: CheckState, p: PendingVerb, reply: Reply): void {
  const id = p.event.id;
  st.dropVerb(p);
  const w = p.window ?? windowNow(st, id);
  const job = p.track ?? st.lookup(id);
  const outs = outcomes(st, p, w, job);
  // Without JOB_STATUS_CHANGE (before 3.0) or for a job seen only in queries, the status is unknown.
  const unknown = !st.statusEvents || (job !== undefined && !job.statusKnown);
  if (!p.loose && !unknown) st.judged.verbReplies++;
  let agree = p.loose || unknown ? outs.filter((o) => (o.reply === undefined) === reply.ok) : judge(st, p, reply, outs, w.keys);
  const verb = p.verb;
  if (unknown && !reply.ok) refusalByTable(st, p, reply.error.desc);
  // The only possible cause of a step: it ran before that step, so only the states before it count.
  let caused = reply.ok;
  if (reply.ok && p.cut !== undefined) {
    const cut = p.cut;
    const before = agree.filter((o) => o.entry < cut);
    if (before.length > 0) agree = before;
    else caused = false;
  }
  st.settle(p, caused);
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
function judge(st: CheckState, p: PendingVerb, reply: Reply, outs: readonly Outcome[], keys: readonly number[]): readonly Outcome[] {
  const id = p.event.id;
  const name = p.event.type;
  if (reply.ok) {
    const agree = outs.every((o) => !o.reply) ? outs : outs.filter((o) => !o.reply);
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
    // The refusal is evidence: the job was in the state it names, and that state refuses the verb.
    st.judged.refusals++;
    const s = statusIndex(named[2]);
    const verb = p.verb;
    if (named[3] !== verb || named[1] !== id) {
      st.violate('verb-error-state', id, `the error names job '${named[1]}' and verb '${named[3]}' for ${name} of '${id}'`, `job '${id}', verb '${verb}'`);
      return strictText(st, p, err, sameClass);
    }
    if (!keys.some((k) => keyStatus(k) === s)) {
      const during = [...new Set(keys.map((k) => keyStatus(k)))].map((k) => (isAlive(k) ? `'${statusName(k)}'` : 'absent'));
      st.violate('verb-error-state', id, `the error names state '${named[2]}'`, `a state the job was in: ${during.join(', ')}`);
      return strictText(st, p, err, sameClass);
    }
    const at = sameClass.filter((o) => o.status === s && refusedState(o.reply!) === named[2]);
    if (at.length === 0) {
      st.violate('verb-error-state', id, `the error names state '${named[2]}', which accepts ${verb} in QEMU ${st.profile.release}`, describe(outs, id));
    } else {
      return strictText(st, p, err, at);
    }
  }
  return strictText(st, p, err, sameClass);
}

/** Under --strict, the outcomes whose text is QEMU's; otherwise those, if any, else all of `sameClass`. */
function strictText(st: CheckState, p: PendingVerb, err: QmpError, sameClass: readonly Outcome[]): Outcome[] {
  const id = p.event.id;
  const exact = sameClass.filter((o) => sameText(o.reply!, id, err.desc));
  if (exact.length > 0) return exact;
  if (st.strict) st.violate('verb-error-text', id, `error text "${err.desc}"`, describe(sameClass, id));
  return [...sameClass];
}

/** Where the job's status is unknown, a refusal naming a status is still judged against the verb table. */
function refusalByTable(st: CheckState, p: PendingVerb, desc: string): void {
  const named = desc.startsWith('Job ') ? VERB_REFUSED.exec(desc) : null;
  if (!named) return;
  st.judged.refusals++;
  const id = p.event.id;
  const verb = p.verb;
  const status = named[2]!;
  if (named[1] !== id || named[3] !== verb) {
    st.violate('verb-error-state', id, `the error names job '${named[1]}' and verb '${named[3]}' for ${p.event.type} of '${id}'`, `job '${id}', verb '${verb}'`);
  } else if (!isJobStatus(status) || status === 'created' || verbAllowed(st.profile, verb, status)) {
    st.violate('verb-error-state', id, `the error names state '${status}'`, `a status in which QEMU ${st.profile.release} refuses ${verb} (never 'created': no command sees it)`);
  }
}

/**
 * The job's flags after an accepted command: for each state it may have run in, the command's effect,
 * then the flag changes events made later in the window, in order.
 */
function applyEffects(job: JobTrack, w: Window, agree: readonly Outcome[]): void {
  if (agree.length === 1 && w.at[agree[0]!.entry] === w.ops.length) {
    // One state agrees and no event changed the flags after it: the usual case.
    const bits = agree[0]!.bits;
    if (job.beliefs.length !== 1 || job.beliefs[0] !== bits) job.beliefs = [bits];
    return;
  }
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
function afterSuccess(st: CheckState, p: PendingVerb, job: JobTrack, verb: JobVerb): void {
  if (verb === 'set-speed') {
    job.speed = speedValue(p.event.speed);
  } else if (verb === 'dismiss') {
    job.dismissAsked = true;
    // A job known only from queries or BLOCK_JOB_* events ends here: its id may name a new job next.
    if (!job.statusKnown) st.bury(job);
  } else if (verb === 'finalize') {
    job.finalizeAsked = true;
    if (job.txn) job.txn.finalizeAsked = true;
  }
  if (!st.wire || !st.statusEvents) return;
  for (let i = 0; i < VerbRules.length; i++) {
    const [id, check] = VerbRules[i]!;
    for (const found of check({ job, verb, command: p.event.type })) st.violate(id, found.job, found.message, found.allowed);
  }
}
