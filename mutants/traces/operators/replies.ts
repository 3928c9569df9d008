/**
 * Operators on the replies to job verb commands (job-*, block-job-*). In QEMU every verb command
 * first looks the job up, then calls job_apply_verb_locked (job.c), which refuses with
 * `Job '<id>' in state '<status>' cannot accept command verb '<verb>'` exactly when the release's
 * JobVerbTable refuses the verb in the job's current status; the other checks (user pause, cancel
 * requested, arguments) read flags that only commands change, or that change together with an event
 * naming the job (BLOCK_JOB_ERROR with action stop, a transaction abort showing `aborting`). QMP runs
 * in-band commands one at a time and answers them in order. So a reply is fixed by the state the
 * recording shows when nothing happened to the job while the command ran.
 */
import { JobStatus, JobVerb, profileFor, verbAllowed, VerbCommands, type VerbCommandName } from '../../../machines/index.ts';
import { clone, errorReply, movedBefore, mutant, okReply, pick, removed, replaced, swapped, type TraceOperator } from '../mutant.ts';
import { isRecord, VERB_REFUSAL, verbRefusalText, type Command, type Session } from '../session.ts';

function verbOf(c: Command): JobVerb {
  return VerbCommands[c.name as VerbCommandName].verb;
}

/** Verb commands with their job and reply. */
function* answeredVerbs(s: Session): Generator<{ c: Command; job: string; r: number; reply: Record<string, unknown> }> {
  for (const c of s.commands) {
    const job = s.verbJob(c);
    if (job === undefined || c.reply === undefined) continue;
    yield { c, job, r: c.reply, reply: s.entries[c.reply]!.line.msg };
  }
}

/** Every verb-table refusal in the trace, with or without its command (logs print refusals alone). */
function* refusals(s: Session): Generator<{ i: number; job: string; status: string; verb: string; reply: Record<string, unknown> }> {
  for (let i = 0; i < s.entries.length; i++) {
    const e = s.entries[i]!;
    const err = e.line.dir === 'recv' ? e.line.msg['error'] : undefined;
    if (!isRecord(err) || typeof err['desc'] !== 'string') continue;
    const m = VERB_REFUSAL.exec(err['desc']);
    if (m) yield { i, job: m[1]!, status: m[2]!, verb: m[3]!, reply: e.line.msg };
  }
}

function withDesc(reply: Record<string, unknown>, desc: string): Record<string, unknown> {
  const msg = clone(reply);
  (msg['error'] as Record<string, unknown>)['desc'] = desc;
  return msg;
}

const LIVE: readonly string[] = JobStatus.filter((x) => x !== 'undefined' && x !== 'null');

export const acceptToRefusal: TraceOperator = {
  name: 'accept-to-refusal',
  styles: ['wire'],
  changes: "replaces the success of a verb command by the verb-table refusal naming the job's status when it was sent, if no event named the job while the command ran or that status accepts the verb",
  impossible: 'job_apply_verb_locked refuses only in a status whose JobVerbTable entry is false: either the job was in that status throughout and the recorded success shows the entry is true, or the release table (job.c) says it is',
  *mutate(s) {
    for (const { c, job, r, reply } of answeredVerbs(s)) {
      if (!('return' in reply)) continue;
      const status = s.statusBefore(job, c.i);
      if (status === undefined || status === 'null' || !(JobStatus as readonly string[]).includes(status)) continue;
      if (!s.quietFor(job, c.i, r) && !verbAllowed(profileFor(s.release), verbOf(c), status as JobStatus)) continue;
      const desc = verbRefusalText(job, status, verbOf(c));
      yield mutant(s, this.name, r, `${c.name} on '${job}' answered "${desc}" instead of success`, () => replaced(s, r, errorReply(reply, 'GenericError', desc)));
    }
  },
};

