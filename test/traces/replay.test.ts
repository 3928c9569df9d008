import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main.ts';
import { formatReplay } from '../../cli/commands/replay.ts';
import { qemuTarget, type Target } from '../../targets/index.ts';
import { compareSessions, type NumberedLine } from '../../traces/compare.ts';
import type { MetaLine, TraceLine } from '../../traces/format.ts';
import { loadTrace, planReplay, replayTrace, ReplayInputError, vetCommand, type LoadedTrace, type ReplayResult } from '../../traces/replay.ts';
import { describeQemu, RELEASES } from '../support/qemu.ts';

const TRACES = path.join(import.meta.dirname, '..', '..', 'traces');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'qjob-replay-test-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function writeTrace(name: string, lines: readonly (TraceLine | MetaLine)[]): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, lines.map((l) => JSON.stringify(l) + '\n').join(''));
  return file;
}

function corpusFiles(release: string): string[] {
  const dir = path.join(TRACES, `qemu-${release}`);
  return fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort().map((f) => path.join(dir, f));
}

function numbered(lines: readonly TraceLine[]): NumberedLine[] {
  return lines.map((line, i) => ({ line, lineNo: i + 2 }));
}

/** A target that must never be opened: the trace is refused before anything starts. */
const untouchable: Target = {
  name: 'untouchable',
  open: () => {
    throw new Error('the target was opened');
  },
};

const greeting: TraceLine = { dir: 'recv', t: 0, msg: { QMP: { version: { qemu: { major: 7, minor: 2, micro: 22 }, package: '' }, capabilities: ['oob'] } } };
const send = (id: string, execute: string, args?: Record<string, unknown>): TraceLine => ({ dir: 'send', t: 0, msg: args === undefined ? { execute, id } : { execute, arguments: args, id } });
const ok = (id: string): TraceLine => ({ dir: 'recv', t: 0, msg: { return: {}, id } });
const status = (id: string, s: string): TraceLine => ({ dir: 'recv', t: 0, msg: { event: 'JOB_STATUS_CHANGE', data: { id, status: s }, timestamp: { seconds: 1, microseconds: 2 } } });

describe('replay input', () => {
  for (const [what, setup] of [
    ['a file name with ..', [{ 'qemu-img': 'create', format: 'raw', file: '../escape.raw', size: '1M' }]],
    ['an absolute file name', [{ blockdev: { driver: 'file', 'node-name': 'f', filename: '/etc/passwd' } }]],
    ['a json: pseudo-protocol', [{ blockdev: { driver: 'raw', 'node-name': 'r', file: { driver: 'file', filename: 'json:{"driver":"nbd"}' } } }]],
    ['a network driver', [{ blockdev: { driver: 'nbd', 'node-name': 'n', server: { type: 'inet', host: 'example.org', port: '10809' } } }]],
    ['an unknown step', [{ shell: 'touch /tmp/pwned' }]],
  ] as const) {
    it(`refuses a meta line whose set-up has ${what}, before starting the target`, async () => {
      const file = writeTrace('bad-setup.jsonl', [{ meta: { scenario: 'x', setup } as MetaLine['meta'] }, greeting, send('c1', 'qmp_capabilities'), ok('c1')]);
      const trace = await loadTrace(file);
      await expect(replayTrace(trace, untouchable)).rejects.toThrow(ReplayInputError);
    });
  }

  it('exits 2 on a set-up path traversal through the command line', async () => {
    const file = writeTrace('traversal.jsonl', [{ meta: { setup: [{ 'qemu-img': 'create', format: 'qcow2', file: 'a/../../b.qcow2', size: '1M' }] } }, greeting]);
    expect(await main(['replay', file, '--target', 'qemu'])).toBe(2);
  });

  for (const [what, command, args] of [
    ['a command outside the allowed set', 'object-add', { 'qom-type': 'secret', id: 's', file: 'x' }],
    ['a chardev', 'chardev-add', { id: 'c', backend: { type: 'file', data: { out: '/tmp/x' } } }],
    ['an export', 'block-export-add', { type: 'fuse', id: 'e', 'node-name': 'src', mountpoint: '/tmp/m' }],
    ['blockdev-add of an absolute file', 'blockdev-add', { driver: 'file', 'node-name': 'f', filename: '/etc/shadow' }],
    ['drive-backup to a file outside the folder', 'drive-backup', { device: 'src', target: '../../x.raw', sync: 'full' }],
    ['blockdev-create on a network driver', 'blockdev-create', { 'job-id': 'k', options: { driver: 'ssh', location: {}, size: 1 } }],
    ['a transaction with a snapshot file outside the folder', 'transaction', { actions: [{ type: 'blockdev-snapshot-sync', data: { 'node-name': 'src', 'snapshot-file': '/tmp/s.qcow2' } }] }],
  ] as const) {
    it(`refuses ${what}`, () => {
      expect(() => vetCommand(command, args, 'test')).toThrow(ReplayInputError);
    });
  }

  it('accepts the commands the corpus sends', async () => {
    for (const release of RELEASES) for (const file of corpusFiles(release)) expect(() => planReplay(trace(file))).not.toThrow();
    function trace(file: string): LoadedTrace {
      const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TraceLine | MetaLine);
      const meta = lines[0] !== undefined && 'meta' in lines[0] ? lines[0].meta : undefined;
      return { file, ...(meta === undefined ? {} : { meta }), lines: lines.filter((l): l is TraceLine => !('meta' in l)).map((line, i) => ({ line, lineNo: i + 2 })) };
    }
  });

  it('keeps pipelined commands pipelined and waits for the events the recording had seen', () => {
    const lines = [greeting, send('c1', 'qmp_capabilities'), ok('c1'), send('c2', 'blockdev-backup', { 'job-id': 'j0', device: 'src', target: 'dst', sync: 'full' }), send('c3', 'job-pause', { id: 'j0' }), status('j0', 'created'), status('j0', 'running'), ok('c2'), status('j0', 'paused'), ok('c3'), send('c4', 'query-jobs'), ok('c4')];
    const plan = planReplay({ file: 't', lines: numbered(lines) });
    expect(plan.steps.map((s) => s.command)).toEqual(['blockdev-backup', 'job-pause', 'query-jobs']);
    expect(plan.steps[1]!.afterReplies).toEqual([]);
    expect(plan.steps[2]!.afterReplies).toEqual(['c2', 'c3']);
    expect(plan.steps[2]!.afterEvents.get('j0')).toEqual(['created', 'running', 'paused']);
  });
});

