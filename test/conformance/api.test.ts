/** The programmatic entry points: TraceLine objects, text lines, files; release choice; caps. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLines, checkMessages, checkTraceFile, TraceChecker } from '../../conformance/index.ts';
import { UnknownReleaseError } from '../../machines/index.ts';
import type { TraceLine } from '../../traces/format.ts';
import { TraceInputError } from '../../traces/reader.ts';
import { change, remove, reply, sent, status } from './support/mutate.ts';
import { sample, Trace } from './support/trace.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'traces', 'iotests');

async function* asyncLines(lines: readonly string[]): AsyncGenerator<string> {
  for (const l of lines) yield l;
}

describe('checkMessages', () => {
  it('skips meta lines and counts lines from 1', () => {
    const lines = sample('7.2', 'backup_matrix_paused');
    const broken = change(lines, status('j0', 'running'), (m) => ((m['data'] as Record<string, unknown>)['status'] = 'ready'), 1);
    const r = checkMessages([{ meta: { scenario: 'x' } }, ...broken], { file: 'mem' });
    expect(r.ok).toBe(false);
    // line 8 of the file is line 9 here, behind the meta line
    expect(r.violations[0]).toMatchObject({ file: 'mem', line: 9, job: 'j0', rule: 'illegal-transition' });
  });

  it('takes the release from the greeting, or --release, or the latest when there is none', () => {
    const lines = sample('10.0', 'change_stream');
    expect(checkMessages(lines)).toMatchObject({ ok: true, release: '10.0', releaseFrom: 'greeting' });
    const as72 = checkMessages(lines, { release: '7.2' });
    expect(as72).toMatchObject({ ok: false, release: '7.2', releaseFrom: 'option' });
    expect(as72.violations[0]!.allowed).toContain('CommandNotFound');
    const bare = new Trace(null).lines();
    expect(checkMessages(bare)).toMatchObject({ ok: true, releaseFrom: 'latest' });
  });

  it('checks a 2.12 session, whose statuses show only in queries, without judging what it cannot know', () => {
    const t = new Trace(null);
    t.recv({ QMP: { version: { qemu: { major: 2, minor: 12, micro: 0 }, package: '' }, capabilities: [] } });
    t.call('qmp_capabilities');
    t.call('drive-backup', { device: 'drive0', target: '/x', sync: 'full', 'auto-dismiss': false });
    t.call('query-block-jobs', undefined, [{ device: 'drive0', type: 'backup', status: 'running', offset: 0, len: 1, paused: false, ready: false, busy: true, speed: 0, 'io-status': 'ok', 'auto-finalize': true, 'auto-dismiss': false }]);
    t.call('block-job-pause', { device: 'drive0' });
    t.err(t.send('block-job-pause', { device: 'drive0' }), 'Job is already paused');
    t.call('block-job-resume', { device: 'drive0' });
    t.completed('drive0', 'backup', undefined, 1);
    t.call('block-job-dismiss', { id: 'drive0' });
    const r = checkMessages(t.lines(), { strict: true });
    expect(r).toMatchObject({ release: '2.12', releaseFrom: 'greeting' });
    expect(r.violations).toEqual([]);
  });

  it('refuses an unknown --release at once', () => {
    expect(() => new TraceChecker({ release: '1.0' })).toThrow(UnknownReleaseError);
  });

  it('reports a greeting of an unmodelled release as unusable input', () => {
    const greeting: TraceLine = { dir: 'recv', t: 0, msg: { QMP: { version: { qemu: { major: 2, minor: 11, micro: 0 }, package: '' }, capabilities: [] } } };
    expect(() => checkMessages([greeting], { file: 'old.jsonl' })).toThrow(TraceInputError);
  });

  it('keeps at most maxViolations and counts the rest', () => {
    const t = new Trace('7.2');
    for (let i = 0; i < 10; i++) t.status(`x${i}`, 'running');
    const r = checkMessages(t.lines(), { maxViolations: 3 });
    expect(r.violations).toHaveLength(3);
    expect(r.moreViolations).toBe(7);
    expect(r.ok).toBe(false);
  });

  it('warns about a reply that answers nothing, and about a second session', () => {
    const t = new Trace('7.2').ok('c99');
    const r = checkMessages([...t.lines(), ...sample('7.2', 'create_file').slice(3), ...new Trace('10.0').lines()]);
    expect(r.ok).toBe(true);
    expect(r.warnings.map((w) => w.rule)).toEqual(['unmatched-reply', 'new-session']);
    expect(r.release).toBe('10.0');
  });

  it('ignores a repeated greeting before any job (a recorder artifact)', () => {
    const lines = sample('7.2', 'create_file');
    const r = checkMessages([lines[0]!, lines[1]!, lines[0]!, ...lines.slice(2)], { strict: true });
    expect(r.violations).toEqual([]);
    expect(r.warnings.map((w) => w.rule)).toEqual(['repeated-greeting']);
  });

  it('matches replies without an id by order', () => {
    const lines = sample('7.2', 'backup_matrix_paused').map((l) => {
      const { id: _id, ...msg } = l.msg;
      return { ...l, msg };
    });
    expect(checkMessages(lines, { strict: true }).violations).toEqual([]);
    const broken = change(sample('7.2', 'backup_matrix_paused'), reply('c8'), (m) => (delete m['error'], (m['return'] = {}))).map((l) => {
      const { id: _id, ...msg } = l.msg;
      return { ...l, msg };
    });
    expect(checkMessages(broken).violations.map((v) => v.rule)).toContain('verb-accepted-refused');
  });

  it('judges a verb command without its job name as an argument error', () => {
    const ok = new Trace('10.0');
    ok.err(ok.send('block-job-change', { type: 'mirror' }), "Parameter 'id' is missing");
    expect(checkMessages(ok.lines()).ok).toBe(true);
    const broken = change(ok.lines(), reply('c2'), (m) => (delete m['error'], (m['return'] = {})));
    expect(checkMessages(broken).violations.map((v) => v.rule)).toEqual(['verb-accepted-refused']);
  });

  it('expects CommandNotFound for job commands no release has', () => {
    const t = new Trace('10.0');
    t.err(t.send('job-change', { id: 'j0' }), 'The command job-change has not been found', 'CommandNotFound');
    t.err(t.send('job-set-speed', { id: 'j0', speed: 0 }), 'The command job-set-speed has not been found', 'CommandNotFound');
    expect(checkMessages(t.lines()).ok).toBe(true);
    const broken = change(t.lines(), reply('c2'), (m) => (delete m['error'], (m['return'] = {})));
    expect(checkMessages(broken).violations.map((v) => v.rule)).toEqual(['verb-accepted-refused']);
  });

  it('does not judge a verb command with arguments the model does not know', () => {
    const t = new Trace('7.2');
    t.err(t.send('job-pause', { id: 'x', bogus: 1 }), "Parameter 'bogus' is unexpected");
    expect(checkMessages(t.lines()).ok).toBe(true);
  });

  it('holds only live jobs and a bounded memory of dismissed ones', () => {
    const checker = new TraceChecker();
    const t = new Trace('7.2');
    for (let i = 0; i < 3000; i++) {
      const c = t.send('blockdev-create', { 'job-id': `k${i}`, options: { driver: 'file', filename: `/x/${i}`, size: 1 } });
      t.status(`k${i}`, 'created', 'running').ok(c).status(`k${i}`, 'waiting', 'pending', 'concluded');
      const d = t.send('job-dismiss', { id: `k${i}` });
      t.status(`k${i}`, 'null').ok(d);
    }
    t.lines().forEach((l, i) => checker.push(l, i + 1));
    expect(checker.stats()).toEqual({ liveJobs: 0, dismissedRemembered: 1024, pendingCommands: 0 });
    expect(checker.end().ok).toBe(true);
  });
});

describe('checkLines', () => {
  it('checks text lines from an async iterable', async () => {
    const text = sample('7.2', 'create_file').map((l) => JSON.stringify(l));
    expect(await checkLines(asyncLines(text), { strict: true })).toMatchObject({ ok: true, release: '7.2' });
    const broken = remove(sample('7.2', 'create_file'), sent('c11'), reply('c11')).map((l) => JSON.stringify(l));
    const r = await checkLines(broken, { file: 'lines' });
    expect(r.violations.map((v) => v.rule)).toContain('dismiss-without-command');
  });

  it('names the source for an unusable line', async () => {
    await expect(checkLines(['{"meta":{}}', 'nope'], { file: 'in.jsonl' })).rejects.toThrow('in.jsonl:2: not JSON');
  });

  it('reads iotests-style lines with style log', async () => {
    const r = await checkLines(['Launching VM...', '{"return": {}}', '{"data": {"id": "j", "status": "created"}, "event": "JOB_STATUS_CHANGE"}'], { style: 'log' });
    expect(r).toMatchObject({ ok: true, style: 'log', messages: 2 });
  });
});

describe('iotests-style files', () => {
  it('accepts a Python-style log whose events are printed after later replies', async () => {
    const r = await checkTraceFile(join(FIXTURES, 'mirror-python.out'));
    expect(r.violations).toEqual([]);
    expect(r.style).toBe('log');
  });

  it('accepts a bash-style log with TIMESTAMP and two sessions', async () => {
    expect((await checkTraceFile(join(FIXTURES, 'qsd-bash.log'))).violations).toEqual([]);
  });

  it('rejects an impossible status change in a log, naming file and line', async () => {
    const r = await checkTraceFile(join(FIXTURES, 'broken-transition.out'));
    expect(r.violations[0]).toMatchObject({ rule: 'illegal-transition', line: 12, job: 'job0' });
    expect(r.violations[0]!.file).toContain('broken-transition.out');
  });
});
