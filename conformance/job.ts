/**
 * What the checker knows about one job: its status (from JOB_STATUS_CHANGE), the flag sets it may
 * have (machines/context.ts; a set because a reply racing an event can leave it open), the model
 * contexts its type allows (for machines/replies.ts verbReply), and what its events showed so far.
 */
import { createJobContext, JobTypes, type JobContext, type JobType, type Profile } from '../machines/index.ts';
import type { CreationSpec } from './creation.ts';
import { addUnique, U, WB } from './encoding.ts';

/** Which completion event a job emitted. */
export const Completion = { None: 0, Completed: 1, Cancelled: 2 } as const;
export type Completion = (typeof Completion)[keyof typeof Completion];

/** A grouped transaction (one JobTxn). Jobs outside one are each their own transaction. */
export class Txn {
  readonly members: JobTrack[] = [];
  /** A member went to `aborting`: job_completed_txn_abort ran. */
  aborting = false;
  /** job-finalize / block-job-finalize was accepted on a member. */
  finalizeAsked = false;
}

/** What a job knows of its unanswered creating command: the job created for each of its specs so far. */
export interface CreatorRef {
  readonly bound: readonly (JobTrack | undefined)[];
}

/**
 * The templates of every job with the same release and creation facts are alike (their `id` is not
 * read: verbModel.ts puts a placeholder there), so they are built once and shared; a creation costs a
 * Map lookup. Keys come from a few types and flags.
 */
const TEMPLATES = new WeakMap<Profile, Map<string, readonly JobContext[]>>();

function templatesFor(profile: Profile, spec: CreationSpec | undefined, type: JobType | undefined): readonly JobContext[] {
  let byKey = TEMPLATES.get(profile);
  if (!byKey) TEMPLATES.set(profile, (byKey = new Map()));
  const key = `${type ?? ''}|${spec?.autoFinalize}|${spec?.autoDismiss}|${spec?.copyMode}|${spec?.activeCommit}`;
  let out = byKey.get(key);
  if (out === undefined) byKey.set(key, (out = buildTemplates(profile, spec, type)));
  return out;
}

function buildTemplates(profile: Profile, spec: CreationSpec | undefined, type: JobType | undefined): JobContext[] {
  const types: readonly JobType[] = type ? [type] : profile.jobTypes;
  const out: JobContext[] = [];
  for (const t of types) {
    const base = {
      id: '',
      type: t,
      autoFinalize: spec?.autoFinalize,
      autoDismiss: spec?.autoDismiss,
      copyMode: spec?.copyMode,
    };
    if (t === 'commit' && spec?.activeCommit !== true) {
      out.push(createJobContext({ ...base, activeCommit: true }), createJobContext({ ...base, activeCommit: false }));
    } else {
      out.push(createJobContext({ ...base, activeCommit: spec?.activeCommit }));
    }
  }
  return out;
}

export class JobTrack {
  /** Status index (encoding.ts). */
  status = U;
  /** The flag sets the job may have; usually exactly one. */
  beliefs: number[];
  /** Model contexts of the types the job may have (one once the type is known; two for a commit of unknown top). */
  templates: readonly JobContext[];
  type: JobType | undefined;
  readonly autoFinalize: boolean | undefined;
  readonly autoDismiss: boolean | undefined;
  /** Left `created` for `running` (job_start ran). */
  started = false;
  everReady = false;
  readyEvent = false;
  /** BLOCK_JOB_PENDING was emitted in the current `pending`. */
  pendingEvent = false;
  completion: Completion = Completion.None;
  /** The status it concluded from (aborting: failed or cancelled; pending: success), -1 before. */
  concludedFrom = -1;
  /**
   * The block job's speed (BlockJob.speed): from its creating command, then each accepted
   * block-job-set-speed; undefined when unknown.
   */
  speed: number | undefined;
  /** Highest current-progress / offset seen, -1 before. */
  progress = -1;
  /** Existed before the session: first listed by a query answer, its creating command unknown (queries.ts). */
  adopted = false;
  /** The status comes from JOB_STATUS_CHANGE (false: the job was only seen in a query or BLOCK_JOB_* event). */
  statusKnown = true;
  /** finalize / dismiss accepted on it. */
  finalizeAsked = false;
  dismissAsked = false;
  /** Its creating command is still unanswered. */
  creatorPending = false;
  /** The creating command, while unanswered. */
  creator: CreatorRef | undefined;
  /**
   * A query showed an error while it was running or ready: its run() has failed (job_co_entry records the
   * error before job_exit runs in a later bottom half), so its next status must be 'aborting'.
   */
  failing = false;
  /** The first member of its grouped transaction to abort (it is not force-cancelled by the abort). */
  failedFirst = false;
  txn: Txn | undefined;
  /** verbModel.ts ids of `templates`, computed when first needed. */
  templateIds: readonly number[] | undefined;

  constructor(
    readonly profile: Profile,
    readonly id: string,
    readonly spec: CreationSpec | undefined,
  ) {
    this.type = spec?.type;
    this.speed = spec?.speed;
    this.autoFinalize = spec?.autoFinalize;
    this.autoDismiss = spec?.type && JobTypes[spec.type].manualDismiss ? false : spec?.autoDismiss;
    this.templates = templatesFor(profile, spec, spec?.type);
    this.beliefs = [spec?.copyMode === 'write-blocking' ? WB : 0];
  }

  /** Learns the type from a query answer or event; false when it contradicts a known type. */
  learnType(type: JobType): boolean {
    if (this.type === type) return true;
    if (this.type !== undefined) return false;
    this.type = type;
    this.templates = templatesFor(this.profile, this.spec, type);
    this.templateIds = undefined;
    return true;
  }

  /** Reached ready: a commit of unknown top is an active commit. */
  learnReady(): void {
    this.everReady = true;
    if (this.templates.length > 1) {
      const converging = this.templates.filter((t) => t.hasReady);
      if (converging.length > 0) this.templates = converging;
      this.templateIds = undefined;
    }
  }

  /** true / false when every possible type agrees, undefined when the type is unknown. */
  isBlockJob(): boolean | undefined {
    return agree(this.templates, (t) => t.isBlockJob);
  }
  hasReady(): boolean | undefined {
    return agree(this.templates, (t) => t.hasReady);
  }

  /** Whether every flag set has `bit`, some has it, or none. */
  allHave(bit: number): boolean {
    return this.beliefs.every((b) => (b & bit) !== 0);
  }
  someHave(bit: number): boolean {
    return this.beliefs.some((b) => (b & bit) !== 0);
  }

  /** Sets and clears bits in every flag set (an effect that certainly happened). */
  patch(set: number, clear: number): void {
    const next: number[] = [];
    for (const b of this.beliefs) addUnique(next, (b & ~clear) | set);
    this.beliefs = next;
  }
}

function agree(templates: readonly JobContext[], f: (t: JobContext) => boolean): boolean | undefined {
  const first = templates[0];
  if (!first) return undefined;
  const v = f(first);
  for (const t of templates) if (f(t) !== v) return undefined;
  return v;
}
