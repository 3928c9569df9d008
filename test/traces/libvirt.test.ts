/**
 * libvirt daemon logs (traces/libvirt.ts): real logs of libvirt 9.0 driving QEMU 7.2 (made by
 * scripts/libvirt-logs.sh, trimmed as docs/libvirt.md says), read one session per monitor and checked.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkFiles, checkTraceFile, type CheckResult } from '../../conformance/index.ts';
import type { TraceLine } from '../../traces/format.ts';
import { LibvirtLogReader } from '../../traces/libvirt.ts';
import { detectFormat, detectFormatOfText, libvirtSessions, readTrace, TraceInputError } from '../../traces/reader.ts';
import { runQjob } from '../support/cli.ts';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'libvirt');
const TWO_VMS = join(DIR, 'two-vms.log');
const RESTART = join(DIR, 'daemon-restart.log');
const DESTROYED = join(DIR, 'destroyed.log');

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'qjob-libvirt-test-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

type Read = { key: string; line: TraceLine; lineNo: number }[];

/** Reads log text given inline (one record a line), returning what the reader emitted. */
function readText(text: string, file = 'libvirtd.log'): Read {
  const out: Read = [];
  const reader = new LibvirtLogReader(file, (key, line, lineNo) => out.push({ key, line, lineNo }));
  text.split('\n').forEach((l, i) => reader.line(l, i + 1));
  reader.end();
  return out;
}

const T = '2026-12-04 15:47:19.850+0000';
const greeting = (thread: number): string => `${T}: ${thread}: debug : qemuMonitorJSONIOProcessLine:189 : Line [{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": ["oob"]}}]`;
const opened = (thread: number, mon: string): string => `${T}: ${thread}: info : qemuMonitorOpenInternal:647 : QEMU_MONITOR_NEW: mon=${mon} fd=30`;
const closed = (thread: number, mon: string): string => `${T}: ${thread}: info : qemuMonitorClose:782 : QEMU_MONITOR_CLOSE: mon=${mon}`;
const queued = (thread: number, mon: string, cmd: string): string => `${T}: ${thread}: info : qemuMonitorSend:861 : QEMU_MONITOR_SEND_MSG: mon=${mon} msg=${cmd}\n fd=-1`;
const written = (thread: number, mon: string, cmd: string, ret = cmd.length + 2, len = cmd.length + 2): string =>
  `${T}: ${thread}: info : qemuMonitorIOWrite:366 : QEMU_MONITOR_IO_WRITE: mon=${mon} buf=${cmd}\n len=${len} ret=${ret} errno=0`;
const replied = (thread: number, mon: string, reply: string): string =>
  `${T}: ${thread}: debug : qemuMonitorJSONIOProcessLine:189 : Line [${reply}]\n${T}: ${thread}: info : qemuMonitorJSONIOProcessLine:208 : QEMU_MONITOR_RECV_REPLY: mon=${mon} reply=${reply}`;
const event = (thread: number, mon: string, ev: string): string =>
  `${T}: ${thread}: debug : qemuMonitorJSONIOProcessLine:189 : Line [${ev}]\n${T}: ${thread}: info : qemuMonitorJSONIOProcessLine:203 : QEMU_MONITOR_RECV_EVENT: mon=${mon} event=${ev}`;
const CAPS = '{"execute":"qmp_capabilities","id":"libvirt-1"}';
const OK1 = '{"return": {}, "id": "libvirt-1"}';