export const refusalToAccept: TraceOperator = {
  name: 'refusal-to-accept',
  styles: ['wire'],
  changes: 'replaces the refusal of a verb command by {"return": {}}, when no job event at all came while the command ran',
  impossible: 'nothing changed the job, its flags or the job list while the command ran, and QEMU refused the same command in that same state',
  *mutate(s) {
    for (const { c, job, r, reply } of answeredVerbs(s)) {
      if (!('error' in reply) || !s.quiet(c.i, r)) continue;
      yield mutant(s, this.name, r, `${c.name} on '${job}' answered {"return": {}} instead of its refusal`, () => replaced(s, r, okReply(reply)));
    }
  },
};

export const refusalStateOther: TraceOperator = {
  name: 'refusal-state-other',
  styles: ['wire'],
  changes: 'changes the status a verb-table refusal names to another status that also refuses the verb, when no event named the job while the command ran',
  impossible: 'job_apply_verb_locked names the status the job is in, and the job was in the recorded one throughout the command',
  *mutate(s) {
    for (const { c, job, r, reply } of answeredVerbs(s)) {
      const err = reply['error'];
      if (!isRecord(err) || typeof err['desc'] !== 'string' || !s.quietFor(job, c.i, r)) continue;
      const m = VERB_REFUSAL.exec(err['desc']);
      if (!m || m[2] !== s.statusBefore(job, c.i)) continue;
      const verb = m[3] as JobVerb;
      const p = profileFor(s.release);
      const other = pick(LIVE.filter((x) => x !== m[2] && !verbAllowed(p, verb, x as JobStatus)), r);
      if (other === undefined) continue;
      yield mutant(s, this.name, r, `refusal names state '${other}' instead of '${m[2]}'`, () => replaced(s, r, withDesc(reply, verbRefusalText(m[1]!, other, verb))));
    }
  },
};

export const refusalStateAccepting: TraceOperator = {
  name: 'refusal-state-accepting',
  styles: ['wire', 'log'],
  changes: "changes the status a verb-table refusal names to one whose JobVerbTable row accepts the verb (the release's table, job.c)",
  impossible: 'job_apply_verb_locked refuses only in a status whose table entry is false, and names that status: at any moment',
  *mutate(s) {
    const p = profileFor(s.release);
    for (const f of refusals(s)) {
      if (!(JobVerb as readonly string[]).includes(f.verb)) continue;
      const other = pick(LIVE.filter((x) => verbAllowed(p, f.verb as JobVerb, x as JobStatus)), f.i);
      if (other === undefined) continue;
      yield mutant(s, this.name, f.i, `refusal of '${f.verb}' names state '${other}' (accepts it) instead of '${f.status}'`, () => replaced(s, f.i, withDesc(f.reply, verbRefusalText(f.job, other, f.verb))));
    }
  },
};

export const refusalVerbAccepting: TraceOperator = {
  name: 'refusal-verb-accepting',
  styles: ['wire', 'log'],
  changes: 'changes the verb a verb-table refusal names to one the named status accepts',
  impossible: 'job_apply_verb_locked refuses only verbs whose table entry in the current status is false, and names the status it read',
  *mutate(s) {
    const p = profileFor(s.release);
    for (const f of refusals(s)) {
      if (!(JobStatus as readonly string[]).includes(f.status)) continue;
      const other = pick(p.verbs.filter((v) => v !== f.verb && verbAllowed(p, v, f.status as JobStatus)), f.i);
      if (other === undefined) continue;
      yield mutant(s, this.name, f.i, `refusal in '${f.status}' names verb '${other}' (accepted there) instead of '${f.verb}'`, () => replaced(s, f.i, withDesc(f.reply, verbRefusalText(f.job, f.status, other))));
    }
  },
};

export const refusalOtherJob: TraceOperator = {
  name: 'refusal-other-job',
  styles: ['wire'],
  strict: true,
  changes: 'changes the job a verb-table refusal names to another id (checked with --strict: it is error text)',
  impossible: "job_apply_verb_locked names the job the command looked up, the one its 'id' / 'device' argument names",
  *mutate(s) {
    for (const { c, job, r, reply } of answeredVerbs(s)) {
      const err = reply['error'];
      if (!isRecord(err) || typeof err['desc'] !== 'string') continue;
      const m = VERB_REFUSAL.exec(err['desc']);
      if (!m || m[1] !== job) continue;
      const other = `${job}x`;
      yield mutant(s, this.name, r, `${c.name} on '${job}': refusal names job '${other}'`, () => replaced(s, r, withDesc(reply, verbRefusalText(other, m[2]!, m[3]!))));
    }
  },
};

