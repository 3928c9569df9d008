/** Rules on what the release has: the commands and events each QEMU release introduced (QAPI `since`). */
import type { RuleGroup, RuleInfo } from './rule.ts';

export const releaseRules = {
  title: 'Release',
  rules: {
    'not-in-release': {
      summary:
        'a job command the release does not have was accepted, a refusal names a verb it does not have, or a job event it does not emit was seen (`job-*`, query-jobs and JOB_STATUS_CHANGE appeared in 3.0, block-job-change in 8.2)',
      reads: "the name of each accepted command, each refusal's verb and each job event, against the release's profile",
      needs: [],
    },
  },
} as const satisfies RuleGroup<Record<string, RuleInfo>>;
