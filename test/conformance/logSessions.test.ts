/**
 * iotests logs as QEMU's own test suite prints them: one log may hold several QEMU processes (unittest
 * test cases, relaunched VMs), and many print no JOB_STATUS_CHANGE at all. Each fixture is accepted as
 * written; each edit that makes it impossible is rejected.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFiles, checkLines, checkMessages, checkTraceFile, type CheckResult } from '../../conformance/index.ts';
import { judgedAnything } from '../../conformance/result.ts';
import type { TraceLine } from '../../traces/format.ts';
import { LogReader } from '../../traces/iotests.ts';

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

describe('bash iotests logs: statuses the harness held back', () => {
  // common.qemu prints only the events a test waits for among those named in $capture_events.
  const name = 'held-back-bash.out';
  const lines = read(name);
  const blank = (...ns: number[]) => lines.map((l, i) => (ns.includes(i + 1) ? '' : l));
  const edit = (n: number, text: string) => lines.map((l, i) => (i + 1 === n ? text : l));
  const after = (n: number, text: string) => [...lines.slice(0, n), text, ...lines.slice(n)];
  const applied = (r: CheckResult) => r.warnings.filter((w) => w.rule === 'held-back-events').map((w) => `${w.message.split('applied as reachability: ')[1]}@${w.line}`);

  it('accepts a ready left out before BLOCK_JOB_READY and jobs first seen in mid-life, naming the rule applied as reachability', async () => {
    const r = await checkTraceFile(join(LOGS, name), { release: '10.0' });
    expect(rules(r)).toEqual([]);
    expect(applied(r)).toEqual([
      'block-job-ready-unexpected@13',
      'illegal-transition@18',
      'event-for-unknown-job@47',
      'first-status-not-created@51',
      'first-status-not-created@71',
    ]);
    expect(r.judged).toMatchObject({ statusEvents: 23, blockEvents: 6, queries: 1, logClaims: 1 });
  });

  it('judges the same messages as complete in a log of the Python harness', async () => {
    const python = lines.map((l) => l.replace('{"seconds":  TIMESTAMP, "microseconds":  TIMESTAMP}', '{"microseconds": "USECS", "seconds": "SECS"}'));
    const r = await check(python);
    expect(rules(r)).toEqual(expect.arrayContaining(['block-job-ready-unexpected@13', 'illegal-transition@18', 'event-for-unknown-job@47', 'first-status-not-created@71']));
    expect(warned(r, 'held-back-events')).toEqual([]);
  });

  it('ignores the bash mark in a wire trace', () => {
    const found: TraceLine[] = [];
    const reader = new LogReader(name, (line) => found.push(line));
    lines.forEach((l, i) => reader.line(l, i + 1));
    reader.end();
    expect(found.every((l) => l.harness === 'bash' || !('event' in l.msg))).toBe(true);
    const r = checkMessages(found, { style: 'wire', release: '10.0' });
    expect(r.violations.map((v) => v.rule)).toEqual(expect.arrayContaining(['block-job-ready-unexpected', 'illegal-transition']));
    expect(warned(r, 'held-back-events')).toEqual([]);
  });

  it('rejects a status no walk reaches from the last one printed, and BLOCK_JOB_READY of a job that cannot be ready', async () => {
    const r = await checkTraceFile(join(LOGS, 'held-back-unreachable-bash.out'), { release: '10.0' });
    expect(rules(r)).toEqual(['block-job-ready-unexpected@13', 'illegal-transition@17']);
    // Left out only: pending follows running through waiting.
    expect(applied(r)).toEqual(['illegal-transition@14']);
  });

  it('rejects a repeat of a status on no cycle, a second READY, and a completion event after concluded', async () => {
    expect(rules(await check(after(22, lines[21]!)))).toEqual(['illegal-transition@23']);
    expect(rules(await check(after(47, lines[46]!)))).toEqual(['block-job-ready-unexpected@48']);
    expect(rules(await check(edit(74, lines[74]!).map((l, i) => (i + 1 === 75 ? lines[73]! : l))))).toEqual(['block-event-out-of-place@75']);
  });

  it('accepts a repeat of a status on a cycle: the statuses between were left out', async () => {
    const r = await check(after(19, lines[18]!));
    expect(rules(r)).toEqual([]);
    expect(applied(r)).toContain('illegal-transition@20');
  });

  it("rejects a job's first status other than created unless an accepted creating command was printed", async () => {
    expect(rules(await check(blank(62, 63, 64, 65, 66, 67)))).toEqual(['first-status-not-created@71']);
    const refused = '{"error": {"class": "GenericError", "desc": "Cannot find device=\'src-fmt\' nor node-name=\'src-fmt\'"}}';
    expect(rules(await check(edit(67, refused)))).toEqual(['first-status-not-created@71']);
  });

  it('rejects a status after null with no new creating command', async () => {
    const running = lines[10]!;
    expect(rules(await check(after(23, running)))).toEqual(['event-after-null@24']);
  });

  it('knows a job first seen from a BLOCK_JOB_* event even without its creating command', async () => {
    const r = await check(blank(39, 40, 41, 42, 43, 44, 45, 46));
    expect(rules(r)).toEqual([]);
    expect(applied(r)).toContain('event-for-unknown-job@47');
  });

  it('judges a query answer against the statuses the job may still pass through', async () => {
    const query = (status: string) => [
      '{"execute": "query-jobs"}',
      `{"return": [{"current-progress": 1024, "id": "s0", "status": "${status}", "total-progress": 1024, "type": "stream"}]}`,
    ];
    const at = (status: string) => [...lines.slice(0, 35), ...query(status), ...lines.slice(35)];
    expect(rules(await check(at('pending')))).toEqual([]);
    // Neither printed nor reachable from 'pending': the job never showed it.
    expect(rules(await check(at('running')))).toEqual(['query-status-mismatch@37']);
  });
});
