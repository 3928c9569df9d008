/**
 * The trace checker: feed it a trace's lines in order (`push`), then `end` for the verdict. It keeps
 * only per-live-job state and unanswered commands, so memory does not grow with the trace.
 */
import { JobEvents, type JobEventName, latestProfile, profileFor, profileForGreeting, UnknownReleaseError, type Profile, type QmpErrorClass } from '../machines/index.ts';
import { isJobApiCommand, sinceOf } from '../machines/profile.ts';
import type { QmpMessage, SessionStart, TraceLine, TraceMeta } from '../traces/format.ts';
import { TraceInputError } from '../traces/reader.ts';
import { onBlockEvent } from './blockEvents.ts';
import { onCreatorReply } from './creators.ts';
import { isAlive, statusName } from './encoding.ts';
import { pendingOf, type Pending, type Reply } from './pending.ts';
import { onLogVerbReply, onUnmatchedLogReply } from './logReplies.ts';
import { claimsAtEnd } from './logClaims.ts';
import { onQueryReply } from './queries.ts';
import type { CheckOptions, CheckResult, NotApplied } from './result.ts';
import { rulesNeeding, type Input, type RuleId } from './rules/index.ts';
import { CheckState } from './state.ts';
import { onStatusChange } from './statusEvents.ts';
import { checkOwedAtReply } from './urgent.ts';
import { onVerbReply } from './verbs.ts';

const DEFAULT_MAX_VIOLATIONS = 1000;

/** Recorders (a meta line's `recorder`) that start the QEMU they record. */
const FRESH_RECORDERS: ReadonlySet<string> = new Set(['qjob record-corpus', 'qjob extra-scenarios']);

/** How a session mark's cause reads in the 'new-session' warning. */
const SESSION_CAUSES: Readonly<Record<SessionStart['cause'], string>> = {
  greeting: 'a second greeting',
  capabilities: 'a second qmp_capabilities (a new QEMU)',
  quit: 'a command after quit was answered (a new QEMU)',
  'test-case': 'the next test case (its own QEMU)',
};

/**
 * isJobEventName as a Set lookup: a name fresh from JSON.parse is not an interned string, and a property
 * lookup (Object.hasOwn) interns it first, on every event.
 */