describe('comparing a replay with its recording', () => {
  const recording = [greeting, send('c1', 'qmp_capabilities'), ok('c1'), send('c2', 'blockdev-backup', { 'job-id': 'j0' }), status('j0', 'created'), status('j0', 'running'), ok('c2'), send('c3', 'job-cancel', { id: 'j0' }), status('j0', 'aborting'), ok('c3'), status('j0', 'concluded'), status('j0', 'null')];

  it('ignores drain blips, timestamps and the place of replies among events', () => {
    const replay = [greeting, send('c1', 'qmp_capabilities'), ok('c1'), send('c2', 'blockdev-backup', { 'job-id': 'j0' }), status('j0', 'created'), status('j0', 'running'), status('j0', 'paused'), status('j0', 'running'), ok('c2'), send('c3', 'job-cancel', { id: 'j0' }), ok('c3'), status('j0', 'paused'), status('j0', 'running'), status('j0', 'aborting'), status('j0', 'concluded'), status('j0', 'null')];
    expect(compareSessions(numbered(recording), numbered(replay))).toEqual([]);
  });

  it('reports a reply that changed from success to error, with both sides', () => {
    const replay = recording.map((l) => (l.msg['id'] === 'c3' && l.dir === 'recv' ? { ...l, msg: { id: 'c3', error: { class: 'GenericError', desc: 'Job not found' } } } : l));
    const [first] = compareSessions(numbered(recording), numbered(replay));
    expect(first).toMatchObject({ subject: 'reply to job-cancel ("c3")', recorded: { lineNo: 11 }, replayed: { lineNo: 11 } });
  });

  it('reports a status that differs, at the recording line where it happens', () => {
    const replay = recording.map((l) => (l.msg['event'] !== undefined && (l.msg['data'] as { status: string }).status === 'aborting' ? status('j0', 'waiting') : l));
    const divergences = compareSessions(numbered(recording), numbered(replay));
    expect(divergences[0]).toMatchObject({ subject: "job 'j0'", recorded: { lineNo: 10 } });
    expect(divergences[0]!.message).toContain('the recording has aborting, the replay waiting');
  });

  it('compares error texts only when strict', () => {
    const replay = recording.map((l) => (l.msg['id'] === 'c3' && l.dir === 'recv' ? { ...l, msg: { id: 'c3', error: { class: 'GenericError', desc: 'other text' } } } : l));
    const withError = recording.map((l) => (l.msg['id'] === 'c3' && l.dir === 'recv' ? { ...l, msg: { id: 'c3', error: { class: 'GenericError', desc: 'Job not found' } } } : l));
    expect(compareSessions(numbered(withError), numbered(replay))).toEqual([]);
    expect(compareSessions(numbered(withError), numbered(replay), { strict: true })).toHaveLength(1);
  });

  it('accepts more from the replay when the recording ended with an unanswered command', () => {
    const prefix = recording.slice(0, 9);
    expect(compareSessions(numbered(prefix), numbered(recording))).toEqual([]);
  });
});