describe('reading a libvirt log', () => {
  it('detects the format from the first line, whatever the name', async () => {
    for (const f of [TWO_VMS, RESTART, DESTROYED]) expect(await detectFormat(f)).toBe('libvirt');
    const renamed = join(tmp, 'daemon.out');
    await writeFile(renamed, await readFile(DESTROYED));
    expect(await detectFormat(renamed)).toBe('libvirt');
    // A log cut inside a record, and a log of another kind that quotes one further down.
    expect(detectFormatOfText(` fd=-1\n${opened(1, '0x1')}\n`)).toBe('libvirt');
    expect(detectFormatOfText(`QA output created by 041\n.\n..\n...\n....\n${opened(1, '0x1')}\n`)).toBe('iotests');
  });

  it('reads each message once: the command from IO_WRITE (not SEND_MSG), the reply and event from their info record (not the debug Line)', () => {
    const mon = '0x55d0';
    const out = readText([opened(1, mon), queued(1, mon, CAPS), greeting(2), written(2, mon, CAPS), replied(2, mon, OK1), event(2, mon, '{"event": "RESUME", "timestamp": {"seconds": 1, "microseconds": 2}}')].join('\n'));
    expect(out.map((x) => [x.key, x.line.dir, x.lineNo, Object.keys(x.line.msg)[0]])).toEqual([
      [mon, 'recv', 4, 'QMP'],
      [mon, 'send', 5, 'execute'],
      [mon, 'recv', 8, 'return'],
      [mon, 'recv', 10, 'event'],
    ]);
    expect(out[1]!.line.t).toBe(Date.parse('2026-12-04T15:47:19.850+00:00') / 1000);
  });

  it('gives a greeting to the monitor its thread serves next, with monitors interleaved', () => {
    const a = '0xaaaa';
    const b = '0xbbbb';
    const out = readText([opened(1, a), opened(1, b), greeting(3), greeting(2), written(2, b, CAPS), written(3, a, CAPS), replied(3, a, OK1), replied(2, b, OK1)].join('\n'));
    expect(out.map((x) => [x.key, x.lineNo, x.line.dir])).toEqual([
      [b, 4, 'recv'],
      [b, 5, 'send'],
      [a, 3, 'recv'],
      [a, 7, 'send'],
      [a, 10, 'recv'],
      [b, 12, 'recv'],
    ]);
  });

  it('takes a command written in parts once, when its last part went out; a write that failed is not a command', () => {
    const mon = '0x1';
    const out = readText([written(1, mon, CAPS, -1), written(1, mon, CAPS, 10), written(1, mon, CAPS.slice(10), CAPS.length - 8, CAPS.length - 8), replied(1, mon, OK1)].join('\n'));
    expect(out.map((x) => [x.line.dir, x.lineNo])).toEqual([
      ['send', 3],
      ['recv', 8],
    ]);
    expect(out[0]!.line.msg).toEqual(JSON.parse(CAPS));
  });

  it('starts a new session when a closed monitor\'s pointer is used again', () => {
    const mon = '0x7f0e48006740';
    const out = readText([opened(1, mon), written(1, mon, CAPS), replied(1, mon, OK1), closed(1, mon), opened(1, mon), written(1, mon, CAPS), replied(1, mon, OK1)].join('\n'));
    expect(out.map((x) => x.key)).toEqual([mon, mon, `${mon}/2`, `${mon}/2`]);
  });

  it('names file and line of a monitor record it cannot read', () => {
    const mon = '0x1';
    const bad = (text: string): string => {
      try {
        readText(text);
      } catch (err) {
        if (err instanceof TraceInputError) return err.message;
        throw err;
      }
      return 'read';
    };
    expect(bad(`${written(1, mon, CAPS)}\n${T}: 1: info : qemuMonitorJSONIOProcessLine:208 : QEMU_MONITOR_RECV_REPLY: mon=${mon} reply={"return": {}, "id`)).toBe(
      'libvirtd.log:3: QEMU_MONITOR_RECV_REPLY: not JSON: {"return": {}, "id',
    );
    expect(bad(`${T}: 1: info : qemuMonitorIOWrite:366 : QEMU_MONITOR_IO_WRITE: mon=${mon} buf=${CAPS}`)).toBe('libvirtd.log:1: QEMU_MONITOR_IO_WRITE: no "len=... ret=... errno=..." line after the buffer');
    expect(bad(`${T}: 1: info : qemuMonitorJSONIOProcessLine:203 : QEMU_MONITOR_RECV_EVENT: mon=${mon} event=[1]`)).toBe('libvirtd.log:1: QEMU_MONITOR_RECV_EVENT: not a JSON object: [1]');
  });

  it('lists every monitor of the fixtures with the messages the log holds for it (counted with grep)', async () => {
    const counts = async (f: string): Promise<unknown[]> => (await libvirtSessions(f)).map((s) => [s.key, s.commands, s.replies, s.events, s.greeting]);
    // grep -c "IO_WRITE: mon=<key> " / "RECV_REPLY: mon=<key> " / "RECV_EVENT: mon=<key> " on each fixture.
    expect(await counts(TWO_VMS)).toEqual([
      ['0x7f3dc4005740', 65, 65, 55, true],
      ['0x7f3dc4005d00', 66, 66, 60, true],
    ]);
    expect(await counts(RESTART)).toEqual([
      ['0x7f3dc4005a20', 16, 16, 8, true],
      ['0x561b8a1c4460', 10, 10, 0, true],
      ['0x561b8a1c4a20', 15, 15, 4, true],
      ['0x7f136c005010', 10, 10, 0, true],
    ]);
    expect(await counts(DESTROYED)).toEqual([['0x561b8a1c4740', 416, 416, 10, true]]);
  });

  it('hands each session over whole, greeting first, every reply after the command with its id', async () => {
    const sessions: { first: TraceLine; ids: Set<string>; orphans: number; messages: number }[] = [];
    await readTrace(TWO_VMS, (line) => {
      if ('QMP' in line.msg) sessions.push({ first: line, ids: new Set(), orphans: 0, messages: 0 });
      const s = sessions.at(-1)!;
      s.messages++;
      const id = line.msg['id'];
      if (typeof id !== 'string') return;
      if (line.dir === 'send') s.ids.add(id);
      else if (!s.ids.delete(id)) s.orphans++;
    });
    expect(sessions.map((s) => [s.messages, s.orphans, s.ids.size])).toEqual([
      [186, 0, 0],
      [193, 0, 0],
    ]);
    // One session alone, and its ids restart: libvirt-1 in each.
    const one: TraceLine[] = [];
    await readTrace(RESTART, (line) => one.push(line), { session: '0x561b8a1c4a20' });
    expect(one.length).toBe(35);
    expect(one[1]!.msg).toEqual({ execute: 'qmp_capabilities', id: 'libvirt-1' });
  });

  it('takes the release from a query-version answer when the greeting is not in the log', async () => {
    const mon = '0x2';
    const version = '{"return": {"qemu": {"micro": 0, "minor": 0, "major": 10}, "package": ""}, "id": "libvirt-2"}';
    const file = join(tmp, 'no-greeting.log');
    await writeFile(file, [written(1, mon, CAPS), replied(1, mon, OK1), written(1, mon, '{"execute":"query-version","id":"libvirt-2"}'), replied(1, mon, version), written(1, mon, '{"execute":"query-jobs","id":"libvirt-3"}'), replied(1, mon, '{"return": [], "id": "libvirt-3"}')].join('\n') + '\n');
    const r = await checkTraceFile(file);
    expect(r).toMatchObject({ ok: true, release: '10.0', releaseFrom: 'greeting', messages: 7 });
    const without = join(tmp, 'no-version.log');
    await writeFile(without, [written(1, mon, CAPS), replied(1, mon, OK1), written(1, mon, '{"execute":"query-jobs","id":"libvirt-3"}'), replied(1, mon, '{"return": [], "id": "libvirt-3"}')].join('\n') + '\n');
    expect(await checkTraceFile(without, { release: '5.2' })).toMatchObject({ release: '5.2', releaseFrom: 'option' });
  });
});

