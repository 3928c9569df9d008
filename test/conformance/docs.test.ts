/** docs/checker.md lists every rule and warning with the text conformance/rules.ts gives it. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rules, WarningRules } from '../../conformance/index.ts';

const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'checker.md'), 'utf8');

describe('docs/checker.md', () => {
  it('has one table line per rule, as rules.ts describes it', () => {
    for (const [id, text] of Object.entries({ ...Rules, ...WarningRules })) expect(doc).toContain(`| \`${id}\` | ${text} |`);
  });

  it('names no rule that does not exist', () => {
    const ids = [...doc.matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]);
    const known = new Set([...Object.keys(Rules), ...Object.keys(WarningRules)]);
    expect(ids.filter((id) => !known.has(id!))).toEqual([]);
  });
});
