import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkTraceFile } from '../../conformance/index.ts';
import { findMutant } from '../../mutants/index.ts';
import { modelTarget } from '../../server/index.ts';
import { formatVerifyText, verify } from '../../verify/index.ts';

const root = path.resolve(import.meta.dirname, '../..');

function qjob(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/qjob.js'), ...args], { encoding: 'utf8', cwd: os.tmpdir(), timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('qjob verify', () => {
  for (const release of ['7.2', '10.0']) {
    it(`passes against the model server as QEMU ${release} and reaches at least 40 (status, verb) cells`, async () => {
      const report = await verify({ target: modelTarget({ release }), runs: 100, seed: 11, failureDir: null });
      expect(report.failures).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.runs).toBe(100);
      expect(report.coverage.cells.length).toBeGreaterThanOrEqual(40);
      expect(report.coverage.edges.length).toBe(report.coverage.edgeTotal);
    }, 60_000);
  }

  it('catches a faulty server, shrinks the failure, writes its session and prints how to replay it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qjob-verify-test-'));
    try {
      const mutant = findMutant('waiting-skipped')!;
      const target = modelTarget({ release: '10.0', hooks: mutant.hooks, name: 'mutant' });
      const report = await verify({ target, targetSpec: 'mutant', runs: 50, seed: 3, failureDir: dir });
      expect(report.ok).toBe(false);
      const f = report.failures[0]!;
      expect(f.violations.map((v) => v.rule)).toContain('illegal-transition');
      expect(f.actions.length).toBeLessThanOrEqual(3);
      expect(f.replay).toBe(`npx qjob verify --target mutant --seed 3 --path "${f.path}"`);
      const checked = await checkTraceFile(f.traceFile!);
      expect(checked.ok).toBe(false);
      expect(checked.violations.map((v) => v.rule)).toContain('illegal-transition');
      // The seed and path replay the shrunk scenario, and only it.
      const again = await verify({ target, runs: 50, seed: 3, path: f.path, failureDir: null });
      expect(again.runs).toBe(1);
      expect(again.failures[0]!.scenario.steps).toEqual(f.scenario.steps);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('writes a failing session into a new folder of the system temporary folder by default, never into the current folder', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'qjob-verify-test-'));
    const saved = process.env['TMPDIR'];
    const before = fs.readdirSync(process.cwd());
    process.env['TMPDIR'] = tmp;
    try {
      const mutant = findMutant('waiting-skipped')!;
      const report = await verify({ target: modelTarget({ release: '10.0', hooks: mutant.hooks, name: 'mutant' }), runs: 20, seed: 3, shrinkBudgetMs: 10_000 });
      const file = report.failures[0]!.traceFile!;
      expect(path.dirname(path.dirname(file))).toBe(tmp);
      expect(path.basename(file)).toBe('verify-failure-3.jsonl');
      expect(formatVerifyText(report)).toContain(`trace: ${file}`);
      expect(fs.readdirSync(process.cwd())).toEqual(before);
    } finally {
      if (saved === undefined) delete process.env['TMPDIR'];
      else process.env['TMPDIR'] = saved;
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }, 60_000);

  it('prints JSON with ok, runs, seed, coverage cells and edges, failures, and one result per run', () => {
    const r = qjob(['verify', '--runs', '5', '--seed', '9', '--format', 'json']);
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ ok: true, runs: 5, seed: 9, failures: [] });
    expect(json['results']).toEqual([1, 2, 3, 4, 5].map((run) => ({ run, seed: 9, ok: true })));
    const coverage = json['coverage'] as { cells: unknown[][]; edges: unknown[][] };
    expect(coverage.cells.length).toBeGreaterThan(0);
    expect(coverage.cells[0]).toHaveLength(2);
    expect(coverage.edges[0]).toHaveLength(2);
    expect(r.stderr).toBe('');
  }, 60_000);

  it('prints JUnit XML with one test case per run', () => {
    const r = qjob(['verify', '--runs', '3', '--seed', '9', '--format', 'junit']);
    expect(r.status).toBe(0);
    expect(r.stdout.match(/<testcase /g)).toHaveLength(3);
  }, 60_000);

  it('lists a failing run as not ok among the results', async () => {
    const mutant = findMutant('waiting-skipped')!;
    const report = await verify({ target: modelTarget({ release: '10.0', hooks: mutant.hooks }), runs: 20, seed: 3, shrink: false, failureDir: null });
    const run = report.failures[0]!.run;
    expect(report.results.map((x) => x.run)).toEqual(Array.from({ length: run }, (_, k) => k + 1));
    expect(report.results.filter((x) => !x.ok)).toEqual([{ run, seed: 3, ok: false }]);
  }, 60_000);

  it('splits the runs into shards that together run each run once, with the same results and coverage', async () => {
    const target = modelTarget({ release: '10.0' });
    const whole = await verify({ target, runs: 12, seed: 5, failureDir: null });
    const shards = await Promise.all([1, 2, 3].map((index) => verify({ target, runs: 12, seed: 5, shard: { index, count: 3 }, failureDir: null })));
    expect(shards.map((r) => r.runs)).toEqual([4, 4, 4]);
    expect(shards[1]!.results.map((x) => x.run)).toEqual([2, 5, 8, 11]);
    const union = shards.flatMap((r) => r.results).sort((a, b) => a.run - b.run);
    expect(union).toEqual(whole.results);
    const cells = new Set(shards.flatMap((r) => r.coverage.cells.map((c) => c.join(' '))));
    expect([...cells].sort()).toEqual(whole.coverage.cells.map((c) => c.join(' ')).sort());
  }, 60_000);

  it('refuses a malformed --shard, and --shard without --seed, with exit code 2', () => {
    const bad = qjob(['verify', '--runs', '3', '--seed', '1', '--shard', '4/3']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--shard: expected k/n with 1 <= k <= n, not '4/3'");
    const unseeded = qjob(['verify', '--runs', '3', '--shard', '1/2']);
    expect(unseeded.status).toBe(2);
    expect(unseeded.stderr).toContain('--shard: give --seed');
  }, 60_000);

  it('refuses bad usage with exit code 2', () => {
    expect(qjob(['verify', '--path', '1:2']).status).toBe(2);
    expect(qjob(['verify', '--target', 'nosuch:x']).status).toBe(2);
    expect(qjob(['verify', '--runs', '0']).status).toBe(2);
  }, 60_000);
});
