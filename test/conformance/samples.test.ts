/** Real sessions must pass: the sample sessions of QEMU 7.2 and 10.0 (test/fixtures/samples), and the project's recorded corpora. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFiles, checkTraceFile } from '../../conformance/index.ts';
import { SAMPLES } from './support/trace.ts';

const sampleDirs = ['qemu-7.2', 'qemu-10.0'];

describe('the sample traces', () => {
  for (const dir of sampleDirs) {
    const release = dir === 'qemu-7.2' ? '7.2' : '10.0';
    const files = readdirSync(join(SAMPLES, dir)).filter((f) => f.endsWith('.jsonl'));

    it(`${dir} holds traces to check`, () => {
      expect(files.length).toBeGreaterThanOrEqual(3);
    });

    for (const f of files) {
      it(`accepts ${dir}/${f}, with and without --strict, under QEMU ${release}'s rules`, async () => {
        for (const strict of [false, true]) {
          const r = await checkTraceFile(join(SAMPLES, dir, f), { strict });
          expect(r.violations).toEqual([]);
          expect(r.warnings).toEqual([]);
          expect(r.ok).toBe(true);
          expect(r.release).toBe(release);
          expect(r.releaseFrom).toBe('greeting');
          expect(r.messages).toBeGreaterThan(10);
        }
      });
    }
  }
});

const corpora = ['qemu-7.2', 'qemu-10.0'].map((d) => join(import.meta.dirname, '..', '..', 'traces', d)).filter((d) => existsSync(d));

describe.skipIf(corpora.length === 0)("the project's recorded corpora (traces/qemu-*)", () => {
  it('accepts every recorded session under --strict', async () => {
    const { results, errors } = await checkFiles(corpora, { strict: true });
    expect(errors).toEqual([]);
    expect(results.length).toBeGreaterThan(0);
    for (const r of results) expect(r.violations, r.file).toEqual([]);
  });
});