export const refusalClass: TraceOperator = {
  name: 'refusal-class',
  styles: ['wire', 'log'],
  changes: "changes the class of a verb-table refusal from GenericError to DeviceNotActive",
  impossible: 'job_apply_verb_locked reports with error_setg: always GenericError',
  *mutate(s) {
    for (const f of refusals(s)) {
      const msg = clone(f.reply);
      (msg['error'] as Record<string, unknown>)['class'] = 'DeviceNotActive';
      yield mutant(s, this.name, f.i, `refusal of '${f.verb}' in '${f.status}' has class DeviceNotActive`, () => replaced(s, f.i, msg));
    }
  },
};

const NOT_FOUND: readonly [RegExp, string][] = [
  [/^Job not found$/, 'DeviceNotActive'],
  [/^Block job '.*' not found$/, 'GenericError'],
];

export const notFoundClass: TraceOperator = {
  name: 'not-found-class',
  styles: ['wire', 'log'],
  changes: "swaps the class of a missing-job refusal: 'Job not found' as DeviceNotActive, \"Block job '<id>' not found\" as GenericError",
  impossible: 'job-qmp.c find_job_locked reports "Job not found" with error_setg (GenericError); blockdev.c find_block_job_locked reports "Block job \'<id>\' not found" as DeviceNotActive',
  *mutate(s) {
    for (let i = 0; i < s.entries.length; i++) {
      const line = s.entries[i]!.line;
      const err = line.dir === 'recv' ? line.msg['error'] : undefined;
      if (!isRecord(err) || typeof err['desc'] !== 'string') continue;
      const hit = NOT_FOUND.find(([re]) => re.test(err['desc'] as string));
      if (!hit || err['class'] === hit[1]) continue;
      const msg = clone(line.msg);
      (msg['error'] as Record<string, unknown>)['class'] = hit[1];
      yield mutant(s, this.name, i, `"${err['desc']}" with class ${hit[1]}`, () => replaced(s, i, msg));
    }
  },
};

export const replySwap: TraceOperator = {
  name: 'reply-swap',
  styles: ['wire'],
  changes: 'swaps the replies of two in-band commands that were both sent before either reply',
  impossible: 'the QMP monitor runs in-band commands one at a time in the order received and answers each before the next (only exec-oob may overtake)',
  *mutate(s) {
    const replies = s.commands.filter((c) => c.reply !== undefined && 'execute' in s.entries[c.i]!.line.msg && c.id !== undefined).sort((a, b) => a.reply! - b.reply!);
    for (let k = 0; k + 1 < replies.length; k++) {
      const a = replies[k]!;
      const b = replies[k + 1]!;
      if (b.i > a.reply! || JSON.stringify(a.id) === JSON.stringify(b.id)) continue;
      yield mutant(s, this.name, a.reply!, `replies to ${a.name} (id ${JSON.stringify(a.id)}) and ${b.name} (id ${JSON.stringify(b.id)}) swapped`, () => swapped(s, a.reply!, b.reply!));
    }
  },
};

/**
 * Each accepted job-finalize / job-dismiss with the status it brought about before its reply
 * ('concluded' / 'null'): `e` is that status event's entry, `r` the reply's.
 */
function* synchronousEffects(s: Parameters<TraceOperator['mutate']>[0]) {
  for (const { c, job, r, reply } of answeredVerbs(s)) {
    const verb = verbOf(c);
    if (!('return' in reply) || (verb !== 'finalize' && verb !== 'dismiss')) continue;
    const target = verb === 'finalize' ? 'concluded' : 'null';
    const e = s.statusesBetween(job, c.i, r).find((x) => x.status === target);
    if (e) yield { c, job, r, target, e: e.i };
  }
}