const JOB_EVENT_NAMES: ReadonlySet<string> = new Set(Object.keys(JobEvents));
function isJobEvent(name: string): name is JobEventName {
  return JOB_EVENT_NAMES.has(name);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function sameId(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return typeof a === 'object' && typeof b === 'object' && a !== null && b !== null && JSON.stringify(a) === JSON.stringify(b);
}

export class TraceChecker {
  private st: CheckState | undefined;
  private messages = 0;
  private releaseFrom: CheckResult['releaseFrom'] = 'latest';
  /** This session saw a JOB_STATUS_CHANGE. */
  private sawStatusEvents = false;
  /** Some session of the trace saw one. */
  private sawAnyStatusEvents = false;
  /** The line of a log's first judged verb reply. */
  private firstVerbReply: number | undefined;
  /** Log claims counted before this session. */
  private claimsBefore = 0;
  private sawGreeting = false;
  /** The trace says its recorder started the QEMU it talks to (no job before the session). */
  private fresh = false;
  private readonly file: string;

  constructor(private readonly options: CheckOptions = {}) {
    this.file = options.file ?? '<trace>';
    // Fail early on a bad --release.
    if (options.release !== undefined) profileFor(options.release);
  }

  /**
   * The trace's meta line. A trace recorded by qjob's own recorders talks to a QEMU they started, so
   * no job can predate the session: none is adopted from a query answer (queries.ts).
   */
  meta(meta: TraceMeta): void {
    if (typeof meta.recorder === 'string' && FRESH_RECORDERS.has(meta.recorder)) {
      this.fresh = true;
      if (this.st) this.st.fresh = true;
    }
  }

  /** Checks one message line; `lineNo` is what violations name. */
  push(line: TraceLine, lineNo: number): void {
    const msg = line.msg;
    this.messages++;
    if (line.dir === 'recv' && msg['QMP'] !== undefined) {
      this.greeting(msg, lineNo);
      return;
    }
    if (line.newSession && this.st) this.sessionMark(line.newSession, lineNo);
    const st = this.st ?? this.start(undefined, lineNo);
    st.line = lineNo;
    st.msg = msg;
    st.heldBack = line.harness === 'bash' && !st.wire;
    if (line.dir === 'send') this.onSend(st, msg, lineNo);
    else if (typeof msg['event'] === 'string') this.onEvent(st, msg['event'], msg['data']);
    else if ('return' in msg || 'error' in msg) this.onReply(st, msg);
  }

  /** What the checker holds right now: bounded by live jobs and unanswered commands, not by the trace. */
  stats(): { readonly liveJobs: number; readonly dismissedRemembered: number; readonly pendingCommands: number } {
    const st = this.st;
    return { liveJobs: st?.jobs.size ?? 0, dismissedRemembered: st?.graveyard.size ?? 0, pendingCommands: st?.pending.length ?? 0 };
  }

  /**
   * The status of each job the session knows now, by id, for reports: live jobs and remembered dismissed
   * ones (`null`); `undefined` while no status event has shown it. Jobs of a previous session are gone.
   */
  jobStatuses(): Map<string, string | undefined> {
    const out = new Map<string, string | undefined>();
    for (const [id, job] of [...(this.st?.graveyard ?? []), ...(this.st?.jobs ?? [])]) out.set(id, job.statusKnown ? statusName(job.status) : undefined);
    return out;
  }

  /** The verdict; unanswered commands become warnings (the trace is a prefix of a session). */
  end(): CheckResult {
    const st = this.st ?? this.start(undefined, 0);
    for (const p of st.pending) {
      const id = p.qid !== undefined ? ` (id ${JSON.stringify(p.qid)})` : '';
      st.warn('unanswered-command', `${p.name}${id} sent at line ${p.line} has no reply: the trace is accepted as a prefix`, p.line);
    }
    st.pending.length = 0;
    this.closeSession(st);
    if (!st.wire && !this.sawAnyStatusEvents && this.firstVerbReply !== undefined) {
      const rules = rulesNeeding(new Set(['status-events'])).join(', ');
      st.warn('no-status-events', `no JOB_STATUS_CHANGE in this log: ${st.judged.verbReplies} verb replies judged only against the verb table; not applied: ${rules}`, this.firstVerbReply);
    }
    this.options.coverage?.trace(st.profile.release);
    return {
      file: this.file,
      ok: st.violations.length === 0 && st.moreViolations === 0,
      release: st.profile.release,
      releaseFrom: this.releaseFrom,
      strict: this.options.strict === true,
      style: st.style,
      messages: this.messages,
      violations: st.violations,
      moreViolations: st.moreViolations,
      warnings: st.warnings,
      judged: { messages: this.messages, ...st.judged },
      notApplied: notApplied(st),
    };
  }

  /** A new session state; `mark` names what started it when that was no greeting message. */
  private start(profile: Profile | undefined, lineNo: number, mark?: SessionStart['cause']): CheckState {
    const o = this.options;
    let chosen = profile ?? latestProfile();
    if (o.release !== undefined) {
      chosen = profileFor(o.release);
      this.releaseFrom = 'option';
    } else if (profile && mark === undefined) this.releaseFrom = 'greeting';
    const previous = this.st;
    if (previous) this.closeSession(previous);
    const st = new CheckState(chosen, this.file, o.strict === true, o.style ?? 'wire', o.maxViolations ?? DEFAULT_MAX_VIOLATIONS, o.coverage);
    if (previous) {
      Object.assign(st.judged, previous.judged);
      st.violations.push(...previous.violations);
      st.moreViolations = previous.moreViolations;
      st.warnings.push(...previous.warnings);
      for (const p of previous.pending) st.warn('unanswered-command', `${p.name} sent at line ${p.line} has no reply before the next session`, p.line);
      st.warn('new-session', `${SESSION_CAUSES[mark ?? 'greeting']}: jobs and commands of the previous session are forgotten`, lineNo);
    }
    // An iotests log starts its QEMU: no job predates it.
    st.fresh = this.fresh || this.options.freshQemu === true || !st.wire;
    this.st = st;
    this.sawStatusEvents = false;
    this.claimsBefore = st.judged.logClaims;
    return st;
  }

  /**
   * The end of a session's QEMU (the end of the trace or the next session): what its jobs still owe is
   * judged. A log's open claims are judged only with status events; without them a claim was judged
   * only against the verb table (logReplies.ts) and is not counted.
   */
  private closeSession(st: CheckState): void {
    if (st.shutdown) jobsAliveAtEnd(st);
    if (st.wire) return;
    if (this.sawStatusEvents) claimsAtEnd(st);
    else {
      st.judged.logClaims = this.claimsBefore;
      st.claims.clear();
    }
  }

  /**
   * A new QEMU session the reader saw without a greeting message (traces/iotests.ts): a filtered
   * greeting, a re-sent qmp_capabilities, a command after quit, or the next unittest test case. The
   * previous session's jobs are gone with its QEMU; the release stays the one already chosen.
   */
  private sessionMark(mark: SessionStart, lineNo: number): void {
    const current = this.st!;
    if (current.jobs.size === 0 && current.graveyard.size === 0 && current.pending.length === 0 && current.claims.size === 0) return;
    this.start(current.profile, lineNo, mark.cause);
  }

  private greeting(msg: QmpMessage, lineNo: number): void {
    const current = this.st;
    if (current && this.sawGreeting && current.jobs.size === 0 && current.graveyard.size === 0) {
      current.warn('repeated-greeting', 'a second greeting before any job: kept the session as it is', lineNo);
      return;
    }
    let profile: Profile | undefined;
    try {
      profile = profileForGreeting(msg);
    } catch (err) {
      if (err instanceof UnknownReleaseError && this.options.release === undefined) throw new TraceInputError(this.file, lineNo, err.message);
    }
    const st = this.start(profile, lineNo);
    this.sawGreeting = true;
    st.line = lineNo;
    st.msg = msg;
  }

  private onSend(st: CheckState, msg: QmpMessage, lineNo: number): void {
    const p = pendingOf(msg, lineNo);
    st.pending.push(p);
    if (p.name === 'quit') st.shutdown = true;
    switch (p.kind) {
      case 'verb': {
        p.track = st.jobs.get(p.event.id);
        const list = st.verbsByJob.get(p.event.id);
        if (list) list.push(p);
        else st.verbsByJob.set(p.event.id, [p]);
        break;
      }
      case 'query':
        st.queries.push(p);
        break;
      case 'creator':
        st.creators.push(p);
        p.creation.specs.forEach((spec, i) => {
          const job = spec.jobId === undefined ? undefined : st.jobs.get(spec.jobId);
          p.inUse[i] = job && (!job.statusKnown || isAlive(job.status)) ? job : undefined;
        });
        break;
      case 'other':
        break;
    }
  }

  private onEvent(st: CheckState, name: string, rawData: unknown): void {
    const dataIsObject = isObject(rawData);
    const data = dataIsObject ? rawData : {};
    // The commonest event first: a comparison costs less than hashing a name fresh from JSON.parse.
    const statusChange = name === 'JOB_STATUS_CHANGE';
    const jobEvent = statusChange || isJobEvent(name);
    if (jobEvent) {
      const idKey = statusChange || name === 'BLOCK_JOB_PENDING' ? 'id' : 'device';
      const bad = !dataIsObject ? '`data` is not an object' : typeof data[idKey] !== 'string' ? `no \`${idKey}\` string` : name === 'JOB_STATUS_CHANGE' && typeof data['status'] !== 'string' ? 'no `status` string' : undefined;
      if (bad) st.violate('malformed-message', undefined, `${name}: ${bad}`, `data with the job's ${idKey}${name === 'JOB_STATUS_CHANGE' ? ' and status' : ''}`);
      checkEventInRelease(st, statusChange ? 'JOB_STATUS_CHANGE' : name);
    }
    if (statusChange) {
      this.sawStatusEvents = true;
      this.sawAnyStatusEvents = true;
      st.judged.statusEvents++;
      onStatusChange(st, data['id'], data['status']);
    } else if (jobEvent) {
      st.judged.blockEvents++;
      onBlockEvent(st, name, data, st.statusEvents && (st.wire || this.sawStatusEvents));
    } else if (name === 'SHUTDOWN') {
      st.shutdown = true;
    }
  }

  private onReply(st: CheckState, msg: QmpMessage): void {
    const qid = msg['id'];
    const pending = st.pending;
    let i = -1;
    if (qid !== undefined) {
      for (let k = 0; k < pending.length; k++) if (sameId(pending[k]!.qid, qid)) { i = k; break; }
    } else {
      for (let k = 0; k < pending.length; k++) if (pending[k]!.qid === undefined) { i = k; break; }
    }
    if (i < 0) {
      if (!st.wire && st.statusEvents) onUnmatchedLogReply(st, msg);
      if (st.wire) st.warn('unmatched-reply', `a reply${qid !== undefined ? ` with id ${JSON.stringify(qid)}` : ''} answers no unanswered command`);
      return;
    }
    if (st.wire) {
      checkOwedAtReply(st);
      let overtaken: Pending | undefined;
      for (let k = 0; k < i && !overtaken; k++) if (!pending[k]!.oob) overtaken = pending[k];
      if (overtaken && !pending[i]!.oob) {
        st.violate('reply-out-of-order', undefined, `the reply to ${pending[i]!.name} (line ${pending[i]!.line}) came before the reply to ${overtaken.name} (line ${overtaken.line})`, `the reply to ${overtaken.name} first`);
      }
    }
    const p = i === 0 ? pending.shift()! : pending.splice(i, 1)[0]!;
    st.judged.commands++;
    // Commands run one at a time: the next one starts only after this reply was written.
    if (i === 0 && pending.length > 0) restartWindow(st, pending[0]!);
    const err = msg['error'];
    const reply: Reply = isObject(err)
      ? { ok: false, error: { class: String(err['class']) as QmpErrorClass, desc: String(err['desc']) } }
      : { ok: true, value: msg['return'] };
    this.answer(st, p, reply);
  }

  private answer(st: CheckState, p: Pending, reply: Reply): void {
    if (reply.ok) checkReplyShape(st, p, reply.value);
    if (!st.profile.commands.has(p.name) && isJobApiCommand(p.name) && (reply.ok || reply.error.class !== 'CommandNotFound')) {
      const since = sinceOf(p.name);
      const what = reply.ok ? 'was accepted' : `was refused with ${reply.error.class}`;
      st.violate('not-in-release', undefined, `${p.name} (line ${p.line}) ${what}`, `CommandNotFound: QEMU ${st.profile.release} has no ${p.name}${since ? ` (since ${since})` : ''}`);
    }
    switch (p.kind) {
      case 'verb':
        if (st.wire) onVerbReply(st, p, reply);
        else {
          st.dropVerb(p);
          if (st.statusEvents) onLogVerbReply(st, p, reply);
          this.firstVerbReply ??= st.judged.verbReplies > 0 ? st.line : undefined;
        }
        return;
      case 'creator':
        if (reply.ok || (st.wire && st.statusEvents)) st.judged.creatorReplies++;
        onCreatorReply(st, p, reply);
        return;
      case 'query': {
        const k = st.queries.indexOf(p);
        if (k >= 0) st.queries.splice(k, 1);
        if (reply.ok) onQueryReply(st, p, reply.value);
        else if (st.wire && st.profile.commands.has(p.name) && !p.loose) {
          st.violate('query-refused', undefined, `${p.name} was refused (${reply.error.class}: ${reply.error.desc})`, 'the list of jobs');
        }
        return;
      }
      case 'other':
        if (p.mustFail && reply.ok && st.wire) {
          st.violate('verb-accepted-refused', undefined, `${p.name} (line ${p.line}) was accepted`, "an error: an argument error (\"Parameter 'id' is missing\") or CommandNotFound for a job command no release has");
        }
        return;
    }
  }
}

/** Jobs that did not reach 'null' though the trace saw SHUTDOWN or sent quit: their end is missing. */
function jobsAliveAtEnd(st: CheckState): void {
  for (const job of st.jobs.values()) {
    if (!job.statusKnown || !isAlive(job.status)) continue;
    st.warn('job-alive-at-end', `job '${job.id}' is still '${statusName(job.status)}' at the end of the trace, after SHUTDOWN or quit: it never concluded`);
  }
}

/** The inputs this trace lacks, each with the rules that need it. */
function notApplied(st: CheckState): NotApplied[] {
  const j = st.judged;
  const missing: Input[] = [];
  if (!st.wire) missing.push('wire-order');
  if (j.statusEvents === 0) missing.push('status-events');
  if (j.commands === 0) missing.push('commands');
  if (j.blockEvents === 0) missing.push('block-events');
  if (j.queries === 0) missing.push('queries');
  if (st.adopted > 0) missing.push('creation');
  const seen = new Set<RuleId>();
  return missing.map((input) => {
    const rules = rulesNeeding(new Set([input])).filter((r) => !seen.has(r));
    for (const r of rules) seen.add(r);
    return { input, rules };
  });
}

/** QAPI's return types: a list of job objects for the queries, `{}` for verbs and job-creating commands. */
function checkReplyShape(st: CheckState, p: Pending, value: unknown): void {
  if (p.kind === 'query') {
    if (!Array.isArray(value)) st.violate('malformed-message', undefined, `${p.name} (line ${p.line}) answered ${shortJson(value)}`, 'a list of jobs');
    else if (!value.every(isObject)) st.violate('malformed-message', undefined, `${p.name} (line ${p.line}) answered a list with a non-object`, 'a list of job objects');
  } else if ((p.kind === 'verb' || p.kind === 'creator') && !(isObject(value) && isEmpty(value))) {
    st.violate('malformed-message', undefined, `${p.name} (line ${p.line}) answered ${shortJson(value)}`, '{}');
  }
}

/** Whether an object has no own enumerable property (without the array Object.keys makes). */
function isEmpty(value: Record<string, unknown>): boolean {
  for (const key in value) if (Object.hasOwn(value, key)) return false;
  return true;
}

function shortJson(value: unknown): string {
  const s = JSON.stringify(value) ?? 'nothing';
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}

/** A job event the release does not emit, reported once per event name. */
function checkEventInRelease(st: CheckState, name: JobEventName): void {
  if (st.profile.events.has(name) || st.reportedEvents.has(name)) return;
  st.reportedEvents.add(name);
  st.violate('not-in-release', undefined, `${name} in a QEMU ${st.profile.release} session`, `no ${name}: it appeared in ${sinceOf(name) ?? '?'}`);
}

function restartWindow(st: CheckState, p: Pending): void {
  if (p.kind === 'verb') {
    p.window = null;
    p.track = st.jobs.get(p.event.id) ?? p.track;
    // A step it had to cause came before it could run: it caused nothing.
    if (p.cut !== undefined) p.cut = 0;
  } else if (p.kind === 'query') {
    p.seen = null;
  }
}

