/**
 * Regressions from real sessions: each `<name>.jsonl` under test/fixtures/traces/regressions is a
 * session recorded from QEMU (traces/scenarios/extra, trimmed at most) that the checker once rejected
 * or did not check, and must accept under --strict. Each `<name>.must-fail.jsonl` beside it is the
 * same session with one impossible change (its meta line says which in `change`), and must fail with
 * the rule its meta line names in `expect`: the fix did not make the rule toothless.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkTraceFile, Rules, type RuleId } from '../../conformance/index.ts';

const DIR = fileURLToPath(new URL('../fixtures/traces/regressions/', import.meta.url));
const files = readdirSync(DIR).filter((f) => f.endsWith('.jsonl')).sort();
const legal = files.filter((f) => !f.endsWith('.must-fail.jsonl'));
const broken = files.filter((f) => f.endsWith('.must-fail.jsonl'));

function meta(file: string): Record<string, unknown> {
  const first = readFileSync(DIR + file, 'utf8').split('\n', 1)[0]!;
  return (JSON.parse(first) as { meta?: Record<string, unknown> }).meta ?? {};
}

describe('regressions from real QEMU sessions', () => {
  it('has a must-fail near-miss beside every regression, and a regression for every near-miss', () => {
    expect(legal.length).toBeGreaterThan(0);
    expect(broken.map((f) => f.replace('.must-fail.jsonl', '.jsonl')).sort()).toEqual(legal);
  });

  for (const file of legal) {
    it(`accepts ${file} (${String(meta(file)['scenario'])}, QEMU ${String(meta(file)['release'])})`, async () => {
      for (const strict of [false, true]) {
        const r = await checkTraceFile(DIR + file, { strict });
        expect(r.violations).toEqual([]);
        expect(r.ok).toBe(true);
      }
    });
  }

  for (const file of broken) {
    const m = meta(file);
    const rule = m['expect'] as RuleId;
    it(`rejects ${file} with ${rule}: ${String(m['change'])}`, async () => {
      expect(Object.keys(Rules)).toContain(rule);
      const r = await checkTraceFile(DIR + file, { strict: true });
      expect(r.ok).toBe(false);
      expect(r.violations.map((v) => v.rule)).toContain(rule);
    });
  }
});