/** Replays files `concurrency` at a time; returns results by file and the time taken. */
async function replayAll(files: readonly string[], target: Target, concurrency: number): Promise<{ results: Map<string, ReplayResult | Error>; seconds: number }> {
  const results = new Map<string, ReplayResult | Error>();
  const started = Date.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let file = files[next++]; file !== undefined; file = files[next++]) {
      try {
        results.set(file, await replayTrace(await loadTrace(file), target, { unansweredWaitMs: 2000 }));
      } catch (error) {
        results.set(file, error as Error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { results, seconds: (Date.now() - started) / 1000 };
}

for (const release of RELEASES) {
  describeQemu(release, (qemu) => {
    const files = corpusFiles(release);
    const target = qemuTarget({ binary: qemu.path, graceMs: 300 });
    let results = new Map<string, ReplayResult | Error>();

    beforeAll(async () => {
      const run = await replayAll(files, target, 3);
      results = run.results;
      console.log(`qjob replay: ${files.length} QEMU ${release} corpus traces replayed against ${qemu.version} in ${run.seconds.toFixed(1)} s`);
    }, 300_000);

    it('replays a corpus that is there', () => {
      expect(files.length).toBeGreaterThanOrEqual(30);
      expect(results.size).toBe(files.length);
    });

    for (const file of files) {
      it(`replays ${path.basename(file)} with the same replies and job histories, and the replay conforms`, () => {
        const result = results.get(file);
        if (result instanceof Error) throw result;
        expect(result, 'not replayed').toBeDefined();
        if (!result!.ok) expect.fail(formatReplay(result!, { all: true }));
      });
    }

    it('reports the first divergence of a deliberately altered trace', async () => {
      const source = files.find((f) => path.basename(f) === 'backup_matrix_paused.jsonl')!;
      const lines = fs.readFileSync(source, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TraceLine | MetaLine);
      // QEMU refuses the second job-pause as "already paused"; the altered recording says it succeeded.
      let seen = 0;
      let alteredLine = 0;
      const altered = lines.map((l, i) => {
        if ('meta' in l || l.dir !== 'recv' || !('error' in l.msg)) return l;
        seen += 1;
        if (seen !== 1) return l;
        alteredLine = i + 1;
        return { ...l, msg: { return: {}, id: l.msg['id'] } };
      });
      const result = await replayTrace(await loadTrace(writeTrace('altered.jsonl', altered)), target);
      expect(result.ok).toBe(false);
      expect(result.divergences[0]).toMatchObject({ recorded: { lineNo: alteredLine } });
      expect(result.divergences[0]!.replayed?.msg).toHaveProperty('error');
      expect(formatReplay(result)).toMatch(/FAIL[\s\S]*recording .*altered\.jsonl:\d+[\s\S]*replay +replay:\d+/);
    });

    it('exits 0 through the command line for a corpus trace', async () => {
      const file = files.find((f) => path.basename(f) === 'mirror_defaults_complete.jsonl')!;
      expect(await main(['replay', file, '--target', `qemu:${qemu.path}`])).toBe(0);
    });

    it('replays a folder through the command line, and its shards together replay each trace once', async () => {
      const dir = path.join(tmp, `shard-${release}`);
      fs.mkdirSync(dir);
      const names = ['mirror_defaults_complete', 'backup_af1_ad1', 'errors_unknown_job', 'errors_job_ids'];
      for (const n of names) fs.copyFileSync(path.join(TRACES, `qemu-${release}`, `${n}.jsonl`), path.join(dir, `${n}.jsonl`));
      const okFiles = async (extra: string[]): Promise<{ code: number; ok: string[] }> => {
        const written: string[] = [];
        const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
          written.push(String(chunk));
          return true;
        });
        try {
          const code = await main(['replay', dir, '--target', `qemu:${qemu.path}`, ...extra]);
          return { code, ok: written.join('').split('\n').filter((l) => l.startsWith('ok   ')).map((l) => l.split(' ')[3]!) };
        } finally {
          spy.mockRestore();
        }
      };
      const whole = await okFiles(['--concurrency', '2']);
      expect(whole.code).toBe(0);
      expect(whole.ok).toEqual(names.map((n) => path.join(dir, `${n}.jsonl`)).sort());
      const shards = [await okFiles(['--shard', '1/2']), await okFiles(['--shard', '2/2'])];
      expect(shards.map((x) => x.code)).toEqual([0, 0]);
      expect(shards[0]!.ok.filter((f) => shards[1]!.ok.includes(f))).toEqual([]);
      expect([...shards[0]!.ok, ...shards[1]!.ok].sort()).toEqual(whole.ok);
    }, 60_000);
  });
}
