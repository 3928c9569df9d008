/**
 * The checker's rules: a stable kebab-case id and one line saying what breaks it. Violations and
 * warnings name these ids; docs/checker.md lists them (a test keeps the two in step).
 */

export const Rules = {
  // JOB_STATUS_CHANGE
  'undefined-status': 'a job status is `undefined`, in an event or a query answer',
  'unknown-status': 'a job status is not a JobStatus value',
  'first-status-not-created': 'the first status a job shows is not `created`',
  'event-after-null': 'an event names a job after its `null` (a new job with that id must begin with `created`)',
  'illegal-transition': 'a status change that is not an edge of JobSTT, or repeats the current status (QEMU emits no event for a self-loop)',
  'created-without-command': 'a job is `created` while no job-creating command that could create it is unanswered',
  'start-outside-command': 'a job leaves `created` (start, early fail or prepare failure) after its creating command was answered',
  'ready-impossible': 'a job of a type that never converges (backup, stream, create, amend, snapshot-*) becomes `ready`',
  'complete-without-command': 'a mirror-like job leaves for `waiting` without an accepted job-complete or soft cancel in ready',
  'resume-while-user-paused': 'a user-paused job (job-pause, or BLOCK_JOB_ERROR action stop) runs again with no resume, cancel (of it or of another member of its grouped transaction), transaction abort or shutdown',
  'finalize-without-command': 'a job concludes from `pending` although its transaction has auto-finalize off and no finalize was asked for',
  'abort-without-cause': "a job goes 'waiting' or 'pending' → 'aborting' with no cancel, transaction abort, finalize (a failing prepare) or shutdown",
  'urgent-step-missing': "a step QEMU takes in the same main-loop iteration did not happen before the next reply (or the job's next status): 'concluded' after 'aborting', 'null' after 'concluded' with auto-dismiss, 'pending' once the transaction finished, 'concluded' of an auto-finalize transaction, BLOCK_JOB_READY / BLOCK_JOB_PENDING after their status",
  'dismiss-without-command': 'a started job with auto-dismiss off goes `null` without job-dismiss / block-job-dismiss (or shutdown)',
  // Replies
  'reply-out-of-order': 'a reply answers a command while an earlier in-band command is still unanswered (QMP answers in order; only exec-oob may overtake)',
  // Job-creating commands
  'txn-creation-order': 'a transaction does not create its jobs in action order, or starts one before all are created',
  'creator-reply-mismatch': 'a job-creating command succeeded but its job did not start (or was never created), or failed although its job started or is still alive',
  // BLOCK_JOB_* events
  'event-for-unknown-job': 'a job event names a job that was never created',
  'block-event-non-block-job': 'a BLOCK_JOB_* event for a job that is not a block job (create, amend, snapshot-*)',
  'block-job-ready-unexpected': 'BLOCK_JOB_READY for a job that is not `ready` at that point, or a second one for the same job',
  'block-job-pending-auto-finalize': 'BLOCK_JOB_PENDING for a job created with auto-finalize on',
  'block-event-out-of-place': 'BLOCK_JOB_PENDING outside `pending` or twice in it; BLOCK_JOB_COMPLETED outside `pending` (success) or `aborting` (with error); BLOCK_JOB_CANCELLED outside `aborting`; either for a job never started',
  'completed-and-cancelled': 'one job has two completion events (BLOCK_JOB_COMPLETED and/or BLOCK_JOB_CANCELLED)',
  'completion-event-kind': 'BLOCK_JOB_CANCELLED for a job nothing force-cancelled, or BLOCK_JOB_COMPLETED for one that was force-cancelled',
  'completion-event-missing': 'a started block job concludes without BLOCK_JOB_COMPLETED / BLOCK_JOB_CANCELLED just before',
  'type-mismatch': "a job's type in a query answer or event differs from the type its creating command makes, or a non-block job is listed by query-block-jobs",
  // Transactions
  'txn-pending-early': 'a member of a grouped transaction reaches `pending` before every member finished (waiting, pending, aborting, concluded or null)',
  'txn-abort-member-succeeded': 'a member of an aborted grouped transaction reaches `pending` or concludes without error',
  'txn-finalize-partial': 'finalize accepted on one member of a grouped transaction left another member in `pending` at its reply',
  // Query answers
  'query-refused': 'query-jobs / query-block-jobs (which take no arguments) answered with an error in a release that has them',
  'null-in-query': 'query-jobs / query-block-jobs lists a job in status `null`',
  'query-status-mismatch': 'a listed status is not one the job was in while the query ran',
  'query-unknown-job': 'a query lists a job that did not exist while the query ran',
  'query-missing-job': 'a query omits a job that existed throughout the query',
  'query-field-mismatch': 'query-block-jobs `auto-finalize` / `auto-dismiss` differ from the creating command, or `ready` differs from the status (ready or standby)',
  'speed-mismatch': "a block job's `speed` in query-block-jobs or a BLOCK_JOB_* event is neither what its creating command set nor what an accepted block-job-set-speed set (an event may show either value while a set-speed is unanswered)",
  'progress-decreased': "a job's `current-progress` (or `offset`) went down",
  'error-on-success': '`error` on a job that has not failed: one not yet finished (except in running or ready once its run failed, when its next status must be `aborting`), or one that concluded from `pending`',
  'error-missing': 'no `error` on a concluded job that failed or was cancelled (concluded from `aborting`)',
  // Verb commands
  'verb-accepted-refused': "a verb command accepted where the release's rules refuse it in every state the job could have been in, or refused where they accept it; a job command QAPI refuses (no job name, `copy-mode` on a block-job-change `type` other than mirror), or one no release has, accepted",
  'verb-error-class': 'a refused verb command has an error class the rules do not give',
  'verb-error-state': "`Job '<id>' in state '<s>' cannot accept command verb` names a status the job was not in while the command ran",
  'verb-error-text': "(--strict) a refused verb command's error text differs from QEMU's",
  'verb-effect-missing': 'job-finalize or job-dismiss accepted, but the job was not concluded / null by its reply (both act synchronously)',
} as const;

export type RuleId = keyof typeof Rules;

/** Warnings: the trace is accepted, with a remark. */
export const WarningRules = {
  'unanswered-command': 'the trace ends with a command still unanswered; it is accepted as a prefix',
  'unmatched-reply': 'a reply answers no command sent in the trace',
  'new-session': 'a second greeting after jobs were seen: the checker starts afresh',
  'repeated-greeting': 'a second greeting before any job was seen (a recorder artifact): ignored',
} as const;

export type WarningId = keyof typeof WarningRules;
