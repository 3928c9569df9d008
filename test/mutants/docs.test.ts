import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MUTANTS } from '../../mutants/index.ts';
import { VerifyRules } from '../../verify/index.ts';

const docs = path.resolve(import.meta.dirname, '../../docs');

describe('the mutant and verify docs', () => {
  it('list every mutant', () => {
    const text = fs.readFileSync(path.join(docs, 'mutants.md'), 'utf8');
    expect(MUTANTS.filter((m) => !text.includes(`| \`${m.id}\` |`)).map((m) => m.id)).toEqual([]);
  });

  it("list every one of verify's own rules", () => {
    const text = fs.readFileSync(path.join(docs, 'verify.md'), 'utf8');
    expect(Object.keys(VerifyRules).filter((r) => !text.includes(`| \`${r}\` |`))).toEqual([]);
  });
});
