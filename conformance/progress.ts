/**
 * Progress: the job's ProgressMeter `current` (query-jobs `current-progress`; `offset` in
 * query-block-jobs and BLOCK_JOB_* events) only ever grows; `total` may move both ways, so it is
 * not checked. Placeholders such as iotests' "FILTERED" are skipped.
 */
import type { JobTrack } from './job.ts';
import type { CheckState } from './state.ts';

export function checkProgress(st: CheckState, job: JobTrack, value: unknown): void {
  if (typeof value !== 'number') return;
  if (value < job.progress) {
    st.violate('progress-decreased', job.id, `progress went from ${job.progress} down to ${value}`, `at least ${job.progress}`);
  }
  if (value > job.progress) job.progress = value;
}
