/**
 * JobSTT edge coverage: which edges of the release's transition table an exploration (or a set of
 * recorded traces) took. An edge is taken when a member's status moves along it. The self-loop
 * aborting → aborting (job_update_rc on a job already aborting) counts as taken when a step leaves a
 * member aborting while touching it: a command addressed to it, a change of its context, or of the
 * transaction's abort flag. (The machines take their explicit self-transition more often, on every
 * command and every emitted event, so a stricter reading is used here.)
 */
import { JobStatus, type GroupContext, type JobStatus as Status, type ModelEvent, type Profile } from '../machines/index.ts';

export interface SttEdge {
  readonly from: Status;
  readonly to: Status;
}

/** The edges of a release's JobSTT, in QAPI order of `from`, then of `to`. */
export function sttEdges(profile: Profile): readonly SttEdge[] {
  return JobStatus.flatMap((from) => profile.transitions[from].map((to) => ({ from, to })));
}

export function edgeName(e: SttEdge): string {
  return `${e.from}->${e.to}`;
}

/** Index of each edge by `from->to`. */
export function edgeIndex(profile: Profile): ReadonlyMap<string, number> {
  return new Map(sttEdges(profile).map((e, i) => [edgeName(e), i]));
}

/**
 * The STT edges one step takes (as `from->to` names): `before` and `after` are the group around it,
 * `event` what was offered (`after` is undefined when the event could not happen).
 */
export function edgesTaken(profile: Profile, before: GroupContext, event: ModelEvent, after: GroupContext | undefined): string[] {
  if (!after) return [];
  const out: string[] = [];
  const eventId = 'id' in event ? event.id : undefined;
  const isCommand = !event.type.startsWith('internal.');
  before.jobs.forEach((j, k) => {
    const next = after.jobs[k];
    if (!next) return;
    if (next.status !== j.status) {
      out.push(`${j.status}->${next.status}`);
      return;
    }
    if (!profile.transitions[j.status].includes(j.status)) return;
    const addressed = isCommand && eventId === j.id;
    if (addressed || after.aborting !== before.aborting || JSON.stringify(next) !== JSON.stringify(j)) out.push(`${j.status}->${j.status}`);
  });
  return out;
}
