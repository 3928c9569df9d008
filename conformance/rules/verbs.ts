/**
 * Rules on job verb commands (job-*, block-job-*): the reply is evidence of the status the job was in
 * when the command ran.
 */
import { D, N, statusName } from '../encoding.ts';
import type { RuleGroup, RuleInfo } from './rule.ts';

export const verbRules = {
  title: 'Verb commands',
  rules: {
    'verb-accepted-refused': {
      summary:
        "a verb command accepted where the release's rules refuse it in every state the job could have been in, or refused where they accept it; a job command QAPI refuses (no job name, `copy-mode` on a block-job-change `type` other than mirror), or one no release has, accepted",
      reads:
        "each verb command's reply and the states of the job while it ran (in a log: an accepted verb printed with its command needs a status that accepts it, printed last or later)",
      needs: ['commands'],
    },
    'verb-error-class': {
      summary: 'a refused verb command has an error class the rules do not give',
      reads: "each refused verb command's error class",
      needs: ['wire-order', 'commands'],
    },
    'verb-error-state': {
      summary:
        "`Job '<id>' in state '<s>' cannot accept command verb '<v>'` names a status the job was not in while the command ran, one whose verb table accepts `<v>` in this release, or another job or verb than the command's",
      reads:
        "refusals naming a status, against the release's verb table and the job's states while the command ran (in a log, where commands may be missing, the refusal's own job and verb, and the job's status printed last or a later one; never `created`)",
      needs: [],
    },
    'verb-error-text': {
      summary: "(--strict) a refused verb command's error text differs from QEMU's",
      reads: "each refused verb command's error text",
      needs: ['wire-order', 'commands'],
    },
    'verb-effect-missing': {
      summary: 'job-finalize or job-dismiss accepted, but the job was not concluded / null by its reply (both act synchronously)',
      reads: "an accepted finalize / dismiss and the job's status at its reply",
      needs: ['status-events', 'wire-order', 'commands'],
      onVerbAccepted: ({ job, verb, command }) => {
        if (verb === 'dismiss' && job.statusKnown && job.status !== N) {
          return [{ job: job.id, message: `${command} accepted but the job is still '${statusName(job.status)}'`, allowed: "'null' before the reply" }];
        }
        if (verb === 'finalize' && job.statusKnown && job.status === D) {
          return [{ job: job.id, message: `${command} accepted but the job is still 'pending'`, allowed: "'concluded' (or 'aborting') before the reply" }];
        }
        return [];
      },
    },
  },
} as const satisfies RuleGroup<Record<string, RuleInfo>>;
