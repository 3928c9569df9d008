/** docs/checker.md carries the rule tables generated from conformance/rules/ (npm run docs:generate). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Inputs, RuleCatalog, Rules, WarningRules } from '../../conformance/index.ts';
import { rulesMarkdown } from '../../conformance/rulesDoc.ts';

const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'checker.md'), 'utf8');

describe('docs/checker.md', () => {
  it('carries the generated rule tables as the catalogue gives them', () => {
    const begin = '<!-- BEGIN GENERATED: rules -->\n';
    const from = doc.indexOf(begin);
    const to = doc.indexOf('<!-- END GENERATED: rules -->');
    expect(from).toBeGreaterThan(0);
    expect(doc.slice(from + begin.length, to)).toBe(rulesMarkdown());
  });

  it('has one table line per rule and warning, with its summary', () => {
    for (const [id, text] of Object.entries({ ...Rules, ...WarningRules })) expect(doc).toContain(`| \`${id}\` | ${text} |`);
  });

  it('names no rule that does not exist', () => {
    const ids = [...doc.matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]);
    const known = new Set([...Object.keys(Rules), ...Object.keys(WarningRules), ...Object.keys(Inputs)]);
    expect(ids.filter((id) => !known.has(id!))).toEqual([]);
  });

  it('says for every rule what it reads and which inputs it needs', () => {
    for (const rule of Object.values(RuleCatalog)) {
      expect(rule.reads.length).toBeGreaterThan(10);
      for (const n of rule.needs) expect(Object.keys(Inputs)).toContain(n);
    }
  });
});
