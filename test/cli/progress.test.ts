/**
 * The live progress line (cli/progress.ts): drawn on a terminal only, rewritten in place and cleared at
 * the end; and the long-running commands draw it through that helper.
 */
/* eslint-disable no-control-regex -- the line's escape sequences are what these tests look for */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startProgress, type ProgressStream } from '../../cli/progress.ts';
import { runQjob } from '../support/cli.ts';
import { describeQemu } from '../support/qemu.ts';
import { scratchFolder } from '../support/scratch.ts';

const scratch = scratchFolder('qjob-progress-');

class FakeStream implements ProgressStream {
  readonly chunks: string[] = [];
  constructor(
    readonly isTTY: boolean,
    readonly columns = 80,
  ) {}
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }
  get text(): string {
    return this.chunks.join('');
  }
}

/** A clock the test moves. */
function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 0;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

describe('startProgress', () => {
  it('rewrites one line in place on a terminal and clears it at the end', () => {
    const stream = new FakeStream(true);
    const c = clock();
    const p = startProgress('qjob check', { stream, now: c.now, delayMs: 0, intervalMs: 100 });
    expect(p.live).toBe(true);
    p.count(1, 3, 'files');
    c.advance(100);
    p.count(2, 3, 'files', 'a.jsonl');
    p.done();
    expect(stream.chunks).toEqual(['\r\x1b[Kqjob check: 1/3 files', '\r\x1b[Kqjob check: 2/3 files (a.jsonl)', '\r\x1b[K']);
    p.done();
    expect(stream.chunks).toHaveLength(3);
  });

  it('writes nothing at all when the stream is not a terminal', () => {
    const stream = new FakeStream(false);
    const p = startProgress('qjob check', { stream, delayMs: 0, intervalMs: 0 });
    expect(p.live).toBe(false);
    p.update('1/2');
    p.count(2, 2, 'files');
    p.done();
    expect(stream.chunks).toEqual([]);
  });

  it('draws nothing before the delay, at most once per interval, and always the last step', () => {
    const stream = new FakeStream(true);
    const c = clock();
    const p = startProgress('x', { stream, now: c.now, delayMs: 1000, intervalMs: 100 });
    p.count(1, 10);
    c.advance(999);
    p.count(2, 10);
    expect(stream.chunks).toEqual([]);
    c.advance(1);
    p.count(3, 10);
    c.advance(50);
    p.count(4, 10);
    p.count(10, 10);
    p.done();
    expect(stream.chunks).toEqual(['\r\x1b[Kx: 3/10', '\r\x1b[Kx: 10/10', '\r\x1b[K']);
  });

  it('leaves a quick run without any output, not even the clearing sequence', () => {
    const stream = new FakeStream(true);
    const p = startProgress('x', { stream, now: () => 0, delayMs: 1000 });
    p.count(1, 1);
    p.done();
    expect(stream.chunks).toEqual([]);
  });

  it("cuts the line to the terminal's width and escapes control characters from names", () => {
    const stream = new FakeStream(true, 30);
    const p = startProgress('qjob replay', { stream, now: () => 0, delayMs: 0 });
    p.update('replaying \x1b]0;title\x07 and a very long name');
    const line = stream.chunks[0]!.slice('\r\x1b[K'.length);
    expect(line).toHaveLength(29);
    expect(line).not.toMatch(/[\x00-\x1f]/);
    expect(line).toContain('\\e]0;');
  });

  it('takes a terminal that reports no width (0 columns) as 80 wide', () => {
    const stream = new FakeStream(true, 0);
    const p = startProgress('qjob explore', { stream, now: () => 0, delayMs: 0 });
    p.update(`states ${'1,234,567 '.repeat(10)}`);
    expect(stream.chunks[0]!.slice('\r\x1b[K'.length)).toHaveLength(79);
  });

  it('writes text above the live line and draws the line again after it', () => {
    const stream = new FakeStream(true);
    const out = new FakeStream(false);
    const c = clock();
    const p = startProgress('x', { stream, now: c.now, delayMs: 0, intervalMs: 0 });
    p.write('before any line\n', out);
    p.update('1/2');
    p.write('ok a.jsonl\n', out);
    p.done();
    expect(out.chunks).toEqual(['before any line\n', 'ok a.jsonl\n']);
    expect(stream.chunks).toEqual(['\r\x1b[Kx: 1/2', '\r\x1b[K', '\r\x1b[Kx: 1/2', '\r\x1b[K']);
  });

  it('passes text straight through when the stream is not a terminal', () => {
    const stream = new FakeStream(false);
    const p = startProgress('x', { stream });
    p.write('ok a\n');
    expect(stream.chunks).toEqual(['ok a\n']);
  });
});

