import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkFiles } from '../../conformance/index.ts';
import { readScenarioFile, ScenarioFileError } from '../../traces/scenarioFile.ts';
import { describeQemu, RELEASES } from '../support/qemu.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qjob-scenario-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, value: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

const qjob = (...args: string[]) => execFileSync(process.execPath, ['bin/qjob.js', ...args], { encoding: 'utf8', stdio: 'pipe' });

describe('scenario files', () => {
  it('reads a scenario as qjob paths writes it', () => {
    const file = write('ok.json', { name: 'ok_1', steps: [{ cmd: 'query-jobs' }, { wait: 'JOB_STATUS_CHANGE', data: { status: 'null' }, timeout: 5 }, { sleep: 0.1 }] });
    expect(readScenarioFile(file).steps).toHaveLength(3);
  });

  it('refuses a name that is not a plain file name, and steps of no known kind, naming the file', () => {
    expect(() => readScenarioFile(write('a.json', { name: '../escape', steps: [{ cmd: 'query-jobs' }] }))).toThrow(/a\.json: name must be a plain file name/);
    expect(() => readScenarioFile(write('b.json', { name: 'b', steps: [{ run: 'sh' }] }))).toThrow(/b\.json: steps\[0\] is none of/);
    expect(() => readScenarioFile(write('c.json', '{not json'))).toThrow(ScenarioFileError);
    expect(() => readScenarioFile(write('d.json', { name: 'd', steps: [] }))).toThrow(/non-empty/);
  });
});

for (const release of RELEASES) {
  describeQemu(release, (qemu) => {
    it('records the scenarios qjob paths writes against real QEMU, and the sessions conform', async () => {
      const scenarios = path.join(dir, `paths-${release}`);
      const out = path.join(dir, `traces-${release}`);
      // paths exits 1 when some edges are out of a client's reach (it names them); the scenarios are written all the same.
      const paths = spawnSync(process.execPath, ['bin/qjob.js', 'paths', '--cover', 'edges', '--out', scenarios], { encoding: 'utf8' });
      expect([0, 1]).toContain(paths.status);
      const files = fs.readdirSync(scenarios).filter((f) => f.endsWith('.json'));
      expect(files.length).toBeGreaterThan(0);
      qjob('record-corpus', '--qemu', qemu.path, '--out', out, '--scenario', ...files.map((f) => path.join(scenarios, f)));
      const traces = fs.readdirSync(out).filter((f) => f.endsWith('.jsonl'));
      expect(traces.length).toBe(files.length);
      const report = await checkFiles([out], { strict: true });
      expect(report.errors).toEqual([]);
      expect(report.results.filter((r) => !r.ok).map((r) => r.violations)).toEqual([]);
      expect(report.results).toHaveLength(traces.length);
    });
  });
}
