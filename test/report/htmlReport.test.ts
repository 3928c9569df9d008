/**
 * The HTML report without a browser: the statuses the checker gives each job after every message
 * (TraceChecker.jobStatuses through conformance/checkedSession.ts), the page's text (escaped, inline,
 * long sessions cut around their violations), page names, and `qjob check` / `qjob verify` writing pages
 * and naming them in text, JSON and JUnit. test/report/reportPage.test.ts opens the pages in Chromium.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pageFileName } from '../../cli/reportPages.ts';
import { TraceChecker } from '../../conformance/checker.ts';
import { checkSessionFile, checkSessionLines } from '../../conformance/checkedSession.ts';
import { indexHtml, sessionHtml } from '../../conformance/htmlReport.ts';
import { RuleCatalog } from '../../conformance/index.ts';
import type { QmpMessage, TraceLine } from '../../traces/format.ts';
import { runQjob } from '../support/cli.ts';
import { scratchFolder } from '../support/scratch.ts';

const LIBVIRT = 'test/fixtures/libvirt/two-vms.log';
const BROKEN = 'test/fixtures/report/two-vms-broken.log';
const BAD_VM = `${BROKEN}#mon=0x7f3dc4005740`;
const GOOD_VM = `${BROKEN}#mon=0x7f3dc4005d00`;
const COPY = 'copy-vdb-libvirt-1-format';

const scratch = scratchFolder('qjob-report-test-');

const GREETING: QmpMessage = { QMP: { version: { qemu: { major: 7, minor: 2, micro: 0 }, package: '' }, capabilities: [] } };
const status = (id: string, s: string): QmpMessage => ({ event: 'JOB_STATUS_CHANGE', data: { id, status: s }, timestamp: { seconds: 1, microseconds: 0 } });

/** A session in memory: send for commands, recv for the rest, t in steps of 10 ms. */
function session(...msgs: QmpMessage[]): TraceLine[] {
  return msgs.map((msg, i) => ({ dir: 'execute' in msg ? 'send' : 'recv', t: i / 100, msg }));
}

/** A backup job `id` that runs to its end and is dismissed, refused a pause in `concluded` on the way. */
function backup(id: string): TraceLine[] {
  return session(
    GREETING,
    { execute: 'qmp_capabilities', id: 'c1' },
    { return: {}, id: 'c1' },
    { execute: 'blockdev-backup', arguments: { 'job-id': id, device: 'src', target: 'dst', sync: 'full', 'auto-dismiss': false }, id: 'c2' },
    status(id, 'created'),
    status(id, 'running'),
    { return: {}, id: 'c2' },
    status(id, 'waiting'),
    status(id, 'pending'),
    { event: 'BLOCK_JOB_COMPLETED', data: { device: id, len: 1, offset: 1, speed: 0, type: 'backup' }, timestamp: { seconds: 1, microseconds: 0 } },
    status(id, 'concluded'),
    { execute: 'job-pause', arguments: { id }, id: 'c3' },
    { error: { class: 'GenericError', desc: `Job '${id}' in state 'concluded' cannot accept command verb 'pause'` }, id: 'c3' },
    { execute: 'job-dismiss', arguments: { id }, id: 'c4' },
    status(id, 'null'),
    { return: {}, id: 'c4' },
  );
}

describe("the checker's job statuses", () => {
  it('gives each job its status after every message: unseen, then each status event, then null once dismissed', () => {
    const checker = new TraceChecker({ freshQemu: true });
    const seen: string[] = [];
    backup('b0').forEach((line, i) => {
      checker.push(line, i + 1);
      seen.push(checker.jobStatuses().get('b0') ?? '-');
    });
    expect(checker.end().ok).toBe(true);
    expect(seen).toEqual(['-', '-', '-', '-', 'created', 'running', 'running', 'waiting', 'pending', 'pending', 'concluded', 'concluded', 'concluded', 'concluded', 'null', 'null']);
  });

  it('gives a job adopted from a query answer the status listed, and forgets the jobs of a previous QEMU', () => {
    const checker = new TraceChecker();
    const lines = session(GREETING, { execute: 'query-jobs', id: 'q' }, { return: [{ id: 'old', type: 'mirror', status: 'ready', 'current-progress': 1, 'total-progress': 1 }], id: 'q' });
    lines.forEach((line, i) => checker.push(line, i + 1));
    expect(checker.jobStatuses()).toEqual(new Map([['old', 'ready']]));
    checker.push({ dir: 'recv', t: 1, msg: GREETING }, 4);
    expect(checker.jobStatuses()).toEqual(new Map());
  });

  it('has no status for a job only a BLOCK_JOB_* event showed, in a release without status events', () => {
    const checker = new TraceChecker();
    const old: QmpMessage = { QMP: { version: { qemu: { major: 2, minor: 12, micro: 0 }, package: '' }, capabilities: [] } };
    session(old, { event: 'BLOCK_JOB_READY', data: { device: 'm', len: 1, offset: 1, speed: 0, type: 'mirror' }, timestamp: { seconds: 1, microseconds: 0 } }).forEach((line, i) => checker.push(line, i + 1));
    expect(checker.jobStatuses()).toEqual(new Map([['m', undefined]]));
  });
});