export const effectAfterReply: TraceOperator = {
  name: 'effect-after-reply',
  styles: ['wire'],
  changes: "moves the reply of an accepted job-finalize / job-dismiss before the job's 'concluded' / 'null' that it caused",
  impossible: 'job_finalize_locked concludes (job_do_finalize_locked) and job_dismiss_locked dismisses (job_do_dismiss_locked) synchronously, before the command returns',
  *mutate(s) {
    for (const { c, job, r, target, e } of synchronousEffects(s)) {
      yield mutant(s, this.name, r, `${c.name} on '${job}' answered before its '${target}' (line ${s.entries[e]!.n})`, () => movedBefore(s, r, e));
    }
  },
};

export const effectDropped: TraceOperator = {
  name: 'effect-dropped',
  styles: ['wire'],
  changes: "deletes the 'concluded' / 'null' an accepted job-finalize / job-dismiss caused before its reply",
  impossible: 'job_finalize_locked concludes and job_dismiss_locked dismisses the job before the command returns, and every status change is an event',
  *mutate(s) {
    for (const { c, job, target, e } of synchronousEffects(s)) {
      yield mutant(s, this.name, e, `'${target}' of '${job}' deleted, although ${c.name} (line ${s.entries[c.i]!.n}) was accepted`, () => removed(s, e));
    }
  },
};

/** The status each verb's accepted command brings about, when nothing else can. */
const EFFECT: Partial<Record<JobVerb, readonly string[]>> = { finalize: ['concluded'], dismiss: ['null'], complete: ['waiting'], resume: ['running', 'ready'] };

export const verbCommandDropped: TraceOperator = {
  name: 'verb-command-dropped',
  styles: ['wire'],
  changes: 'deletes an accepted job-finalize, job-dismiss, job-complete or job-resume (command and reply) whose effect on the job follows with no other verb command, cancel, quit or SHUTDOWN in between',
  impossible:
    "a job with auto-finalize off concludes from pending only through finalize, one with auto-dismiss off is dismissed only through dismiss, a ready mirror goes to waiting only through complete (or a soft cancel), and a user-paused job runs again only through resume (or a cancel, an abort, shutdown)",
  *mutate(s) {
    for (const { c, job, r, reply } of answeredVerbs(s)) {
      const targets = EFFECT[verbOf(c)];
      if (!('return' in reply) || !targets) continue;
      const effect = (s.statuses.get(job) ?? []).find((e) => e.i > c.i && targets.includes(e.status!));
      if (!effect) continue;
      const from = s.statusBefore(job, effect.i);
      const expected = { finalize: 'pending', dismiss: 'concluded', complete: 'ready', resume: undefined }[verbOf(c) as 'finalize'];
      if (expected !== undefined && from !== expected) continue;
      if (verbOf(c) === 'resume' && from !== 'paused' && from !== 'standby') continue;
      const between = s.commands.some((o) => o !== c && o.i < effect.i && (o.reply ?? Infinity) > c.i && (s.verbJob(o) !== undefined || o.name === 'quit' || o.name === 'transaction'));
      const shutdown = s.entries.some((x, k) => k < effect.i && x.line.msg['event'] === 'SHUTDOWN');
      if (between || shutdown) continue;
      yield mutant(s, this.name, c.i, `${c.name} on '${job}' (accepted) deleted; '${effect.status}' (line ${s.entries[effect.i]!.n}) kept`, () => removed2(s, c.i, r));
    }
  },
};

function removed2(s: Session, a: number, b: number) {
  return s.entries.filter((_, k) => k !== a && k !== b);
}

export const replyOperators: readonly TraceOperator[] = [acceptToRefusal, refusalToAccept, refusalStateOther, refusalStateAccepting, refusalVerbAccepting, refusalOtherJob, refusalClass, notFoundClass, replySwap, effectAfterReply, effectDropped, verbCommandDropped];
