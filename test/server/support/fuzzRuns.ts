/**
 * The fuzz runs, sized by the caller: fuzz.test.ts (seconds, in `npm test`) and fuzz.deep.test.ts
 * (100,000 inputs and more, in the deep suite) register the same tests with different counts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FakeClock, listenQmp, ModelServer } from '../../../server/index.ts';
import { startRecorder } from '../../../traces/recorder.ts';
import { check, FUZZ_SEED, hostileStream, PROBE, recordableLines, sessionSurvives, socketClient, traceLines, wrongArgument, wrongArgumentRefused } from './fuzz.ts';

export interface FuzzSizes {
  /** In-process sessions fed hostile streams, per release. */
  readonly sessions: number;
  /** Wrongly typed commands, per release. */
  readonly arguments: number;
  /** Rounds of concurrent socket clients, and clients per round. */
  readonly rounds: number;
  readonly clients: number;
  /** Recorded sessions. */
  readonly recordings: number;
  /** Longest string and deepest nesting generated. */
  readonly maxString: number;
  readonly maxDepth: number;
  /** Heap growth allowed over the in-process runs, in bytes. */
  readonly heapBudget: number;
}

const RELEASES = ['7.2', '10.0', '11.1'];

export function registerFuzz(sizes: FuzzSizes, timeoutMs: number): void {
  describe(`fuzzing the model server and the recorder (QJOB_FUZZ_SEED=${FUZZ_SEED})`, () => {
    it('sessions survive hostile streams and answer after them, with bounded memory', async () => {
      globalThis.gc?.();
      const heapBefore = process.memoryUsage().heapUsed;
      for (const release of RELEASES) {
        await check(`sessions ${release}`, hostileStream(sizes.maxString, sizes.maxDepth), (chunks) => sessionSurvives(release, chunks), sizes.sessions);
      }
      globalThis.gc?.();
      expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(sizes.heapBudget);
    }, timeoutMs);

    it('every served command refuses a wrongly typed or unknown member with QEMU\'s error', async () => {
      for (const release of ['7.2', '10.0']) {
        await check(`arguments ${release}`, wrongArgument(release), (c) => wrongArgumentRefused(release, c), sizes.arguments);
      }
    }, timeoutMs);

    it('a server on a socket answers every one of many hostile clients and keeps running', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qjob-fuzz-'));
      const server = new ModelServer({ release: '7.2', clock: new FakeClock(), autoAdvance: false });
      const listening = await listenQmp(server, { kind: 'unix', path: path.join(dir, 'qmp.sock') });
      try {
        await check(
          'many clients',
          fc.array(hostileStream(sizes.maxString, sizes.maxDepth), { minLength: sizes.clients, maxLength: sizes.clients }),
          async (streams) => {
            await Promise.all(streams.map((chunks) => socketClient(path.join(dir, 'qmp.sock'), chunks)));
          },
          sizes.rounds,
        );
      } finally {
        await listening.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }, timeoutMs);

    it('the recorder passes hostile sessions through and loses no line of them', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qjob-fuzz-rec-'));
      const server = new ModelServer({ release: '7.2', clock: new FakeClock(), autoAdvance: false });
      const upstream = await listenQmp(server, { kind: 'unix', path: path.join(dir, 'qmp.sock') });
      let n = 0;
      try {
        await check(
          'recorder',
          hostileStream(sizes.maxString, sizes.maxDepth),
          async (chunks) => {
            n += 1;
            const out = path.join(dir, `t${n}.jsonl`);
            const sock = path.join(dir, `r${n}.sock`);
            const recorder = await startRecorder({ upstream: upstream.qmpAddress, listen: { kind: 'unix', path: sock }, out });
            try {
              await socketClient(sock, chunks);
              const summary = await recorder.done;
              if (summary.traceError !== undefined) throw new Error(summary.traceError);
              const lines = traceLines(out).slice(1);
              const sent = Buffer.concat([Buffer.from('{"execute":"qmp_capabilities"}\n'), ...chunks, PROBE]);
              const sends = lines.filter((l) => l['dir'] === 'send').length;
              if (sends !== recordableLines(sent)) throw new Error(`${sends} lines recorded as sent, ${recordableLines(sent)} sent`);
              if (!lines.some((l) => l['dir'] === 'recv' && (l['msg'] as Record<string, unknown>)['id'] === 'probe')) throw new Error('the reply to the probe is not in the trace');
            } finally {
              await recorder.stop();
              fs.rmSync(out, { force: true });
            }
          },
          sizes.recordings,
        );
      } finally {
        await upstream.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }, timeoutMs);
  });
}