describe('a checked session', () => {
  it('keeps every message with its kind, the jobs it names and a lane per job', () => {
    const s = checkSessionLines([...backup('b0')], { freshQemu: true });
    expect(s.lanes).toEqual(['b0']);
    expect(s.lines.map((l) => l.kind)).toEqual(['greeting', 'command', 'reply', 'command', 'event', 'event', 'reply', 'event', 'event', 'event', 'event', 'command', 'error', 'command', 'event', 'reply']);
    expect(s.lines[3]).toMatchObject({ line: 4, name: 'blockdev-backup', touches: [0], statuses: [''] });
    expect(s.lines[12]).toMatchObject({ name: 'GenericError', touches: [0], statuses: ['concluded'] });
    expect(s.lines[1]).toMatchObject({ name: 'qmp_capabilities', touches: [] });
    expect(s.lines[4]!.brief).toBe('{"id":"b0","status":"created"}');
  });

  it('reads each VM of a real libvirt log apart, with the verdict of each: the real log passes, its broken copy fails on one VM', async () => {
    const real = await runQjob('check', LIBVIRT);
    expect(real.code).toBe(0);
    expect(real.out).toMatch(/^ok {3}test\/fixtures\/libvirt\/two-vms\.log#mon=0x7f3dc4005740 \(QEMU 7\.2\)$/m);
    expect(real.out).toMatch(/^ok {3}test\/fixtures\/libvirt\/two-vms\.log#mon=0x7f3dc4005d00 \(QEMU 7\.2\)$/m);
    const broken = await runQjob('check', BROKEN);
    expect(broken.code).toBe(1);
    expect(broken.out).toContain(`FAIL ${BAD_VM} (QEMU 7.2)`);
    expect(broken.out).toContain(`${BAD_VM}:310: job '${COPY}': [illegal-transition] 'ready' → 'pending' is not an edge of JobSTT`);
    expect(broken.out).toContain(`ok   ${GOOD_VM} (QEMU 7.2)`);
  });

  it('gives the same verdict as the checker, and the statuses around the broken line of the libvirt log', async () => {
    const s = await checkSessionFile(BROKEN, { format: 'libvirt', session: '0x7f3dc4005740' });
    expect(s.result.file).toBe(BAD_VM);
    expect(s.result.violations.map((v) => [v.rule, v.line])).toEqual([['illegal-transition', 310]]);
    const lane = s.lanes.indexOf(COPY);
    expect(lane).toBeGreaterThanOrEqual(0);
    const at = (line: number): string | undefined => s.lines.find((l) => l.line === line)?.statuses[lane];
    expect(at(304)).toBe('ready');
    expect(at(310)).toBe('pending');
    expect(s.lines.find((l) => l.line === 310)?.t).toBeCloseTo(Date.parse('2026-12-04T15:49:08.533Z') / 1000, 3);
  });
});

describe('the page', () => {
  it('escapes every text of the trace: a hostile job id and error text stay text', () => {
    const evil = `"><script>alert(1)</script><img src=x onerror=alert(2)>`;
    const lines = backup(evil);
    lines.push({ dir: 'recv', t: 1, msg: status(evil, 'running') });
    const s = checkSessionLines(lines, { freshQemu: true });
    expect(s.result.ok).toBe(false);
    const html = sessionHtml(s);
    expect(html.match(/<script>/g)).toHaveLength(1);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;');
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'`);
    expect(html).not.toMatch(/<(link|iframe|object|embed)\b|src=["']?http|href=["']?http/);
  });

  it("names the first violation's rule, its catalogue explanation and what the model allowed", async () => {
    const s = await checkSessionFile(BROKEN, { format: 'libvirt', session: '0x7f3dc4005740' });
    const html = sessionHtml(s);
    expect(html).toContain('<span class="verdict" id="verdict">rejected</span>');
    expect(html).toContain('class="k-event violation first"');
    expect(html).toContain('from &#39;ready&#39;: standby, waiting, aborting');
    const summary = RuleCatalog['illegal-transition'].summary.replace(/`([^`]*)`/g, '<code>$1</code>').replace(/'/g, '&#39;');
    expect(html).toContain(summary);
    expect(html).toContain('JobSTT allows next: standby, waiting, aborting');
  });

  it('shows a session longer than maxRows by its start, its end and the lines around the violation', () => {
    const lines: TraceLine[] = [...backup('b0')];
    for (let k = 0; k < 3000; k++) lines.push({ dir: k % 2 === 0 ? 'send' : 'recv', t: 1, msg: k % 2 === 0 ? { execute: 'query-jobs', id: `q${k}` } : { return: [], id: `q${k - 1}` } });
    lines.push({ dir: 'recv', t: 2, msg: status('b0', 'running') });
    for (let k = 0; k < 3000; k++) lines.push({ dir: k % 2 === 0 ? 'send' : 'recv', t: 3, msg: k % 2 === 0 ? { execute: 'query-jobs', id: `r${k}` } : { return: [], id: `r${k - 1}` } });
    const s = checkSessionLines(lines, { freshQemu: true });
    const bad = s.result.violations[0]!.line;
    expect(bad).toBe(16 + 3000 + 1);
    const html = sessionHtml(s, { maxRows: 2000 });
    expect(html).toContain(`id="line-${bad}"`);
    expect(html).toContain('id="line-1"');
    expect(html).toContain(`id="line-${lines.length}"`);
    expect(html.includes('id="line-1500"')).toBe(false);
    expect(html).toMatch(/… \d+ message\(s\) not shown, lines 1001 to \d+ …/);
    expect(sessionHtml(s, { maxRows: 10_000 }).includes('id="line-1500"')).toBe(true);
  });

  it('draws at most 64 job lanes, those of the violations among them', () => {
    const msgs: QmpMessage[] = [GREETING];
    for (let k = 0; k < 70; k++) {
      msgs.push({ execute: 'blockdev-backup', arguments: { 'job-id': `j${k}`, device: `src${k}`, target: `dst${k}`, sync: 'full' }, id: `c${k}` });
      msgs.push(status(`j${k}`, 'created'), status(`j${k}`, 'running'), { return: {}, id: `c${k}` });
    }
    msgs.push(status('j69', 'created'));
    const s = checkSessionLines(session(...msgs), { freshQemu: true });
    expect(s.lanes).toHaveLength(70);
    expect(s.result.violations.map((v) => v.job)).toContain('j69');
    const html = sessionHtml(s);
    const heads = [...html.matchAll(/<th class="lane-head" data-lane="(\d+)"/g)].map((m) => Number(m[1]));
    expect(heads).toHaveLength(64);
    expect(heads).toContain(69);
    expect(heads).not.toContain(63);
    expect(html).toContain('70 job lane(s) (64 drawn: the jobs of violations and the first to appear)');
    // Lines that change no status share the previous line's cells.
    const quiet = s.lines.findIndex((l, i) => i > 0 && l.kind === 'reply');
    expect(s.lines[quiet]!.statuses).toBe(s.lines[quiet - 1]!.statuses);
  });

  it('lists sessions on the index with their verdicts and first violations, linked to their pages', () => {
    const html = indexHtml('qjob check', [
      { name: 'a<b>.jsonl', page: 'a_b_.jsonl.html', ok: true, release: '7.2', messages: 3, violations: 0 },
      { name: 'c.jsonl', page: 'c.jsonl.html', ok: false, release: '10.0', messages: 9, violations: 2, first: { line: 4, rule: 'illegal-transition', message: "'ready' → 'pending'", msg: '', allowed: '' } },
    ]);
    expect(html).toContain('<a href="a_b_.jsonl.html">a&lt;b&gt;.jsonl</a>');
    expect(html).toContain('1 passed, 1 failed');
    expect(html).toContain('line 4: <code>illegal-transition</code>');
  });
});

describe('page names', () => {
  it('keep letters, digits, dot, dash and underscore only, never a folder, each name once', () => {
    const used = new Set<string>(['index.html']);
    expect(pageFileName('../../etc/passwd', used)).toBe('etc_passwd.html');
    expect(pageFileName('traces/a.jsonl', used)).toBe('traces_a.jsonl.html');
    expect(pageFileName('traces/a.jsonl', used)).toBe('traces_a.jsonl-2.html');
    expect(pageFileName('TRACES/A.JSONL', used)).toBe('TRACES_A.JSONL-3.html');
    expect(pageFileName('log#mon=0x7f', used)).toBe('log_mon_0x7f.html');
    expect(pageFileName('index', used)).toBe('session_index.html');
    expect(pageFileName('/', used)).toBe('session_.html');
    expect(pageFileName('x'.repeat(500), used).length).toBeLessThanOrEqual(120);
  });
});

describe('qjob check --format html and --html-dir', () => {
  it('writes the one session checked as a page to stdout', async () => {
    const r = await runQjob('check', '--format', 'html', 'test/fixtures/samples/qemu-7.2/mirror_defaults_complete.jsonl');
    expect(r.code).toBe(0);
    expect(r.out.startsWith('<!doctype html>')).toBe(true);
    expect(r.out).toContain('<span class="verdict" id="verdict">accepted</span>');
    expect(r.out.match(/<html/g)).toHaveLength(1);
  });

  it('refuses several sessions on stdout, naming --html-dir (exit 2)', async () => {
    const r = await runQjob('check', '--format', 'html', BROKEN);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--format html: 2 sessions');
    expect(r.err).toContain('--html-dir');
    expect(r.out).toBe('');
  });

  it('writes a page per session and an index, and the text report names each page', async () => {
    const dir = join(scratch.dir, 'html');
    const r = await runQjob('check', '--format', 'html', '--html-dir', dir, BROKEN);
    expect(r.code).toBe(1);
    expect(readdirSync(dir).sort()).toEqual(['index.html', 'test_fixtures_report_two-vms-broken.log_mon_0x7f3dc4005740.html', 'test_fixtures_report_two-vms-broken.log_mon_0x7f3dc4005d00.html']);
    const bad = join(dir, 'test_fixtures_report_two-vms-broken.log_mon_0x7f3dc4005740.html');
    expect(r.out).toContain(`FAIL ${BAD_VM} (QEMU 7.2)\n  report: ${bad}\n`);
    expect(r.out).toContain(`html: ${join(dir, 'index.html')}\n`);
    expect(readFileSync(bad, 'utf8')).toContain('rejected');
    const index = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(index).toContain('href="test_fixtures_report_two-vms-broken.log_mon_0x7f3dc4005740.html"');
    expect(index).toContain('1 passed, 1 failed');
  });

  it("links each JUnit failure to its session's page and attaches it; JSON names every page", async () => {
    const dir = join(scratch.dir, 'junit');
    const junit = await runQjob('check', '--format', 'junit', '--html-dir', dir, BROKEN);
    expect(junit.code).toBe(1);
    const page = join(dir, 'test_fixtures_report_two-vms-broken.log_mon_0x7f3dc4005740.html');
    expect(junit.out).toContain(`<failure message="1 violation; first: [illegal-transition] line 310" type="conformance">report: ${page}\n`);
    expect(junit.out).toContain(`[[ATTACHMENT|${page}]]`);
    expect(junit.out.match(/\[\[ATTACHMENT\|/g)).toHaveLength(2);
    expect(existsSync(page)).toBe(true);
    const json = await runQjob('check', '--format', 'json', '--html-dir', join(scratch.dir, 'json'), BROKEN);
    const results = (JSON.parse(json.out) as { results: { file: string; report?: string }[] }).results;
    expect(results.map((x) => x.report)).toEqual([
      join(scratch.dir, 'json', 'test_fixtures_report_two-vms-broken.log_mon_0x7f3dc4005740.html'),
      join(scratch.dir, 'json', 'test_fixtures_report_two-vms-broken.log_mon_0x7f3dc4005d00.html'),
    ]);
  });

  it('says which folder it cannot write, with exit 2 and no stack trace', async () => {
    const file = await scratch.file('not-a-folder', 'x');
    const r = await runQjob('check', '--html-dir', file, BROKEN);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`qjob: --html-dir ${file}: cannot write the pages: EEXIST`);
    expect(r.err).not.toContain('    at ');
  });

  it('names no page without --html-dir', async () => {
    const r = await runQjob('check', '--format', 'junit', BROKEN);
    expect(r.code).toBe(1);
    expect(r.out).toContain('<failure message="1 violation; first: [illegal-transition] line 310"');
    expect(r.out).not.toContain('report:');
    expect(r.out).not.toContain('ATTACHMENT');
  });
});
