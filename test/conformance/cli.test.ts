/** `qjob check` and `qjob coverage`, run in-process: output formats and exit codes. */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { change, status } from './support/mutate.ts';
import { sample, SAMPLES } from './support/trace.ts';
import { runQjob } from '../support/cli.ts';

let dir: string;
let good: string;
let bad: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qjob-cli-'));
  await mkdir(join(dir, 'nested', 'deeper'), { recursive: true });
  good = join(dir, 'nested', 'deeper', 'good.jsonl');
  bad = join(dir, 'bad.jsonl');
  const lines = sample('7.2', 'backup_af1_ad1_defaults');
  await writeFile(good, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  const broken = change(lines, status('j0', 'waiting'), (m) => ((m['data'] as Record<string, unknown>)['status'] = 'ready'));
  await writeFile(bad, broken.map((l) => JSON.stringify(l)).join('\n') + '\n');
  await writeFile(join(dir, 'notes.txt'), 'not a trace');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const run = runQjob;

describe('qjob check', () => {
  it('exits 0 on conforming traces and ends with "<N> passed, <M> failed"', async () => {
    const r = await run('check', join(SAMPLES, 'qemu-7.2'), join(SAMPLES, 'qemu-10.0'));
    expect(r.code).toBe(0);
    expect(r.out.trimEnd().split('\n').at(-1)).toBe('11 passed, 0 failed');
  });

  it('walks directories recursively for *.jsonl, *.out and *.log only', async () => {
    const r = await run('check', join(dir, 'nested'));
    expect(r.code).toBe(0);
    expect(r.out).toContain('good.jsonl');
    expect(r.out).toContain('1 passed, 0 failed');
  });

  it('exits 1 and names file:line, job, rule and what was allowed', async () => {
    const r = await run('check', dir);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${bad}:9: job 'j0': [ready-impossible]`);
    expect(r.out).toContain('allowed: ');
    expect(r.out.trimEnd().split('\n').at(-1)).toBe('1 passed, 1 failed');
  });

  it('prints JSON with passed, failed and one result per trace', async () => {
    const r = await run('check', '--format', 'json', bad, good);
    expect(r.code).toBe(1);
    const json = JSON.parse(r.out) as { passed: number; failed: number; results: { file: string; ok: boolean; violations: { rule: string; line: number }[]; warnings: unknown[] }[] };
    expect(json.passed).toBe(1);
    expect(json.failed).toBe(1);
    expect(json.results.map((x) => x.ok)).toEqual([false, true]);
    expect(json.results[0]!.violations[0]).toMatchObject({ rule: 'ready-impossible', line: 9, file: bad });
  });

  it('prints JUnit XML with one testcase per trace', async () => {
    const r = await run('check', '--format', 'junit', bad, good);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^<\?xml/);
    expect(r.out.match(/<testcase /g)).toHaveLength(2);
    expect(r.out).toContain('<failure message="');
    expect(r.out).toContain('tests="2" failures="1"');
  });

  it('exits 2 on unusable input, naming file:line', async () => {
    const junk = join(dir, 'junk.jsonl');
    await writeFile(junk, '{"dir":"recv","t":0,"msg":{}}\nnot json\n');
    const r = await run('check', junk, good);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`qjob: ${junk}:2: not JSON`);
    await rm(junk);
  });

  it('exits 2 for a missing path, an empty directory and a bad --release', async () => {
    const empty = join(dir, 'empty');
    await mkdir(empty, { recursive: true });
    expect((await run('check', join(dir, 'nope'))).code).toBe(2);
    const e = await run('check', empty);
    expect(e.code).toBe(2);
    expect(e.err).toContain('no trace files');
    const rel = await run('check', '--release', '1.0', good);
    expect(rel.code).toBe(2);
    expect(rel.err).toContain('--release');
  });

  it('applies --release and --strict', async () => {
    expect((await run('check', '--release', '7.2', join(SAMPLES, 'qemu-10.0', 'change_stream.jsonl'))).code).toBe(1);
    expect((await run('check', '--strict', good)).code).toBe(0);
  });
});

describe('qjob coverage', () => {
  it('prints the JobSTT edges and the (status, verb) grid', async () => {
    const r = await run('coverage', join(SAMPLES, 'qemu-7.2'));
    expect(r.code).toBe(0);
    expect(r.out).toContain('JobSTT edges exercised:');
    expect(r.out).toMatch(/ready → standby\s+2/);
    expect(r.out).toContain('(status, verb) cells exercised:');
  });

  it('prints JSON with --json', async () => {
    const r = await run('coverage', '--json', join(SAMPLES, 'qemu-7.2', 'mirror_matrix_standby.jsonl'));
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as { traces: number; edges: { from: string; to: string; count: number }[]; cells: { status: string; verb: string; accepted: number; refused: number }[] };
    expect(json.traces).toBe(1);
    expect(json.edges.find((e) => e.from === 'standby' && e.to === 'ready')?.count).toBe(2);
    expect(json.cells.find((c) => c.status === 'standby' && c.verb === 'pause')).toMatchObject({ accepted: 0, refused: 2 });
    expect(json.cells.find((c) => c.status === 'pending' && c.verb === 'finalize')).toMatchObject({ accepted: 1, refused: 0 });
  });
});

describe('qjob check says what it judged', () => {
  it('prints what was read and judged, and the rules not applied for lack of input', async () => {
    const r = await run('check', good);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/judged: \d+ messages, \d+ commands with replies, \d+ verb replies, \d+ refusals, \d+ queries, \d+ status events/);
    const json = JSON.parse((await run('check', '--format', 'json', good)).out) as { results: { judged: { statusEvents: number }; notApplied: { input: string; rules: string[] }[] }[] };
    expect(json.results[0]!.judged.statusEvents).toBeGreaterThan(0);
    expect(json.results[0]!.notApplied.map((n) => n.input)).not.toContain('status-events');
  });

  it('exits 2 naming a file in which nothing about jobs could be judged', async () => {
    const empty = join(dir, 'nothing.out');
    await writeFile(empty, 'QA output created by a test that printed no QMP\n{"return": {}}\n');
    const r = await run('check', empty);
    expect(r.code).toBe(2);
    expect(r.err).toContain('nothing.out');
    expect(r.err).toContain('nothing to judge');
  });

  it('lists the rules a log without status events could not apply', async () => {
    const log = join(dir, 'no-status.log');
    await writeFile(log, '{"data": {"device": "d", "len": 4, "offset": 4, "speed": 0, "type": "mirror"}, "event": "BLOCK_JOB_READY"}\n');
    const r = await run('check', log);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/not applied \(no status-events.*illegal-transition/);
  });
});
