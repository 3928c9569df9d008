/**
 * `qjob check` at scale: `--shard k/n` (the shards together do the unsharded work), `--jobs N` (the
 * same report on N threads, from the sources and from the bundle) and `qjob merge` (the shards'
 * reports put together, with the combined exit code).
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectShard } from '../../cli/shard.ts';
import { checkFiles } from '../../conformance/index.ts';
import { checkFilesInParallel } from '../../conformance/parallel.ts';
import { change, status } from '../conformance/support/mutate.ts';
import { sample } from '../conformance/support/trace.ts';
import { runQjob } from '../support/cli.ts';

const root = resolve(import.meta.dirname, '..', '..');

interface Report {
  passed: number;
  failed: number;
  results: { file: string; ok: boolean }[];
  errors?: { file: string; line: number; message: string }[];
  shard: { k: number; n: number; files: number; selected: number; paths: string[] };
}

let dir: string;
/** bad.jsonl (violates a rule), junk.jsonl (unusable) and a link to a trace outside the folder (not followed: unusable). */
let fixtures: string;
/** A few conforming traces of the corpus, named one by one: small inputs for merge. */
let few: string[];

const run = runQjob;

async function report(...argv: string[]): Promise<{ code: number; json: Report }> {
  const r = await run('check', '--format', 'json', ...argv);
  return { code: r.code, json: JSON.parse(r.out) as Report };
}

async function save(name: string, text: string): Promise<string> {
  const file = join(dir, 'reports', name);
  await writeFile(file, text);
  return file;
}

