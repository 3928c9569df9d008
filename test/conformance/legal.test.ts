/**
 * Sessions written by hand from the observed behaviour of QEMU 7.2 and 10.0 (asynchrony, blips of
 * any multiplicity, both race outcomes, transaction orders of both releases) must all pass.
 */
import { describe, expect, it } from 'vitest';
import { checkMessages } from '../../conformance/index.ts';
import { legal } from './support/legal.ts';

describe('hand-made sessions QEMU can produce', () => {
  for (const [name, make] of Object.entries(legal)) {
    it(`accepts: ${name}`, () => {
      for (const strict of [false, true]) {
        const r = checkMessages(make(), { file: name, strict });
        expect(r.violations).toEqual([]);
        expect(r.ok).toBe(true);
      }
    });
  }

  it('warns about the grouped transaction that never answers, naming the command and its line', () => {
    const r = checkMessages(legal['grouped transaction prepare failure hangs: accepted as a prefix']!(), { file: 'hang.jsonl' });
    expect(r.ok).toBe(true);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatchObject({ rule: 'unanswered-command', file: 'hang.jsonl', line: 4 });
    expect(r.warnings[0]!.message).toContain('transaction (id "c2")');
  });

  it('has no warnings on the sessions that end answered', () => {
    for (const [name, make] of Object.entries(legal)) {
      if (name.includes('hangs')) continue;
      expect(checkMessages(make()).warnings, name).toEqual([]);
    }
  });
});
