/**
 * Operators on job-creating commands (blockdev-backup, blockdev-mirror, block-stream, blockdev-create,
 * ...; not transactions, whose failures may leave jobs behind). Such a command creates its job in
 * job_create (the 'created' event, after checking the id is free: "Job ID '...' already in use") and
 * starts it with job_start ('running') before it returns; nothing after job_start can fail it.
 */
import { isCreatorCommand } from '../../../machines/index.ts';
import { clone, errorReply, inserted, mutant, okReply, replaced, type TraceOperator } from '../mutant.ts';
import { creations, type Command, type Session } from '../session.ts';

/** Job-creating commands: direct creators, and transactions with at least one job-creating action. */
function* creators(s: Session): Generator<{ c: Command; r: number; reply: Record<string, unknown> }> {
  for (const c of s.commands) {
    if (!(isCreatorCommand(c.name) || (c.name === 'transaction' && creations(c).length > 0)) || c.reply === undefined) continue;
    yield { c, r: c.reply, reply: s.entries[c.reply]!.line.msg };
  }
}

function* directCreators(s: Session): Generator<{ c: Command; r: number; reply: Record<string, unknown> }> {
  for (const c of s.commands) {
    if (!isCreatorCommand(c.name) || c.reply === undefined) continue;
    yield { c, r: c.reply, reply: s.entries[c.reply]!.line.msg };
  }
}

export const creatorRefusalToSuccess: TraceOperator = {
  name: 'creator-refusal-to-success',
  styles: ['wire'],
  changes: 'replaces the refusal of a job-creating command (or of a transaction with a job-creating action) by {"return": {}}, when no job event came while it ran',
  impossible: "a job-creating command or transaction that succeeds has created and started its jobs: their 'created' and 'running' come before the reply",
  *mutate(s) {
    for (const { c, r, reply } of creators(s)) {
      if (!('error' in reply) || !s.quiet(c.i, r)) continue;
      yield mutant(s, this.name, r, `${c.name} answered {"return": {}} instead of its refusal, with no job created`, () => replaced(s, r, okReply(reply)));
    }
  },
};

export const creatorSuccessToRefusal: TraceOperator = {
  name: 'creator-success-to-refusal',
  styles: ['wire'],
  changes: "replaces the success of a job-creating command (or transaction) one of whose jobs showed 'running' before the reply by an error",
  impossible: 'the job was started (job_start, in a transaction its commit phase), after which the command cannot fail',
  *mutate(s) {
    for (const { c, r, reply } of creators(s)) {
      if (!('return' in reply)) continue;
      const job = creations(c).find((a) => s.statusesBetween(a.job, c.i, r).some((e) => e.status === 'running'))?.job;
      if (job === undefined) continue;
      yield mutant(s, this.name, r, `${c.name} of '${job}' answered with an error although the job started`, () => replaced(s, r, errorReply(reply, 'GenericError', 'Could not create the job')));
    }
  },
};

export const idReuseWhileAlive: TraceOperator = {
  name: 'id-reuse-while-alive',
  styles: ['wire'],
  changes: "right after a job-creating command's success, inserts the same command again, a 'created' for the same id and a success",
  impossible: 'job_create refuses an id in use ("Job ID \'...\' already in use") before creating anything, and the first job is alive then',
  *mutate(s) {
    for (const { c, r, reply } of directCreators(s)) {
      const job = creations(c)[0]?.job;
      if (!('return' in reply) || job === undefined) continue;
      const now = s.statusBefore(job, r + 1);
      if (now === undefined || now === 'null') continue;
      const cmd = clone(s.entries[c.i]!.line.msg);
      const id = 'reuse-1';
      cmd['id'] = id;
      const created = { timestamp: { seconds: 0, microseconds: 0 }, event: 'JOB_STATUS_CHANGE', data: { status: 'created', id: job } };
      yield mutant(s, this.name, r, `${c.name} for '${job}' sent again while '${job}' is ${now}, and a second job '${job}' created`, () =>
        inserted(s, r, [
          { dir: 'send', msg: cmd },
          { dir: 'recv', msg: created },
          { dir: 'recv', msg: { return: {}, id } },
        ]),
      );
    }
  },
};

export const creationOperators: readonly TraceOperator[] = [creatorRefusalToSuccess, creatorSuccessToRefusal, idReuseWhileAlive];
