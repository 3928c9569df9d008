/**
 * The checker's rules ask questions of the engine's state and report; they import neither the engine
 * (checker.ts, state.ts) nor any node: module. (Import cycles and I/O of the pure parts across the whole
 * repository: test/architecture.test.ts.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
const RULES = join(ROOT, 'conformance', 'rules');

describe('conformance/rules imports', () => {
  const files = readdirSync(RULES).filter((f) => f.endsWith('.ts')).map((f) => join(RULES, f));

  it('has rule modules to look at', () => {
    expect(files.length).toBeGreaterThan(3);
  });

  it('keeps the rules free of I/O and of the checker state', () => {
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      expect(text, relative(ROOT, f)).not.toMatch(/from 'node:|from '\.\.\/state\.ts'|from '\.\.\/checker\.ts'/);
    }
  });
});
