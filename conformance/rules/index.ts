/**
 * The checker's rules, by group: a stable kebab-case id, when it is broken, what it reads and what it
 * needs from the input. Violations and warnings name these ids; docs/checker.md is generated from
 * them (`npm run docs:generate`).
 */
import { blockEventRules } from './blockEvents.ts';
import { commandRules } from './commands.ts';
import { queryRules } from './queries.ts';
import { releaseRules } from './release.ts';
import type { Input, RuleInfo } from './rule.ts';
import { statusRules } from './statuses.ts';
import { transactionRules } from './transactions.ts';
import { verbRules } from './verbs.ts';

export { Inputs, type Cause, type Finding, type Input, type RuleInfo, type TransitionFacts, type BlockEventFacts } from './rule.ts';

/** The groups in the order docs/checker.md lists them. */
export const RuleGroups = [statusRules, commandRules, blockEventRules, transactionRules, queryRules, verbRules, releaseRules] as const;

type Catalog = typeof statusRules.rules &
  typeof commandRules.rules &
  typeof blockEventRules.rules &
  typeof transactionRules.rules &
  typeof queryRules.rules &
  typeof verbRules.rules &
  typeof releaseRules.rules;

export type RuleId = keyof Catalog;

/** Every rule by id. */
export const RuleCatalog: Readonly<Record<RuleId, RuleInfo>> = Object.assign({}, ...RuleGroups.map((g) => g.rules)) as Catalog;

/** Every rule's one-line summary, by id. */
export const Rules: Readonly<Record<RuleId, string>> = Object.fromEntries(Object.entries(RuleCatalog).map(([id, r]) => [id, r.summary])) as Record<RuleId, string>;

/** Warnings: the trace is accepted, with a remark. */
export const WarningRules = {
  'unanswered-command': 'the trace ends with a command still unanswered; it is accepted as a prefix',
  'unmatched-reply': 'a reply answers no command sent in the trace',
  'new-session':
    'a new QEMU session after jobs were seen (a second greeting, or in an iotests log a filtered greeting, a re-sent `qmp_capabilities`, a command after `quit`, the next unittest test case): the checker starts afresh with the same release',
  'repeated-greeting': 'a second greeting before any job was seen (a recorder artifact): ignored',
  'job-alive-at-end':
    'the trace ends after SHUTDOWN or `quit` with a job that never concluded (QEMU cancels and dismisses jobs on shutdown unless it is killed first, e.g. a destroyed guest): the end of the job is not in the trace',
  'no-status-events':
    'an iotests log without JOB_STATUS_CHANGE events: verb replies are judged only against the verb table (the verb is accepted in some status a job can be in); the warning names the rules that need status events',
  'held-back-events':
    "a bash iotests log (common.qemu holds back the events a test names in `$capture_events` and prints only those it waits for) shows a job event that follows the job's last printed status only through statuses it did not print: accepted because JobSTT reaches it (a job first seen in mid-life, after its printed creating command was accepted or from a BLOCK_JOB_* event, from `created`); the warning names the rule applied as reachability",
} as const;

export type WarningId = keyof typeof WarningRules;

/** The rules judged at each status change, in catalogue order. */
export const TransitionRules: readonly (readonly [RuleId, Required<Pick<RuleInfo, 'onTransition'>>['onTransition'], RuleInfo])[] = (
  Object.entries(RuleCatalog) as [RuleId, RuleInfo][]
).flatMap(([id, r]) => (r.onTransition ? [[id, r.onTransition, r] as const] : []));

/** The transition rules that hold in a log too (those that need no wire order). */
export const LogTransitionRules = TransitionRules.filter(([, , rule]) => !rule.needs.includes('wire-order'));

type TransitionEntry = (typeof TransitionRules)[number];
const STATUS_COUNT = 11;

/** `rules` by status change: entry `from * 11 + to` lists those whose `edges` include it. */
function byEdge(rules: readonly TransitionEntry[]): readonly (readonly TransitionEntry[])[] {
  const out: TransitionEntry[][] = [];
  for (let from = 0; from < STATUS_COUNT; from++) {
    for (let to = 0; to < STATUS_COUNT; to++) out.push(rules.filter(([, , rule]) => rule.edges === undefined || rule.edges(from, to)));
  }
  return out;
}

/** TransitionRules and LogTransitionRules by status change (`from * 11 + to`): the rules judged there. */
export const TransitionRulesByEdge = byEdge(TransitionRules);
export const LogTransitionRulesByEdge = byEdge(LogTransitionRules);

/** The rules judged at each BLOCK_JOB_READY / PENDING / COMPLETED / CANCELLED, in catalogue order. */
export const BlockEventRules: readonly (readonly [RuleId, Required<Pick<RuleInfo, 'onBlockEvent'>>['onBlockEvent'], RuleInfo])[] = (
  Object.entries(RuleCatalog) as [RuleId, RuleInfo][]
).flatMap(([id, r]) => (r.onBlockEvent ? [[id, r.onBlockEvent, r] as const] : []));

/** The rules judged at an accepted verb command's reply, in catalogue order. */
export const VerbRules: readonly (readonly [RuleId, Required<Pick<RuleInfo, 'onVerbAccepted'>>['onVerbAccepted']])[] = (
  Object.entries(RuleCatalog) as [RuleId, RuleInfo][]
).flatMap(([id, r]) => (r.onVerbAccepted ? [[id, r.onVerbAccepted] as const] : []));

/** The rules judged at each job a query answer lists, in catalogue order. */
export const QueryEntryRules: readonly (readonly [RuleId, Required<Pick<RuleInfo, 'onQueryEntry'>>['onQueryEntry']])[] = (
  Object.entries(RuleCatalog) as [RuleId, RuleInfo][]
).flatMap(([id, r]) => (r.onQueryEntry ? [[id, r.onQueryEntry] as const] : []));

/** The rules that cannot be applied without one of `missing`, by id. */
export function rulesNeeding(missing: ReadonlySet<Input>): RuleId[] {
  return (Object.keys(RuleCatalog) as RuleId[]).filter((id) => RuleCatalog[id].needs.some((n) => missing.has(n)));
}