const run = runQjob;

function verdicts(results: readonly CheckResult[]): [string, boolean, number][] {
  return results.map((r) => [r.file.slice(r.file.indexOf('#')), r.ok, r.messages]);
}

describe('checking a libvirt log: one verdict per monitor', () => {
  it('two VMs in one log: copies (pivot, finish, abort), an active commit, a non-active commit, a pull, a pivot by blockjob, two backups (one aborted)', async () => {
    const { results, errors } = await checkFiles([TWO_VMS]);
    expect(errors).toEqual([]);
    expect(verdicts(results)).toEqual([
      ['#mon=0x7f3dc4005740', true, 186],
      ['#mon=0x7f3dc4005d00', true, 193],
    ]);
    expect(results.every((r) => r.release === '7.2' && r.releaseFrom === 'greeting' && r.style === 'wire')).toBe(true);
    expect(results.map((r) => r.judged.statusEvents)).toEqual([48, 54]);
    const cli = await run('check', TWO_VMS);
    expect(cli.code).toBe(0);
    expect(cli.out).toContain(`ok   ${TWO_VMS}#mon=0x7f3dc4005740 (QEMU 7.2)`);
    expect(cli.out.trimEnd().split('\n').at(-1)).toBe('2 passed, 0 failed');
  });

  it('a guest destroyed during a copy: the 400 start-up commands, then a job that never concludes, accepted', async () => {
    const { results, errors } = await checkFiles([DESTROYED]);
    expect(errors).toEqual([]);
    expect(verdicts(results)).toEqual([['#mon=0x561b8a1c4740', true, 843]]);
    expect(results[0]!.judged.statusEvents).toBe(9);
    // QEMU was killed after SHUTDOWN: the job is 'paused' at the end and its end is not in the trace.
    expect(results[0]!.warnings.map((w) => [w.line, w.rule, w.message])).toEqual([
      [2581, 'job-alive-at-end', "job 'copy-vdb-libvirt-1-format' is still 'paused' at the end of the trace, after SHUTDOWN or quit: it never concluded"],
    ]);
    const cli = await run('check', DESTROYED);
    expect(cli.code).toBe(0);
    expect(cli.out).toContain('job-alive-at-end');
  });

  it('a daemon restarted during a copy: the first daemon\'s session, and the new daemon\'s monitors to the guests, are sessions apart', async () => {
    const { results, errors } = await checkFiles([RESTART]);
    expect(errors).toEqual([]);
    const byName = new Map(verdicts(results).map(([name, ok, n]) => [name, [ok, n]]));
    expect([...byName.keys()]).toEqual(['#mon=0x7f3dc4005a20', '#mon=0x561b8a1c4460', '#mon=0x561b8a1c4a20', '#mon=0x7f136c005010']);
    // The first daemon's session: the copy starts, the daemon goes; the guests it did not drive have no job.
    expect(byName.get('#mon=0x7f3dc4005a20')).toEqual([true, 41]);
    expect(byName.get('#mon=0x561b8a1c4460')).toEqual([true, 21]);
    expect(byName.get('#mon=0x7f136c005010')).toEqual([true, 21]);
    // The first daemon's session ends with the copy running but no SHUTDOWN or quit: no job-alive-at-end.
    const first = results.find((r) => r.file.endsWith('#mon=0x7f3dc4005a20'))!;
    expect(first.warnings.map((w) => w.rule)).not.toContain('job-alive-at-end');
  });

  // QEMU produced this session: a second QMP connection to a QEMU whose mirror job runs, which
  // query-jobs lists and block-job-cancel aborts. The job is adopted from the answer (its creating
  // command unknown, so the rules that need one say they were not applied).
  it('the new daemon\'s monitor to the guest whose copy runs conforms: the listed job is adopted', async () => {
    const r = await checkTraceFile(RESTART, { format: 'libvirt', session: '0x561b8a1c4a20', strict: true });
    expect(r.violations.map((v) => `${v.line} ${v.rule}`)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.notApplied.find((n) => n.input === 'creation')?.rules).toContain('dismiss-without-command');
  });

  it('adopts only a job a query lists first: the same session without the listing, or known to start a fresh QEMU, fails', async () => {
    const text = await readFile(RESTART, 'utf8');
    const listing = /(mon=0x561b8a1c4a20 reply=\{"return": )\[\{[^\n]*"id": "copy-vdb-libvirt-1-format"\}\](, "id": "libvirt-\d+"\})/;
    expect(listing.test(text)).toBe(true);
    const unlisted = join(tmp, 'unlisted.log');
    await writeFile(unlisted, text.replace(listing, '$1[]$2'));
    let r = await checkTraceFile(unlisted, { format: 'libvirt', session: '0x561b8a1c4a20' });
    expect(r.ok).toBe(false);
    expect(r.violations.map((v) => v.rule)).toEqual(expect.arrayContaining(['verb-accepted-refused', 'first-status-not-created']));
    r = await checkTraceFile(RESTART, { format: 'libvirt', session: '0x561b8a1c4a20', freshQemu: true });
    expect(r.ok).toBe(false);
    expect(r.violations.map((v) => v.rule)).toContain('query-unknown-job');
    expect(r.notApplied.some((n) => n.input === 'creation')).toBe(false);
  });

  it('rejects a copy whose status event was removed, and one whose reply became a refusal, naming the monitor', async () => {
    const text = await readFile(TWO_VMS, 'utf8');
    // The job's first 'ready' (it becomes ready twice): the debug line and the info record.
    const ready = /^.*(?:Line \[|event=)\{[^\n]*"event": "JOB_STATUS_CHANGE", "data": \{"status": "ready", "id": "copy-vdb-libvirt-1-format"\}\}\]?\n/m;
    const noReady = join(tmp, 'no-ready.log');
    const once = text.replace(ready, '');
    expect(once.length).toBeLessThan(text.length);
    await writeFile(noReady, once.replace(ready, ''));
    let r = await run('check', '--format', 'json', noReady);
    expect(r.code).toBe(1);
    let failed = (JSON.parse(r.out) as { results: { file: string; ok: boolean; violations: { rule: string }[] }[] }).results.filter((x) => !x.ok);
    expect(failed.map((x) => x.file)).toEqual([`${noReady}#mon=0x7f3dc4005740`]);
    expect(failed[0]!.violations.map((v) => v.rule)).toContain('illegal-transition');

    const complete = /QEMU_MONITOR_IO_WRITE: mon=0x7f3dc4005740 buf=\{"execute":"job-complete","arguments":\{"id":"copy-vdb-libvirt-1-format"\},"id":"(libvirt-\d+)"\}/.exec(text);
    expect(complete).not.toBeNull();
    // The info record is what is read (the debug Line before it is left as it was).
    const reply = `mon=0x7f3dc4005740 reply={"return": {}, "id": "${complete![1]!}"}`;
    const refusal = `mon=0x7f3dc4005740 reply={"id": "${complete![1]!}", "error": {"class": "GenericError", "desc": "Job 'copy-vdb-libvirt-1-format' in state 'ready' cannot accept command verb 'complete'"}}`;
    expect(text.split(reply).length).toBe(2);
    const refused = join(tmp, 'refused.log');
    await writeFile(refused, text.replace(reply, refusal));
    r = await run('check', '--format', 'json', refused);
    expect(r.code).toBe(1);
    failed = (JSON.parse(r.out) as { results: { file: string; ok: boolean; violations: { rule: string }[] }[] }).results.filter((x) => !x.ok);
    expect(failed.map((x) => x.file)).toEqual([`${refused}#mon=0x7f3dc4005740`]);
    expect(failed[0]!.violations.map((v) => v.rule)).toContain('verb-accepted-refused');
  });

  it('exits 2 for a libvirt log without monitor records, and for one whose monitor record is cut', async () => {
    const noMonitor = join(tmp, 'quiet.log');
    await writeFile(noMonitor, `${T}: 1: info : libvirt version: 9.0.0, package: 9.0.0-4+deb12u2 (Debian)\n${T}: 1: info : hostname: host\n`);
    let r = await run('check', noMonitor);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${noMonitor}: no QEMU monitor message`);
    const cut = join(tmp, 'cut.log');
    const lines = (await readFile(DESTROYED, 'utf8')).split('\n');
    const at = lines.findIndex((l) => l.includes('QEMU_MONITOR_RECV_REPLY'));
    lines[at] = lines[at]!.slice(0, lines[at]!.length - 5);
    await writeFile(cut, lines.join('\n'));
    r = await run('check', cut);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${cut}:${at + 1}: QEMU_MONITOR_RECV_REPLY: not JSON`);
  });
});