describe('the long-running commands', () => {
  const stderr = process.stderr as { isTTY?: boolean };
  const wasTTY = stderr.isTTY;
  afterEach(() => {
    stderr.isTTY = wasTTY;
    vi.restoreAllMocks();
  });

  /** Runs qjob with stderr taken for a terminal or not and a clock that moves a second per reading. */
  async function run(tty: boolean, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    stderr.isTTY = tty;
    let t = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => (t += 1000));
    return runQjob(...argv);
  }

  const commands: [string, string[], RegExp][] = [
    ['check of a folder', ['check', '--jobs', '1', 'test/fixtures/samples/qemu-7.2'], /\r\x1b\[Kqjob check: \d+\/\d+ files/],
    ['check on threads', ['check', '--jobs', '2', 'test/fixtures/samples/qemu-10.0'], /\r\x1b\[Kqjob check: \d+\/\d+ files/],
    ['coverage of a folder', ['coverage', 'test/fixtures/samples/qemu-7.2'], /\r\x1b\[Kqjob coverage: \d+\/\d+ files/],
    ['mutants', ['mutants', '--only', 'table-pause-in-waiting', '--runs', '5', '--jobs', '1'], /\r\x1b\[Kqjob mutants: 1\/1 mutants \(table-pause-in-waiting: (killed|survived)\)/],
    ['replay of several traces', ['replay', '--target', 'model', 'traces/qemu-7.2/backup_af0_ad0.jsonl', 'traces/qemu-7.2/amend_qcow2.jsonl'], /\r\x1b\[Kqjob replay: [01]\/2 traces/],
    ['verify', ['verify', '--runs', '3', '--seed', '9'], /\r\x1b\[Kqjob verify: 3\/3 runs, 0 failing, \d+ cells, \d+ edges/],
    ['check-mutants', ['check-mutants', '--operator', 'status-skip', '--sample', '3', 'test/fixtures/samples/qemu-7.2'], /\r\x1b\[Kqjob check-mutants: 3\/3 mutants checked/],
  ];

  describeQemu('7.2', (qemu) => {
    it('record-corpus: its log lines stay, the live line counts the scenarios done; nothing but the log otherwise', async () => {
      const argv = ['record-corpus', '--qemu', qemu.path, '--only', 'create_file', '--concurrency', '1'];
      const live = await run(true, ...argv, '--out', `${scratch.dir}/live`);
      expect(live.code).toBe(0);
      expect(live.err).toContain('ok   create_file\n');
      expect(live.err).toMatch(/\r\x1b\[Kqjob record-corpus: 1 scenario\(s\) done, \d+ s\r\x1b\[Kqjob record-corpus: QEMU 7\.2/);
      const quiet = await run(false, ...argv, '--out', `${scratch.dir}/quiet`);
      expect(quiet.err).toMatch(/^ok {3}create_file\nqjob record-corpus: QEMU 7\.2\.\d+: 1 recorded, 0 failed/);
      expect(quiet.err).not.toContain('\r');
    }, 60_000);
  });

  for (const [what, argv, line] of commands) {
    it(`${what}: a live line on a terminal, cleared before the report; nothing otherwise`, async () => {
      const live = await run(true, ...argv);
      expect(live.err).toMatch(line);
      // Cleared: after the last `\r\x1b[K` comes nothing, or whole lines written once the live line is gone.
      const clear = '\r\x1b[K';
      const tail = live.err.slice(live.err.lastIndexOf(clear) + clear.length);
      expect(tail).toMatch(/^$|\n$/);
      expect(tail).not.toMatch(/^qjob [\w-]+: \d+\/\d+/);
      const quiet = await run(false, ...argv);
      expect(quiet.err).not.toContain('\r');
      expect(quiet.err).not.toContain('\x1b');
      // The same report either way (durations read the moved clock).
      const timeless = (text: string): string => text.replace(/\d+\.\d s\b/g, '… s');
      expect(timeless(quiet.out)).toBe(timeless(live.out));
    }, 60_000);
  }
});
