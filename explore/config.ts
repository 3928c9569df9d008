/**
 * What an exploration explores: a release profile, the members of one transaction group (their job
 * types and flags, the "mix") and its completion mode.
 *
 * A mix is written as member specs separated by commas, `type[:flag...]`, flags being
 * `manual-finalize` (auto-finalize false), `manual-dismiss` (auto-dismiss false) and `active` (a commit of
 * the active layer). When the group has more members than specs, the last spec repeats.
 *
 * The default mix, `mirror:manual-finalize:manual-dismiss,backup`, is one mirror that stays in pending
 * and concluded until told, then backups with QEMU's default flags: with 3 members, grouped, every
 * JobSTT edge but created → null is taken (see docs/explore.md). QEMU itself only groups backups
 * (`completion-mode: grouped` takes blockdev-backup / drive-backup actions); the model's transaction
 * semantics (job.c's JobTxn) hold for any job type, and the mirror is what brings ready and standby into a
 * grouped exploration. `--mix backup` explores what QEMU can actually group.
 */
import { createGroupContext, isJobType, JobTypes, type GroupContext, type JobInput, type JobType, type Profile } from '../machines/index.ts';

export const DEFAULT_MIX = 'mirror:manual-finalize:manual-dismiss,backup';
export const MAX_JOBS = 6;

export interface ExploreConfig {
  readonly profile: Profile;
  /** The members in creation order, ids j0, j1, ... */
  readonly inputs: readonly JobInput[];
  readonly grouped: boolean;
}

export class MixError extends Error {
  override readonly name = 'MixError';
}

const FLAGS = ['manual-finalize', 'manual-dismiss', 'active'] as const;

function parseMember(spec: string, id: string): JobInput {
  const [type, ...flags] = spec.trim().split(':');
  if (!isJobType(type)) throw new MixError(`unknown job type '${type ?? ''}' in mix (expected one of ${Object.keys(JobTypes).join(', ')})`);
  for (const f of flags) {
    if (!(FLAGS as readonly string[]).includes(f)) throw new MixError(`unknown flag '${f}' in mix member '${spec}' (expected ${FLAGS.join(', ')})`);
  }
  const input: { id: string; type: JobType; autoFinalize?: boolean; autoDismiss?: boolean; activeCommit?: boolean } = { id, type };
  if (flags.includes('manual-finalize')) input.autoFinalize = false;
  if (flags.includes('manual-dismiss')) input.autoDismiss = false;
  if (flags.includes('active')) {
    if (type !== 'commit') throw new MixError(`'active' applies to commit only, not '${type}'`);
    input.activeCommit = true;
  }
  return input;
}

/** The members a mix gives a group of `jobs` members (ids j0 ... j<jobs-1>). */
export function parseMix(mix: string, jobs: number): JobInput[] {
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > MAX_JOBS) throw new MixError(`the number of jobs must be 1 to ${MAX_JOBS}, not ${jobs}`);
  const specs = mix.split(',').filter((s) => s.trim() !== '');
  if (specs.length === 0) throw new MixError('empty mix');
  return Array.from({ length: jobs }, (_, i) => parseMember(specs[Math.min(i, specs.length - 1)]!, `j${i}`));
}

/** A mix spec back from inputs (the form parseMix reads). */
export function formatMix(inputs: readonly JobInput[]): string {
  return inputs
    .map((i) => [i.type, i.autoFinalize === false ? 'manual-finalize' : '', i.autoDismiss === false ? 'manual-dismiss' : '', i.activeCommit ? 'active' : '']
      .filter((s) => s !== '')
      .join(':'))
    .join(',');
}

export function makeConfig(profile: Profile, jobs: number, grouped: boolean, mix = DEFAULT_MIX): ExploreConfig {
  const inputs = parseMix(mix, jobs);
  for (const input of inputs) {
    if (!profile.jobTypes.includes(input.type)) throw new MixError(`QEMU ${profile.release} has no job type '${input.type}'`);
  }
  return { profile, inputs, grouped };
}

export function initialGroup(config: ExploreConfig): GroupContext {
  return createGroupContext(config.inputs, config.grouped);
}

/** Members QEMU would not accept in a grouped transaction (only backups are groupable). */
export function ungroupableMembers(config: ExploreConfig): JobInput[] {
  return config.grouped ? config.inputs.filter((i) => !JobTypes[i.type].groupable) : [];
}

/** Indices of members with identical inputs (all but the id): the classes of interchangeable jobs. */
export function interchangeableClasses(inputs: readonly JobInput[]): number[] {
  const keys = inputs.map(({ id: _id, ...rest }) => JSON.stringify(rest, Object.keys(rest).sort()));
  return keys.map((k) => keys.indexOf(k));
}
