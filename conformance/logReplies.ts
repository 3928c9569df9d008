/**
 * Replies in iotests logs, judged by the order argument of logClaims.ts. Python tests often print
 * replies without their commands: a refusal names its job, status and verb itself, and a list of job
 * objects is a query answer. A verb command printed with its reply is judged too.
 */
import { isJobStatus, JobStatus as JobStatusList, JobVerb, VerbCommands, verbAllowed, type JobStatus } from '../machines/index.ts';
import { statusIndex, U } from './encoding.ts';
import { claim, statusList } from './logClaims.ts';
import type { PendingVerb, Reply } from './pending.ts';
import type { CheckState } from './state.ts';
import { VERB_REFUSED } from './verbs.ts';

function isVerb(v: string): v is JobVerb {
  return (JobVerb as readonly string[]).includes(v);
}

/** A refusal `Job '<id>' in state '<s>' cannot accept command verb '<v>'` in a log; false when the text is another one. */
export function logRefusal(st: CheckState, errorClass: string, desc: string, command: PendingVerb | undefined): boolean {
  const named = VERB_REFUSED.exec(desc);
  if (!named) return false;
  const [, id, status, verb] = named as unknown as [string, string, string, string];
  st.judged.refusals++;
  if (errorClass !== 'GenericError') {
    st.violate('verb-error-class', id, `a refusal by the verb table with class ${errorClass}`, 'GenericError');
    return true;
  }
  if (command && (command.event.id !== id || VerbCommands[command.event.type].verb !== verb)) {
    st.violate('verb-error-state', id, `${command.name} on '${command.event.id}' answered for job '${id}', verb '${verb}'`, `job '${command.event.id}', verb '${VerbCommands[command.event.type].verb}'`);
    return true;
  }
  if (!isJobStatus(status) || !isVerb(verb)) {
    st.violate('verb-error-state', id, `the error names state '${status}' and verb '${verb}'`, 'a JobStatus and a JobVerb');
    return true;
  }
  if (!st.profile.verbs.includes(verb)) {
    st.violate('not-in-release', id, `the error names verb '${verb}'`, `a verb of QEMU ${st.profile.release}: ${st.profile.verbs.join(', ')}`);
    return true;
  }
  if (verbAllowed(st.profile, verb, status)) {
    st.violate('verb-error-state', id, `the error names state '${status}', which accepts ${verb} in QEMU ${st.profile.release}`, `a state that refuses ${verb}`);
    return true;
  }
  claim(st, id, [statusIndex(status)], 'verb-error-state', `the error names state '${status}'`, `'${status}' as the job's status printed last or a later one of the same job (a command never sees 'created')`);
  return true;
}

/** A verb command printed with its reply in a log. */
export function onLogVerbReply(st: CheckState, p: PendingVerb, reply: Reply): void {
  if (!reply.ok) {
    logRefusal(st, reply.error.class, reply.error.desc, p);
    return;
  }
  if (p.loose) return;
  const verb = p.verb;
  const job = st.jobs.get(p.event.id);
  // A job known only from queries or BLOCK_JOB_* events ends with an accepted dismiss.
  if (verb === 'dismiss' && job && !job.statusKnown) st.bury(job);
  const statuses = (st.profile.verbTable[verb] ?? []).map((s) => statusIndex(s));
  st.judged.verbReplies++;
  claim(st, p.event.id, statuses, 'verb-accepted-refused', `${p.name} was accepted`, `accepted only in ${statusList(statuses.filter((s) => s > 1)) || 'no state of this release'}, as the job's status printed last or a later one`);
}

type Entry = Record<string, unknown>;

/** A reply no printed command asked for: a refusal naming its job, or a query answer (a list of jobs). */
export function onUnmatchedLogReply(st: CheckState, msg: Record<string, unknown>): void {
  const err = msg['error'];
  if (typeof err === 'object' && err !== null) {
    const desc = (err as Entry)['desc'];
    if (typeof desc === 'string') logRefusal(st, String((err as Entry)['class']), desc, undefined);
    return;
  }
  const value = msg['return'];
  if (!Array.isArray(value) || value.length === 0) return;
  const entries = value.filter((e): e is Entry => typeof e === 'object' && e !== null && !Array.isArray(e));
  if (entries.length !== value.length || !entries.every((e) => typeof e['status'] === 'string' && typeof (e['id'] ?? e['device']) === 'string')) return;
  st.judged.queries++;
  const listed = new Set<string>();
  for (const e of entries) {
    const id = (e['id'] ?? e['device']) as string;
    const status = e['status'];
    if (listed.has(id)) st.violate('query-duplicate-job', id, `the query answer lists job '${id}' twice`, 'each job once');
    listed.add(id);
    if (status === 'null') st.violate('null-in-query', id, `the query answer lists job '${id}' in 'null'`, 'never listed: dismissal unlinks the job');
    else if (status === 'undefined') st.violate('undefined-status', id, `the query answer lists job '${id}' in 'undefined'`, 'never listed');
    else if (!isJobStatus(status)) st.violate('unknown-status', id, `status ${JSON.stringify(status)} is not a JobStatus`, JobStatusList.join(', '));
    else if (e['error'] !== undefined && UNFINISHED.has(status)) {
      st.violate('error-on-success', id, `the query answer shows error ${JSON.stringify(e['error'])} on a job in '${status}'`, "no error before 'aborting'");
    }
    logQueryEntry(st, 'the query answer', id, status);
  }
}

/** Statuses in which a job shows no error (running and ready may, once their run failed). */
const UNFINISHED: ReadonlySet<string> = new Set(['created', 'paused', 'standby', 'waiting', 'pending']);

/** One job of a query answer in a log: the status it lists is a claim. */
export function logQueryEntry(st: CheckState, what: string, id: string, status: unknown): void {
  const s = statusIndex(status);
  if (s <= U || status === 'null' || !isJobStatus(status)) return;
  claim(st, id, [s], 'query-status-mismatch', `${what} lists job '${id}' as '${status as JobStatus}'`, `'${String(status)}' as the job's status printed last or a later one of the same job (a query never sees 'created')`);
}
