/**
 * The model's answer to a verb command in a given state, memoised. machines/replies.ts verbReply
 * and machines/step.ts depend on the job only through its type facts, status, flags and id, and on
 * the command only through its name and arguments, so results are computed once per
 * (type facts, status, flags, drains, command) with a placeholder id, and the id is put back into
 * error texts when they are shown or compared.
 */
import { bitsOf, contextFor, keyBits, keyStatus } from './encoding.ts';
import { step, verbReply, type JobContext, type Profile, type QmpError, type VerbEvent } from '../machines/index.ts';

const PLACEHOLDER = '\u0000';
/** Caches are dropped past this many entries (arguments can be arbitrary strings). */
const MAX_ENTRIES = 100_000;

export interface ModelAnswer {
  /** The reply, with the placeholder for the job id in its text; undefined: success. */
  readonly reply: QmpError | undefined;
  /** Flag bits after the command (success only; equal to the key's bits otherwise). */
  readonly bits: number;
}

class VerbModel {
  private readonly signatures = new Map<number | string, number>();
  private readonly events: VerbEvent[] = [];
  private readonly templateIds = new Map<string, number>();
  private readonly templates: JobContext[] = [];
  /** Template ids by context object (job.ts shares its templates between jobs). */
  private readonly byTemplate = new WeakMap<JobContext, number>();
  private readonly answers = new Map<number, ModelAnswer>();
  private readonly absent = new Map<number, QmpError | undefined>();
  /** Template ids by templates array (job.ts shares them between jobs, so jobs share these arrays too). */
  private readonly idsOfTemplates = new WeakMap<readonly JobContext[], readonly number[]>();
  /** Bumped when signature ids are dealt afresh: what was memoised by them is stale. */
  generation = 0;

  constructor(private readonly profile: Profile) {}

  /** A small integer for a command's name and arguments (`signature`: pending.ts signatureOf). */
  signature(event: VerbEvent, signature: number | string): number {
    let id = this.signatures.get(signature);
    if (id === undefined) {
      if (this.signatures.size >= MAX_ENTRIES) this.reset();
      id = this.events.length;
      this.signatures.set(signature, id);
      this.events.push({ ...event, id: PLACEHOLDER });
    }
    return id;
  }

  /** The template ids of a job's templates (one shared array per templates array). */
  templateIdsOf(templates: readonly JobContext[]): readonly number[] {
    let ids = this.idsOfTemplates.get(templates);
    if (ids === undefined) this.idsOfTemplates.set(templates, (ids = templates.map((t) => this.template(t))));
    return ids;
  }

  /** A small integer for a job context's type facts (everything but id, status and flags). */
  template(t: JobContext): number {
    const known = this.byTemplate.get(t);
    if (known !== undefined) return known;
    const id = this.templateId(t);
    this.byTemplate.set(t, id);
    return id;
  }

  private templateId(t: JobContext): number {
    const facts = `${t.type}|${t.isBlockJob}|${t.hasReady}|${t.softCancelInReady}|${t.supportsChange}|${t.hasPausePoints}|${t.copyMode === null}`;
    let id = this.templateIds.get(facts);
    if (id === undefined) {
      id = this.templates.length;
      this.templateIds.set(facts, id);
      this.templates.push({ ...t, id: PLACEHOLDER });
    }
    return id;
  }

  /** The model's answer for a job of template `tid` in state `key`. */
  answer(tid: number, key: number, drains: number, sig: number): ModelAnswer {
    const k = ((sig * 256 + tid) * 1024 + key) * 2 + drains;
    let a = this.answers.get(k);
    if (a === undefined) {
      if (this.answers.size >= MAX_ENTRIES) this.answers.clear();
      // started / everReady do not change a verb's reply or flag effect.
      const ctx: JobContext = { ...contextFor(this.templates[tid]!, key, keyStatus(key) > 1, false), drains };
      const event = this.events[sig]!;
      const reply = verbReply(this.profile, ctx, event);
      let bits = keyBits(key);
      if (!reply) {
        const r = step(this.profile, { jobs: [ctx], grouped: false, aborting: false }, event);
        if (r && !r.reply && r.group.jobs[0]) bits = bitsOf(r.group.jobs[0]);
      }
      a = { reply, bits };
      this.answers.set(k, a);
    }
    return a;
  }

  /** The reply for a job that does not exist. */
  answerAbsent(sig: number): QmpError | undefined {
    if (!this.absent.has(sig)) this.absent.set(sig, verbReply(this.profile, undefined, this.events[sig]!));
    return this.absent.get(sig);
  }

  private reset(): void {
    this.generation++;
    this.signatures.clear();
    this.events.length = 0;
    this.answers.clear();
    this.absent.clear();
  }
}

const models = new WeakMap<Profile, VerbModel>();

export function verbModel(profile: Profile): VerbModel {
  let m = models.get(profile);
  if (!m) models.set(profile, (m = new VerbModel(profile)));
  return m;
}

/** The model's replies (cached, so few) split at the placeholder. */
const PARTS = new WeakMap<QmpError, readonly string[]>();

/** Whether `desc` is the reply's text with the job id put back (compared in place: no string is built). */
export function sameText(reply: QmpError, id: string, desc: string): boolean {
  let parts = PARTS.get(reply);
  if (parts === undefined) PARTS.set(reply, (parts = reply.desc.split(PLACEHOLDER)));
  let pos = 0;
  for (let i = 0; i < parts.length; i++) {
    if (i > 0) {
      if (!desc.startsWith(id, pos)) return false;
      pos += id.length;
    }
    const part = parts[i]!;
    if (!desc.startsWith(part, pos)) return false;
    pos += part.length;
  }
  return pos === desc.length;
}

/** An error with the job id put back into its text. */
export function withId(reply: QmpError, id: string): QmpError {
  return reply.desc.includes(PLACEHOLDER) ? { class: reply.class, desc: reply.desc.split(PLACEHOLDER).join(id) } : reply;
}
