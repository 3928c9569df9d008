/**
 * Job-creating commands. QEMU creates and starts their jobs inside the command (job_create, then
 * job_start; a `transaction` creates all, then starts all at commit), so `created` arrives while the
 * command is unanswered, and by its reply each job has started (success) or been dismissed again
 * (early fail, or a transaction action failing in prepare: `created, aborting, concluded, null`).
 */
import type { CreationSpec } from './creation.ts';
import { isAlive, N, statusName } from './encoding.ts';
import type { PendingCreator, Reply } from './pending.ts';
import type { CheckState } from './state.ts';

export interface Binding {
  readonly creator: PendingCreator;
  readonly index: number;
  readonly spec: CreationSpec;
}

/** The unanswered command (oldest first) that a `created` for `id` belongs to: by job-id, else one QEMU names. */
export function bindCreated(st: CheckState, id: string): Binding | undefined {
  for (const creator of st.creators) {
    const specs = creator.creation.specs;
    for (let i = 0; i < specs.length; i++) {
      if (creator.bound[i] === undefined && specs[i]!.id === id) return { creator, index: i, spec: specs[i]! };
    }
  }
  for (const creator of st.creators) {
    const specs = creator.creation.specs;
    for (let i = 0; i < specs.length; i++) {
      if (creator.bound[i] === undefined && specs[i]!.id === undefined) return { creator, index: i, spec: specs[i]! };
    }
  }
  return undefined;
}

export function onCreatorReply(st: CheckState, p: PendingCreator, reply: Reply): void {
  const i = st.creators.indexOf(p);
  if (i >= 0) st.creators.splice(i, 1);
  const judge = st.wire && st.statusEvents;
  if (reply.ok) newGenerations(st, p);
  p.creation.specs.forEach((spec, k) => {
    const job = p.bound[k];
    if (job) {
      job.creatorPending = false;
      job.creator = undefined;
    }
    if (reply.ok && !job && spec.jobId !== undefined) rememberSpec(st, spec.jobId, spec);
    if (!judge) return;
    const name = job?.id ?? spec.id ?? '(named by QEMU)';
    if (reply.ok) {
      if (!job) {
        st.violate('creator-reply-mismatch', spec.id, `${p.name} succeeded but job '${name}' was never created`, `'created' then 'running' before the reply`);
      } else if (!job.started) {
        st.violate('creator-reply-mismatch', job.id, `${p.name} succeeded but job '${name}' never started (it is '${statusName(job.status)}')`, `'running' before the reply`);
      }
    } else if (job && (job.started || job.status !== N)) {
      const what = job.started ? 'started' : `is still '${statusName(job.status)}'`;
      st.violate('creator-reply-mismatch', job.id, `${p.name} failed but its job '${name}' ${what}`, `an error only with its jobs dismissed ('created' → 'null', or 'aborting', 'concluded', 'null')`);
    }
  });
}

/**
 * Job ids are unique among live jobs (job_create refuses an id in use). So a successful creation of id
 * X proves the job X was gone by then: with its status known from events, a job still alive through
 * the whole command is a violation; a job known only from queries or BLOCK_JOB_* events (a log
 * without status events) ends there, and X names a new job from now on.
 */
function newGenerations(st: CheckState, p: PendingCreator): void {
  p.creation.specs.forEach((spec, k) => {
    const old = p.inUse[k];
    if (!old || spec.jobId === undefined || st.jobs.get(spec.jobId) !== old || p.bound[k] === old) return;
    if (!old.statusKnown) {
      st.bury(old);
    } else if (isAlive(old.status) && st.wire && st.statusEvents) {
      st.violate('job-id-in-use', old.id, `${p.name} (line ${p.line}) succeeded although job '${old.id}' was '${statusName(old.status)}' throughout`, `an error: the id '${old.id}' is in use until the job's 'null'`);
    }
  });
}

/** Bounds the specs kept for jobs not yet seen (a log may create many jobs it never prints an event of). */
const MAX_UNBOUND_SPECS = 256;

function rememberSpec(st: CheckState, id: string, spec: CreationSpec): void {
  st.unboundSpecs.delete(id);
  st.unboundSpecs.set(id, spec);
  if (st.unboundSpecs.size > MAX_UNBOUND_SPECS) {
    const oldest = st.unboundSpecs.keys().next().value;
    if (oldest !== undefined) st.unboundSpecs.delete(oldest);
  }
}
