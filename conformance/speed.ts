/**
 * A block job's `speed` (query-block-jobs, and `speed` in BLOCK_JOB_READY / COMPLETED / CANCELLED) is
 * BlockJob.speed: what the creating command set (0 when it gave none), changed only by an accepted
 * block-job-set-speed, which stores the value as given (block_job_set_speed). QMP runs commands in
 * order, so a query sees every earlier set-speed; an event emitted while a set-speed on the job is
 * still unanswered may show the old value or the new one.
 */
import type { JobTrack } from './job.ts';
import type { CheckState } from './state.ts';

export function checkSpeed(st: CheckState, job: JobTrack, value: unknown, where: string, duringSetSpeed: boolean): void {
  const known = job.speed;
  if (known === undefined || typeof value !== 'number' || value === known) return;
  const causes = duringSetSpeed ? st.pendingVerbs(job.id, ['set-speed']).filter((p) => p.event.speed === value) : [];
  st.require(causes, 'speed-mismatch', job.id, `${where} says speed ${value}`, `speed ${known}, as the creating command or the last accepted block-job-set-speed set it`);
}
