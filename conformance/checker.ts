/**
 * The trace checker: feed it a trace's lines in order (`push`), then `end` for the verdict. It keeps
 * only per-live-job state and unanswered commands, so memory does not grow with the trace.
 */
import { isJobEventName, latestProfile, profileFor, profileForGreeting, UnknownReleaseError, type Profile, type QmpErrorClass } from '../machines/index.ts';
import type { QmpMessage, TraceLine } from '../traces/format.ts';
import { TraceInputError } from '../traces/reader.ts';
import { onBlockEvent } from './blockEvents.ts';
import { onCreatorReply } from './creators.ts';
import { pendingOf, type Pending, type Reply } from './pending.ts';
import { onQueryReply } from './queries.ts';
import type { CheckOptions, CheckResult } from './result.ts';
import { CheckState } from './state.ts';
import { onStatusChange } from './statusEvents.ts';
import { checkOwedAtReply } from './urgent.ts';
import { onVerbReply } from './verbs.ts';

const DEFAULT_MAX_VIOLATIONS = 1000;

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
  private sawStatusEvents = false;
  private sawGreeting = false;
  private readonly file: string;

  constructor(private readonly options: CheckOptions = {}) {
    this.file = options.file ?? '<trace>';
    // Fail early on a bad --release.
    if (options.release !== undefined) profileFor(options.release);
  }

  /** Checks one message line; `lineNo` is what violations name. */
  push(line: TraceLine, lineNo: number): void {
    const msg = line.msg;
    this.messages++;
    if (line.dir === 'recv' && msg['QMP'] !== undefined) {
      this.greeting(msg, lineNo);
      return;
    }
    const st = this.st ?? this.start(undefined, lineNo);
    st.line = lineNo;
    st.msg = msg;
    if (line.dir === 'send') this.onSend(st, msg, lineNo);
    else if (typeof msg['event'] === 'string') this.onEvent(st, msg['event'], msg['data']);
    else if ('return' in msg || 'error' in msg) this.onReply(st, msg);
  }

  /** What the checker holds right now: bounded by live jobs and unanswered commands, not by the trace. */
  stats(): { readonly liveJobs: number; readonly dismissedRemembered: number; readonly pendingCommands: number } {
    const st = this.st;
    return { liveJobs: st?.jobs.size ?? 0, dismissedRemembered: st?.graveyard.size ?? 0, pendingCommands: st?.pending.length ?? 0 };
  }

  /** The verdict; unanswered commands become warnings (the trace is a prefix of a session). */
  end(): CheckResult {
    const st = this.st ?? this.start(undefined, 0);
    for (const p of st.pending) {
      const id = p.qid !== undefined ? ` (id ${JSON.stringify(p.qid)})` : '';
      st.warn('unanswered-command', `${p.name}${id} sent at line ${p.line} has no reply: the trace is accepted as a prefix`, p.line);
    }
    st.pending.length = 0;
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
    };
  }

  private start(profile: Profile | undefined, lineNo: number): CheckState {
    const o = this.options;
    let chosen = profile ?? latestProfile();
    if (o.release !== undefined) {
      chosen = profileFor(o.release);
      this.releaseFrom = 'option';
    } else if (profile) this.releaseFrom = 'greeting';
    const previous = this.st;
    const st = new CheckState(chosen, this.file, o.strict === true, o.style ?? 'wire', o.maxViolations ?? DEFAULT_MAX_VIOLATIONS, o.coverage);
    if (previous) {
      st.violations.push(...previous.violations);
      st.moreViolations = previous.moreViolations;
      st.warnings.push(...previous.warnings);
      for (const p of previous.pending) st.warn('unanswered-command', `${p.name} sent at line ${p.line} has no reply before the next session`, p.line);
      st.warn('new-session', 'a second greeting: jobs and commands of the previous session are forgotten', lineNo);
    }
    this.st = st;
    this.sawStatusEvents = false;
    return st;
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
        break;
      case 'other':
        break;
    }
  }

  private onEvent(st: CheckState, name: string, rawData: unknown): void {
    const data = isObject(rawData) ? rawData : {};
    if (name === 'JOB_STATUS_CHANGE') {
      this.sawStatusEvents = true;
      onStatusChange(st, data['id'], data['status']);
    } else if (isJobEventName(name)) {
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
      if (st.wire) st.warn('unmatched-reply', `a reply${qid !== undefined ? ` with id ${JSON.stringify(qid)}` : ''} answers no unanswered command`);
      return;
    }
    if (st.wire) {
      checkOwedAtReply(st);
      const overtaken = pending.slice(0, i).find((q) => !q.oob);
      if (overtaken && !pending[i]!.oob) {
        st.violate('reply-out-of-order', undefined, `the reply to ${pending[i]!.name} (line ${pending[i]!.line}) came before the reply to ${overtaken.name} (line ${overtaken.line})`, `the reply to ${overtaken.name} first`);
      }
    }
    const p = i === 0 ? pending.shift()! : pending.splice(i, 1)[0]!;
    // Commands run one at a time: the next one starts only after this reply was written.
    if (i === 0 && pending.length > 0) restartWindow(st, pending[0]!);
    const err = msg['error'];
    const reply: Reply = isObject(err)
      ? { ok: false, error: { class: String(err['class']) as QmpErrorClass, desc: String(err['desc']) } }
      : { ok: true, value: msg['return'] };
    this.answer(st, p, reply);
  }

  private answer(st: CheckState, p: Pending, reply: Reply): void {
    switch (p.kind) {
      case 'verb':
        if (st.wire) onVerbReply(st, p, reply);
        else dropVerb(st, p);
        return;
      case 'creator':
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

function restartWindow(st: CheckState, p: Pending): void {
  if (p.kind === 'verb') {
    p.window = null;
    p.track = st.jobs.get(p.event.id) ?? p.track;
  } else if (p.kind === 'query') {
    p.seen = null;
  }
}

function dropVerb(st: CheckState, p: Extract<Pending, { kind: 'verb' }>): void {
  const list = st.verbsByJob.get(p.event.id);
  if (!list) return;
  const i = list.indexOf(p);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) st.verbsByJob.delete(p.event.id);
}
