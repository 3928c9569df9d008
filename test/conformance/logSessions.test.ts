/**
 * iotests logs as QEMU's own test suite prints them: one log may hold several QEMU processes (unittest
 * test cases, relaunched VMs), and many print no JOB_STATUS_CHANGE at all. Each fixture is accepted as
 * written; each edit that makes it impossible is rejected.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFiles, checkLines, checkTraceFile, type CheckResult } from '../../conformance/index.ts';
import { judgedAnything } from '../../conformance/result.ts';

const LOGS = join(import.meta.dirname, '..', 'fixtures', 'logs');
const read = (name: string) => readFileSync(join(LOGS, name), 'utf8').split('\n');
const check = (lines: readonly string[]) => checkLines(lines, { file: 'log.out', style: 'log', release: '10.0' });
const rules = (r: CheckResult) => r.violations.map((v) => `${v.rule}@${v.line}`);
const warned = (r: CheckResult, rule: string) => r.warnings.filter((w) => w.rule === rule).map((w) => w.line);

describe('iotests logs: a session mark starts a fresh session', () => {
  const lines = read('unittest-same-id.out');

  it('accepts one job id in two unittest test cases, each with its own QEMU, keeping the release', async () => {
    const r = await checkTraceFile(join(LOGS, 'unittest-same-id.out'), { release: '10.0' });
    expect(rules(r)).toEqual([]);
    expect(r).toMatchObject({ ok: true, release: '10.0', releaseFrom: 'option' });
    expect(warned(r, 'new-session')).toEqual([4]);
    expect(r.judged).toMatchObject({ blockEvents: 3, verbReplies: 2 });
  });

  it('keeps the release a greeting chose across a test-case mark', async () => {
    const r = await checkLines(['{"QMP": {"version": {"qemu": {"major": 7, "minor": 2, "micro": 0}, "package": ""}, "capabilities": []}}', ...lines], { style: 'log' });
    expect(rules(r)).toEqual([]);
    expect(r).toMatchObject({ release: '7.2', releaseFrom: 'greeting' });
  });

  it('rejects the second BLOCK_JOB_READY when no mark separates the test cases', async () => {
    const r = await check(lines.map((l) => l.replace(/^\.\.\{/, '{')));
    expect(rules(r)).toEqual(['block-job-ready-unexpected@4']);
  });

  it('still judges each session: a second READY inside the second test case is rejected', async () => {
    const r = await check([...lines.slice(0, 4), lines[3]!.slice(2), ...lines.slice(4)]);
    expect(rules(r)).toEqual(['block-job-ready-unexpected@5']);
  });
});

describe('iotests logs without status events: creator and verb replies are judged', () => {
  const name = 'create-dismiss-no-events.out';
  const lines = read(name);

  it('accepts the log, counting its replies, with a warning naming the rules it could not apply', async () => {
    const { results, errors } = await checkFiles([join(LOGS, name)], { release: '10.0' });
    expect(errors).toEqual([]);
    const r = results[0]!;
    expect(rules(r)).toEqual([]);
    expect(r.judged).toMatchObject({ verbReplies: 2, creatorReplies: 2, statusEvents: 0 });
    const w = r.warnings.find((x) => x.rule === 'no-status-events');
    expect(w?.line).toBe(6);
    expect(w?.message).toContain('illegal-transition');
  });

  it('rejects a verb or creator reply that is not {}', async () => {
    expect(rules(await check(lines.map((l, i) => (i === 5 ? '{"return": {"id": "job0"}}' : l))))).toEqual(['malformed-message@6']);
    expect(rules(await check(lines.map((l, i) => (i === 3 ? '{"return": []}' : l))))).toEqual(['malformed-message@4']);
  });

  it('rejects an accepted job-dismiss in a release without it', async () => {
    const r = await checkLines(lines, { file: 'log.out', style: 'log', release: '2.12' });
    expect(rules(r)).toContain('not-in-release@6');
  });

  it('judges the verb table: a refusal naming a status that accepts the verb is rejected', async () => {
    const refusal = '{"error": {"class": "GenericError", "desc": "Job \'job0\' in state \'concluded\' cannot accept command verb \'dismiss\'"}}';
    expect(rules(await check(lines.map((l, i) => (i === 5 ? refusal : l))))).toEqual(['verb-error-state@6']);
  });

  it('a log whose only job QMP failed, or with none, is still nothing to judge (exit 2)', async () => {
    const refused = lines.map((l, i) => (i === 3 || i === 10 ? '{"error": {"class": "GenericError", "desc": "Could not create file"}}' : l)).filter((l) => !l.includes('dismiss') && !l.includes('"return"'));
    expect(judgedAnything((await check(refused)).judged)).toBe(false);
    expect(judgedAnything((await check(lines.filter((l) => !l.includes('job')))).judged)).toBe(false);
    expect(judgedAnything((await check(lines)).judged)).toBe(true);
  });
});

describe('iotests logs without status events: an auto-dismissed job frees its id when it concludes', () => {
  const lines = read('auto-dismiss-no-status.out');
  const ready = lines.find((l) => l.includes('BLOCK_JOB_READY'))!;
  const completed = lines.find((l) => l.includes('BLOCK_JOB_COMPLETED'))!;

  it('accepts three jobs named m one after another, with no command or status event printed', async () => {
    const r = await check(lines);
    expect(rules(r)).toEqual([]);
    expect(r.judged.blockEvents).toBe(5);
  });

  it('rejects a second READY of one job (no conclusion between)', async () => {
    expect(rules(await check([ready, ready]))).toEqual(['block-job-ready-unexpected@2']);
  });

  it('accepts a completion event after another: the second job ended before it was ready', async () => {
    expect(rules(await check([ready, completed, completed.replace('COMPLETED', 'CANCELLED')]))).toEqual([]);
  });

  it('a job created with auto-dismiss false keeps its id until job-dismiss', async () => {
    const creator = '{"execute": "blockdev-mirror", "arguments": {"auto-dismiss": false, "device": "d", "job-id": "m", "sync": "full", "target": "t"}}';
    const kept = [creator, '{"return": {}}', ready, completed, ready];
    expect(rules(await check(kept))).toEqual(['block-job-ready-unexpected@5']);
    expect(rules(await check([creator, '{"return": {}}', completed, completed]))).toEqual(['completed-and-cancelled@4']);
    const dismissed = [...kept.slice(0, 4), '{"execute": "job-dismiss", "arguments": {"id": "m"}}', '{"return": {}}', ready];
    expect(rules(await check(dismissed))).toEqual([]);
    expect(rules(await check([creator.replace('false', 'true'), '{"return": {}}', ready, completed, ready]))).toEqual([]);
  });
});
