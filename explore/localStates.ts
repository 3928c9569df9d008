/**
 * Interning of job contexts: each distinct JobContext (all of it but the id, which only names the
 * member) becomes a small integer, its local state. A group state is then a few integers.
 */
import { JobStatus, type JobContext } from '../machines/index.ts';

const STATUS_CODE: ReadonlyMap<JobStatus, number> = new Map(JobStatus.map((s, i) => [s, i]));

export const UNDEFINED_CODE = STATUS_CODE.get('undefined')!;
export const CONCLUDED_CODE = STATUS_CODE.get('concluded')!;
export const NULL_CODE = STATUS_CODE.get('null')!;
export const STATUS_COUNT = JobStatus.length;

export function statusCode(s: JobStatus): number {
  return STATUS_CODE.get(s)!;
}

function keyOf(job: JobContext): string {
  const { id: _id, ...rest } = job;
  return JSON.stringify(rest);
}

export class LocalStates {
  /** Contexts by local state, as interned (with the id of the member first seen in it). */
  private readonly contexts: JobContext[] = [];
  private readonly index = new Map<string, number>();
  /** Per local state: the local states `step` derived from it, by the fields it changed. */
  private readonly derived: (Map<string, number> | undefined)[] = [];
  private fields: readonly (keyof JobContext)[] = [];
  /** Per member: the context of each local state with that member's id, made on first use. */
  private readonly atMember: JobContext[][];
  status = new Uint8Array(64);
  /** Per local state: status × 4 + started × 2 + cancelled, what other members' `txn` events read of it. */
  summary = new Uint8Array(64);

  constructor(private readonly ids: readonly string[]) {
    this.atMember = ids.map(() => []);
  }

  get size(): number {
    return this.contexts.length;
  }

  /** The contexts in local-state order (what a checkpoint stores to give the numbers their meaning). */
  list(): readonly JobContext[] {
    return this.contexts;
  }

  intern(job: JobContext): number {
    const key = keyOf(job);
    let lid = this.index.get(key);
    if (lid === undefined) {
      lid = this.contexts.length;
      if (lid >= 0xffff) throw new RangeError('more than 65535 local states: the alphabet does not keep the space finite');
      this.index.set(key, lid);
      this.contexts.push(job);
      if (lid >= this.status.length) {
        const s = new Uint8Array(this.status.length * 2);
        s.set(this.status);
        this.status = s;
        const m = new Uint8Array(this.summary.length * 2);
        m.set(this.summary);
        this.summary = m;
      }
      this.status[lid] = statusCode(job.status);
      this.summary[lid] = statusCode(job.status) * 4 + (job.started ? 2 : 0) + (job.cancelled ? 1 : 0);
    }
    return lid;
  }

  /**
   * Interns `job`, a context `step` derived from local state `from`: the fields that differ are a much
   * shorter key than the whole context, so a derivation seen before costs a few comparisons.
   */
  internFrom(member: number, from: number, job: JobContext): number {
    const old = this.contexts[from]!;
    if (this.fields.length === 0) this.fields = (Object.keys(old) as (keyof JobContext)[]).filter((k) => k !== 'id');
    let diff = '';
    for (const k of this.fields) if (old[k] !== job[k]) diff += `${k}=${String(job[k])};`;
    let memo = this.derived[from];
    if (!memo) {
      memo = new Map();
      this.derived[from] = memo;
    }
    let lid = memo.get(diff);
    if (lid === undefined) {
      lid = this.internAt(member, job);
      memo.set(diff, lid);
    }
    return lid;
  }

  /** Whether two contexts are equal but for their ids. */
  same(a: JobContext, b: JobContext): boolean {
    if (a === b) return true;
    if (this.fields.length === 0) this.fields = (Object.keys(a) as (keyof JobContext)[]).filter((k) => k !== 'id');
    for (const k of this.fields) if (a[k] !== b[k]) return false;
    return true;
  }

  /** Interns `job` as member `member`'s context (reusing the object when it is the member's own). */
  internAt(member: number, job: JobContext): number {
    const lid = this.intern(job);
    const own = this.atMember[member]!;
    if (own[lid] === undefined && job.id === this.ids[member]) own[lid] = job;
    return lid;
  }

  /** The context of local state `lid` for member `member` (same object every time). */
  at(member: number, lid: number): JobContext {
    const own = this.atMember[member]!;
    let ctx = own[lid];
    if (ctx === undefined) {
      const base = this.contexts[lid]!;
      ctx = base.id === this.ids[member] ? base : { ...base, id: this.ids[member]! };
      own[lid] = ctx;
    }
    return ctx;
  }
}