beforeAll(async () => {
  // Relative paths below (traces, the shard keys) are relative to the repository.
  process.chdir(root);
  dir = await mkdtemp(join(tmpdir(), 'qjob-scale-'));
  fixtures = join(dir, 'fixtures');
  await mkdir(fixtures);
  await mkdir(join(dir, 'reports'));
  await mkdir(join(dir, 'elsewhere'));
  const lines = sample('7.2', 'backup_af1_ad1_defaults');
  const broken = change(lines, status('j0', 'waiting'), (m) => ((m['data'] as Record<string, unknown>)['status'] = 'ready'));
  await writeFile(join(fixtures, 'bad.jsonl'), broken.map((l) => JSON.stringify(l)).join('\n') + '\n');
  await writeFile(join(fixtures, 'junk.jsonl'), '{"dir":"recv","t":0,"msg":{}}\nnot json\n');
  await writeFile(join(dir, 'elsewhere', 'good.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  await symlink(join(dir, 'elsewhere', 'good.jsonl'), join(fixtures, 'outside.jsonl'));
  few = (await readdir('traces/qemu-10.0')).filter((f) => f.endsWith('.jsonl')).slice(0, 5).map((f) => `traces/qemu-10.0/${f}`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('--shard k/n', () => {
  it('refuses anything but k/n with 1 <= k <= n, and a --jobs that is not a positive integer, with exit 2', async () => {
    for (const bad of ['0/3', '4/3', '3', '1/0', 'a/b', '-1/2']) {
      const r = await run('check', '--shard', bad, few[0]!);
      expect(r.code, bad).toBe(2);
      expect(r.err, bad).toContain(`--shard: expected k/n`);
      expect(r.out, bad).toBe('');
    }
    expect((await run('coverage', '--shard', '3/2', few[0]!)).code).toBe(2);
    for (const bad of ['0', '-2', '1.5', 'two']) {
      const r = await run('check', '--jobs', bad, few[0]!);
      expect(r.code, bad).toBe(2);
      expect(r.err, bad).toContain('--jobs: expected a positive integer');
    }
  });

  it('deals the files round-robin in order of their path relative to the working directory, however the paths are spelled', () => {
    const files = ['traces/b.jsonl', './traces/a.jsonl', join(root, 'traces', 'c.jsonl'), 'traces/sub/a.jsonl'];
    // Sorted: traces/a, traces/b, traces/c, traces/sub/a; shard 1/2 takes the 1st and 3rd, in the given order.
    expect(selectShard(files, { index: 1, count: 2 }, root)).toEqual(['./traces/a.jsonl', join(root, 'traces', 'c.jsonl')]);
    expect(selectShard(files, { index: 2, count: 2 }, root)).toEqual(['traces/b.jsonl', 'traces/sub/a.jsonl']);
    expect(selectShard(files, undefined, root)).toEqual(files);
    expect(selectShard(['x/b', 'x/a'], { index: 1, count: 2 }, '/elsewhere')).toEqual(['x/a']);
  });

  it('together checks each file of traces/ once, with the verdicts and unusable inputs of the unsharded run', async () => {
    const whole = await report('--jobs', '1', 'traces', fixtures);
    // What the comparison stands on: conforming, failing and unusable inputs.
    expect(whole.code).toBe(2);
    expect(whole.json.passed).toBeGreaterThan(200);
    expect(whole.json.failed).toBe(1);
    expect(whole.json.errors?.map((e) => e.file).sort()).toEqual([join(fixtures, 'junk.jsonl'), join(fixtures, 'outside.jsonl')]);
    expect(whole.json.shard).toMatchObject({ k: 1, n: 1, selected: whole.json.shard.files });

    const n = 3;
    const parts = [];
    for (let k = 1; k <= n; k++) parts.push(await report('--jobs', '1', '--shard', `${k}/${n}`, 'traces', fixtures));
    const byFile = (a: { file: string }, b: { file: string }) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0);
    expect(parts.flatMap((p) => p.json.results).sort(byFile)).toEqual([...whole.json.results].sort(byFile));
    // The link outside the folder is a problem of the path given, reported by every shard; junk.jsonl by its own.
    const errors = parts.flatMap((p) => p.json.errors ?? []);
    expect(errors.filter((e) => e.file.endsWith('outside.jsonl'))).toHaveLength(n);
    expect(errors.filter((e) => e.file.endsWith('junk.jsonl'))).toHaveLength(1);
    const sizes = parts.map((p) => p.json.shard.selected);
    expect(sizes.reduce((a, b) => a + b)).toBe(whole.json.shard.files);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(parts.map((p) => p.json.shard)).toEqual(sizes.map((selected, i) => ({ ...whole.json.shard, k: i + 1, n, selected })));
    expect(Math.max(...parts.map((p) => p.code))).toBe(whole.code);
  });

  it('splits qjob coverage as it splits qjob check: the shards count the whole', async () => {
    const edges = async (...argv: string[]) => {
      const r = await run('coverage', '--json', ...argv, 'traces/qemu-5.2');
      const json = JSON.parse(r.out) as { traces: number; edges: { from: string; to: string; count: number }[] };
      return { traces: json.traces, count: new Map(json.edges.map((e) => [`${e.from}>${e.to}`, e.count])) };
    };
    const whole = await edges();
    const one = await edges('--shard', '1/2');
    const two = await edges('--shard', '2/2');
    expect(one.traces + two.traces).toBe(whole.traces);
    expect(one.traces).toBeGreaterThan(0);
    expect(two.traces).toBeGreaterThan(0);
    for (const [edge, count] of whole.count) expect(one.count.get(edge)! + two.count.get(edge)!, edge).toBe(count);
  });
});

describe('--jobs N', () => {
  it('prints byte for byte what --jobs 1 prints, in text, JSON and JUnit', async () => {
    const paths = ['traces/qemu-5.2', fixtures];
    for (const format of ['text', 'json', 'junit']) {
      const one = await run('check', '--format', format, '--jobs', '1', ...paths);
      const two = await run('check', '--format', format, '--jobs', '2', ...paths);
      expect(two, format).toEqual(one);
      expect(one.code).toBe(2);
    }
  });

  it('checks on worker threads alone, with the results of checkFiles in the same order', async () => {
    const files = [...few, join(fixtures, 'bad.jsonl'), join(fixtures, 'junk.jsonl'), ...few.slice(0, 2)];
    const inThreads = await checkFilesInParallel(files, {}, { jobs: 2, callerChecks: false });
    expect(inThreads.checkedBy[0]).toBe(0);
    expect(inThreads.checkedBy.reduce((a, b) => a + b)).toBe(files.length);
    const here = await checkFiles(files);
    expect(inThreads.results).toEqual(here.results);
    expect(inThreads.errors.map((e) => e.message)).toEqual(here.errors.map((e) => e.message));
    expect(inThreads.results.map((r) => r.ok)).toEqual([true, true, true, true, true, false, true, true]);
  });

  it('works from the bundle that scripts/build.mjs writes, its worker bundle included', () => {
    const node = (args: string[]) => spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 60_000 });
    const built = node(['scripts/build.mjs']);
    expect(built.status, built.stderr).toBe(0);
    const paths = JSON.stringify(['traces/qemu-5.2', fixtures]);
    const check = (jobs: string) => node(['-e', `import('./dist/qjob.mjs').then((m) => m.main(['check', '--format', 'json', '--jobs', '${jobs}', ...${paths}])).then((c) => { process.exitCode = c; })`]);
    const one = check('1');
    const two = check('2');
    expect(one.status, one.stderr).toBe(2);
    expect(JSON.parse(one.stdout)).toMatchObject({ failed: 1 });
    expect({ status: two.status, stdout: two.stdout, stderr: two.stderr }).toEqual({ status: one.status, stdout: one.stdout, stderr: one.stderr });
    // The worker bundle, with the files left to its threads.
    const files = JSON.stringify([...few, join(fixtures, 'bad.jsonl')]);
    const alone = node([
      '-e',
      `import('./dist/check-worker.mjs').then((m) => m.checkFilesInParallel(${files}, {}, { jobs: 2, callerChecks: false })).then((r) => console.log(JSON.stringify([r.checkedBy, r.results.map((x) => x.ok)])))`,
    ]);
    expect(alone.status, alone.stderr).toBe(0);
    const [checkedBy, oks] = JSON.parse(alone.stdout) as [number[], boolean[]];
    expect(checkedBy[0]).toBe(0);
    expect(checkedBy.reduce((a, b) => a + b)).toBe(6);
    expect(oks).toEqual([true, true, true, true, true, false]);
  });
});

describe('qjob merge', () => {
  /** Reports of the shards of `paths`, shard k in `formats[k - 1]`. */
  async function shards(name: string, paths: string[], formats: ('json' | 'junit')[]): Promise<string[]> {
    const files = [];
    for (const [i, format] of formats.entries()) {
      const r = await run('check', '--jobs', '1', '--format', format, '--shard', `${i + 1}/${formats.length}`, ...paths);
      files.push(await save(`${name}-${i + 1}.${format === 'json' ? 'json' : 'xml'}`, r.out));
    }
    return files;
  }

  it('exits 0 when the shards all conform, 1 on a violation and 2 on unusable input, JSON and JUnit mixed', async () => {
    const good = await run('merge', ...(await shards('good', few, ['json', 'junit', 'json'])));
    expect(good.code).toBe(0);
    expect(good.out).toContain(`plan ${few.join(' ')} (3 shards, 5 files): complete`);
    expect(good.out.trimEnd().split('\n').at(-1)).toBe('5 passed, 0 failed, 0 unusable (3 reports)');

    const bad = await run('merge', ...(await shards('bad', [...few, join(fixtures, 'bad.jsonl')], ['junit', 'json'])));
    expect(bad.code).toBe(1);
    // bad.jsonl sorts first (../../tmp/... before traces/...): shard 1, the JUnit report.
    expect(bad.out).toMatch(/^FAIL .*\/fixtures\/bad\.jsonl: \d+ violations; first: \[ready-impossible\] line 9$/m);
    expect(bad.out.trimEnd().split('\n').at(-1)).toBe('5 passed, 1 failed, 0 unusable (2 reports)');

    const junk = await run('merge', ...(await shards('junk', [...few, fixtures], ['json', 'junit', 'junit'])));
    expect(junk.code).toBe(2);
    // The link outside the folder, reported by every shard, counts once.
    expect(junk.out.trimEnd().split('\n').at(-1)).toBe('5 passed, 1 failed, 2 unusable (3 reports)');
    expect(junk.out).toContain(`unusable: ${join(fixtures, 'junk.jsonl')}:2: not JSON`);
  });

  it('exits 2 naming a missing shard, a repeated shard, or a file in two shards', async () => {
    const [one, two, three] = await shards('plan', few, ['json', 'json', 'junit']);
    const missing = await run('merge', one!, three!);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('shard 2/3 missing');
    expect(missing.out).toContain('incomplete');

    const twice = await run('merge', one!, two!, three!, two!);
    expect(twice.code).toBe(2);
    expect(twice.err).toContain(`shard 2/3 given 2 times (${two}, ${two})`);

    // Shard 1 of a split in 2 and shard 2 of a split in 3 of the same files: two plans, neither complete.
    const [half] = await shards('half', few, ['json', 'json']);
    const mixed = await run('merge', half!, two!);
    expect(mixed.code).toBe(2);
    expect(mixed.err).toContain('shard 2/2 missing');
    expect(mixed.err).toContain('shards 1/3, 3/3 missing');

    // A report edited to claim another shard's files.
    const forged = JSON.parse((await run('check', '--format', 'json', '--jobs', '1', '--shard', '1/3', ...few)).out) as Report;
    forged.shard.k = 2;
    const overlap = await run('merge', one!, await save('forged.json', JSON.stringify(forged)), three!);
    expect(overlap.code).toBe(2);
    expect(overlap.err).toMatch(/checked by both .*plan-1\.json and .*forged\.json/);
  });

  it('exits 2 on a report that is cut short, not a report, or missing, and still counts the others', async () => {
    const [one, two] = await shards('cut', few, ['json', 'junit']);
    const full = (await run('check', '--format', 'junit', '--jobs', '1', '--shard', '2/2', ...few)).out;
    const cutXml = await save('cut.xml', full.slice(0, full.lastIndexOf('</testsuite>')));
    const cutJson = await save('cut.json', '{"passed": 2, "failed": 0, "results": [');
    const notReport = await save('other.json', '{"results": 3}');
    for (const [bad, says] of [
      [cutXml, 'not a qjob check JUnit report: no closing </testsuite>'],
      [cutJson, 'not JSON'],
      [notReport, 'not a qjob check JSON report'],
      [join(dir, 'absent.json'), 'cannot read: ENOENT'],
    ] as const) {
      const r = await run('merge', one!, bad);
      expect(r.code, bad).toBe(2);
      expect(r.err, bad).toContain(`qjob: ${bad}: ${says}`);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
    const whole = await run('merge', one!, two!);
    expect(whole.code).toBe(0);
  });
});
