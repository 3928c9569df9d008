/** The rules section of docs/checker.md, generated from the rule catalogue (`npm run docs:generate`). */
import { Inputs, RuleGroups, WarningRules, type Input, type RuleInfo } from './rules/index.ts';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function needs(list: readonly Input[]): string {
  return list.length === 0 ? 'nothing more' : list.map((n) => `\`${n}\``).join(', ');
}

export function rulesMarkdown(): string {
  const out: string[] = [
    'A violation names one of these rule ids. Each rule is a unit of `conformance/rules/`: its id, when it',
    'is broken, what it reads and the inputs it needs, and for the rules judged at a status change or at a',
    "block job's BLOCK_JOB_* event, an accepted verb's reply or a job a query lists, the check itself (a",
    'pure function of what the checker knows at that point, returning the message and what was allowed;',
    'the core dispatches every status change, event, accepted reply and listed job to them). The other rules are checked where their input is read (`verbs.ts`, `queries.ts`,',
    '`creators.ts`, `urgent.ts`, `logReplies.ts`). `test/conformance/rules.test.ts` keeps, for every id, a',
    'session that must be rejected with it and a near-miss that must pass.',
    '',
    'A rule whose input is missing is not applied, and the result says so (`notApplied` in JSON, a',
    '`not applied` line in text): the inputs are',
    '',
    '| input | what it is |',
    '|---|---|',
    ...(Object.keys(Inputs) as Input[]).map((k) => `| \`${k}\` | ${cell(Inputs[k])} |`),
    '',
  ];
  for (const group of RuleGroups) {
    out.push(`### ${group.title}`, '', '| rule | broken when | reads | needs | judged at |', '|---|---|---|---|---|');
    for (const [id, r] of Object.entries(group.rules) as [string, RuleInfo][]) {
      const hooks = [r.onTransition && 'status change', r.onBlockEvent && 'BLOCK_JOB_* event', r.onVerbAccepted && 'accepted verb reply', r.onQueryEntry && 'listed job'];
      const at = hooks.filter((h) => typeof h === 'string').join(', ') || 'its input';
      out.push(`| \`${id}\` | ${cell(r.summary)} | ${cell(r.reads)} | ${needs(r.needs)} | ${at} |`);
    }
    out.push('');
  }
  out.push('Warnings do not fail a trace:', '', '| warning | when |', '|---|---|');
  for (const [id, text] of Object.entries(WarningRules)) out.push(`| \`${id}\` | ${cell(text)} |`);
  return out.join('\n') + '\n';
}
