/** The checker streams: a long synthetic session (the benchmark's) passes, with memory bounded by live jobs. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SyntheticTrace } from '../../bench/syntheticTrace.ts';
import { TraceChecker } from '../../conformance/index.ts';
import { readTrace } from '../../traces/reader.ts';

describe('streaming a long session', () => {
  it('accepts 100,000 lines with 64 jobs alive at once and keeps only live state', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qjob-stream-'));
    try {
      const path = join(dir, 's.jsonl');
      const written = await new SyntheticTrace(64, 7).write(path, 100_000);
      const checker = new TraceChecker({ file: path });
      let maxLive = 0;
      let maxPending = 0;
      await readTrace(path, (line, n) => {
        checker.push(line, n);
        if (n % 1000 === 0) {
          const s = checker.stats();
          maxLive = Math.max(maxLive, s.liveJobs);
          maxPending = Math.max(maxPending, s.pendingCommands);
        }
      });
      const r = checker.end();
      expect(r.violations).toEqual([]);
      expect(r.messages).toBe(written);
      expect(maxLive).toBeLessThanOrEqual(64);
      expect(maxPending).toBeLessThanOrEqual(1);
      expect(checker.stats().dismissedRemembered).toBeLessThanOrEqual(1024);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
