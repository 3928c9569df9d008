/**
 * The reply is evidence, in wire traces and iotests logs: an accepted command must be allowed by the
 * release's tables in a status the job can be in at that moment; a refusal must name such a status
 * and a verb that status refuses; a refused command causes no transition. Without --strict.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLines, checkMessages, type CheckResult } from '../../conformance/index.ts';
import { isVerbCommand, VerbCommands } from '../../machines/index.ts';
import type { TraceLine } from '../../traces/format.ts';
import { change, reply } from './support/mutate.ts';
import { sample, SAMPLES } from './support/trace.ts';

const rules = (r: CheckResult) => r.violations.map((v) => v.rule);
const refusal = (id: string, s: string, v: string) => ({ class: 'GenericError', desc: `Job '${id}' in state '${s}' cannot accept command verb '${v}'` });
const refuse = (err: { class: string; desc: string }) => (m: Record<string, unknown>) => {
  delete m['return'];
  m['error'] = err;
};

describe('wire traces: the reply is evidence', () => {
  it('rejects job-finalize refused in pending with auto-finalize off, and the conclusion that came before the refusal', () => {
    const base = sample('10.0', 'change_stream');
    expect(checkMessages(base).ok).toBe(true);
    const broken = change(base, reply('c14'), refuse(refusal('s0', 'pending', 'finalize')));
    expect(rules(checkMessages(broken))).toEqual(['verb-error-state', 'finalize-without-command']);
  });

  it('accepts a refusal naming a later status of the window, and still rejects the transitions only the refused command could cause', () => {
    // job-finalize refused as if it ran after the job concluded: the status is one of the window,
    // but then nothing finalized the job.
    const broken = change(sample('10.0', 'change_stream'), reply('c14'), refuse(refusal('s0', 'concluded', 'finalize')));
    expect(rules(checkMessages(broken))).toEqual(['finalize-without-command']);
  });

  it('judges a refusal against the verb table where the status is unknown (a release without JOB_STATUS_CHANGE)', () => {
    const base = sample('7.2', 'backup_matrix_paused');
    expect(rules(checkMessages(base, { release: '2.12' }))).not.toContain('verb-error-state');
    const broken = change(base, reply('c8'), refuse(refusal('j0', 'ready', 'complete')));
    expect(rules(checkMessages(broken, { release: '2.12' }))).toContain('verb-error-state');
  });

  /** Every accepted pause/resume/cancel/complete/finalize/dismiss of the samples turned into a refusal naming the job's status at its send. */
  const samples = ['7.2', '10.0'].flatMap((rel) =>
    readdirSync(join(SAMPLES, `qemu-${rel}`))
      .filter((f) => f.endsWith('.jsonl'))
      .map((f) => ({ rel: rel as '7.2' | '10.0', name: f.replace(/\.jsonl$/, '') })),
  );

  interface Answer {
    readonly index: number;
    readonly command: string;
    readonly job: string;
    readonly verb: string;
    readonly status: string | undefined;
    readonly accepted: boolean;
  }

  function answers(lines: readonly TraceLine[]): Answer[] {
    const status = new Map<string, string>();
    const sent = new Map<string, { command: string; job: string; status: string | undefined }>();
    const out: Answer[] = [];
    lines.forEach((l, index) => {
      const m = l.msg;
      const data = m['data'] as Record<string, unknown> | undefined;
      if (m['event'] === 'JOB_STATUS_CHANGE' && data) status.set(String(data['id']), String(data['status']));
      const command = m['execute'];
      if (l.dir === 'send' && isVerbCommand(command)) {
        const args = (m['arguments'] ?? {}) as Record<string, unknown>;
        const job = String(args[VerbCommands[command].idArg]);
        sent.set(JSON.stringify(m['id']), { command, job, status: status.get(job) });
      } else if (l.dir === 'recv' && m['id'] !== undefined && sent.has(JSON.stringify(m['id']))) {
        const s = sent.get(JSON.stringify(m['id']))!;
        sent.delete(JSON.stringify(m['id']));
        out.push({ index, ...s, verb: VerbCommands[s.command as keyof typeof VerbCommands].verb, accepted: 'return' in m });
      }
    });
    return out;
  }

  it('rejects every accepted verb turned into a refusal naming the status the job had when it was sent', () => {
    let tried = 0;
    const accepted: string[] = [];
    for (const { rel, name } of samples) {
      const lines = sample(rel, name);
      for (const a of answers(lines)) {
        if (!a.accepted || a.status === undefined || !['pause', 'resume', 'cancel', 'complete', 'finalize', 'dismiss'].includes(a.verb)) continue;
        const copy = lines.map((l, i) => (i === a.index ? { ...l, msg: { id: l.msg['id'], error: refusal(a.job, a.status!, a.verb) } } : l));
        tried++;
        if (checkMessages(copy).ok) accepted.push(`${rel}/${name} line ${a.index + 1}: ${a.command} in ${a.status}`);
      }
    }
    expect(tried).toBeGreaterThan(20);
    expect(accepted).toEqual([]);
  });

  it('rejects every refused verb turned into {"return": {}}', () => {
    let tried = 0;
    const accepted: string[] = [];
    for (const { rel, name } of samples) {
      const lines = sample(rel, name);
      for (const a of answers(lines)) {
        if (a.accepted) continue;
        const copy = lines.map((l, i) => (i === a.index ? { ...l, msg: { id: l.msg['id'], return: {} } } : l));
        tried++;
        if (checkMessages(copy).ok) accepted.push(`${rel}/${name} line ${a.index + 1}: ${a.command}`);
      }
    }
    expect(tried).toBeGreaterThan(20);
    expect(accepted).toEqual([]);
  });
});

const LOG = join(import.meta.dirname, '..', 'fixtures', 'traces', 'iotests', 'verb-refusals-python.out');
const logLines = readFileSync(LOG, 'utf8').split('\n');

function checkLog(lines: readonly string[]): Promise<CheckResult> {
  return checkLines(lines, { file: 'log.out', style: 'log' });
}

/** The log with the `nth` line containing `find` edited. */
function editLog(find: string, edit: (line: string) => string, nth = 0): string[] {
  let seen = -1;
  const out = logLines.map((l) => (l.includes(find) && ++seen === nth ? edit(l) : l));
  expect(seen, `no line with ${find}`).toBeGreaterThanOrEqual(nth);
  return out;
}

describe('iotests logs: refusals and query answers are judged', () => {
  it('accepts the log as written, also with --strict', async () => {
    const r = await checkLog(logLines);
    expect(r.violations).toEqual([]);
    expect(r.judged.refusals).toBe(12);
    expect(r.judged.queries).toBeGreaterThan(5);
  });

  it('rejects a refusal whose verb the named status accepts', async () => {
    const r = await checkLog(editLog("in state 'running' cannot accept command verb 'complete'", (l) => l.replace("'complete'", "'pause'")));
    expect(rules(r)).toEqual(['verb-error-state']);
  });

  it("rejects a refusal naming 'created' for a job seen running", async () => {
    const r = await checkLog(editLog("in state 'running' cannot accept command verb 'finalize'", (l) => l.replace("'running'", "'created'")));
    expect(rules(r)).toEqual(['verb-error-state']);
  });

  it('rejects a refusal naming a status the job had left before it was printed', async () => {
    const r = await checkLog(editLog("in state 'ready' cannot accept command verb 'dismiss'", (l) => l.replace("'ready'", "'paused'").replace("'dismiss'", "'complete'")));
    expect(rules(r)).toEqual(['verb-error-state']);
  });

  it('accepts a refusal naming the status the job shows next (its event printed later)', async () => {
    const lines = editLog("in state 'running' cannot accept command verb 'dismiss'", (l) => l.replace("'running'", "'ready'"));
    expect((await checkLog(lines)).violations).toEqual([]);
  });

  it("rejects query-jobs saying 'paused' or 'created' for a job seen ready", async () => {
    for (const wrong of ['paused', 'created']) {
      const r = await checkLog(editLog('"status": "ready", "total-progress"', (l) => l.replace('"ready"', `"${wrong}"`), 1));
      expect(rules(r)).toEqual(['query-status-mismatch']);
    }
  });

  it('rejects a malformed refusal or query answer printed without its command', async () => {
    const cases: [string, (l: string) => string, string][] = [
      ["in state 'running' cannot accept command verb 'complete'", (l) => l.replace('GenericError', 'DeviceNotActive'), 'verb-error-class'],
      ['"status": "paused", "total-progress"', (l) => l.replace('"paused"', '"null"'), 'null-in-query'],
      ['"status": "paused", "total-progress"', (l) => l.replace('"paused"', '"finished"'), 'unknown-status'],
      ['"status": "paused", "total-progress"', (l) => l.replace('"id"', '"error": "Input/output error", "id"'), 'error-on-success'],
      ['"status": "paused", "total-progress"', (l) => l.replace(/\[(.*)\]/, '[$1, $1]'), 'query-duplicate-job'],
    ];
    for (const [find, edit, rule] of cases) expect(rules(await checkLog(editLog(find, edit)))).toContain(rule);
  });

  it('accepts a query answer printed before the events of the job it lists', async () => {
    const i = logLines.findIndex((l) => l.includes('"status": "running", "total-progress"') && l.includes('FILTERED'));
    expect(i).toBeGreaterThan(0);
    expect((await checkLog(logLines)).ok).toBe(true);
  });

  it('judges a verb printed with its reply: an accepted job-complete needs a status that accepts it', async () => {
    const lines = ['{"data": {"id": "j", "status": "created"}, "event": "JOB_STATUS_CHANGE"}', '{"data": {"id": "j", "status": "running"}, "event": "JOB_STATUS_CHANGE"}'];
    const complete = ['{"execute": "job-complete", "arguments": {"id": "j"}}', '{"return": {}}'];
    const bad = await checkLog([...lines, ...complete, '{"data": {"id": "j", "status": "aborting"}, "event": "JOB_STATUS_CHANGE"}', '{"data": {"id": "j", "status": "concluded"}, "event": "JOB_STATUS_CHANGE"}', '{"data": {"id": "j", "status": "null"}, "event": "JOB_STATUS_CHANGE"}']);
    expect(rules(bad)).toEqual(['verb-accepted-refused']);
    const good = await checkLog([...lines, ...complete, '{"data": {"id": "j", "status": "ready"}, "event": "JOB_STATUS_CHANGE"}']);
    expect(good.violations).toEqual([]);
  });
});

describe('job ids: one live job per id, generations in logs without status events', () => {
  const file = join(import.meta.dirname, '..', 'fixtures', 'traces', 'iotests', 'mirror-twice-no-status.out');
  const lines = readFileSync(file, 'utf8').split('\n');

  it('a successful creating command for the device-named id starts a new job', async () => {
    expect((await checkLog(lines)).violations).toEqual([]);
  });

  it('without the second creating command, the first job still ended (auto-dismissed at its COMPLETED), freeing the id', async () => {
    const second = lines.findIndex((l, i) => i > 3 && l.includes('"drive-mirror"'));
    expect((await checkLog([...lines.slice(0, second), ...lines.slice(second + 2)])).violations).toEqual([]);
  });

  it('without the second creating command and the first COMPLETED, the second BLOCK_JOB_READY is one job emitting it twice', async () => {
    const second = lines.findIndex((l, i) => i > 3 && l.includes('"drive-mirror"'));
    const first = lines.findIndex((l) => l.includes('BLOCK_JOB_COMPLETED'));
    const r = await checkLog([...lines.slice(0, first), ...lines.slice(first + 1, second), ...lines.slice(second + 2)]);
    expect(rules(r)).toContain('block-job-ready-unexpected');
  });

  it('an accepted dismiss ends a job known only from its events', async () => {
    const dismissed = [
      '{"execute": "blockdev-backup", "arguments": {"auto-dismiss": false, "device": "d", "job-id": "j", "sync": "full", "target": "t"}}',
      '{"return": {}}',
      '{"data": {"device": "j", "len": 4, "offset": 4, "speed": 0, "type": "backup"}, "event": "BLOCK_JOB_COMPLETED"}',
      '{"execute": "job-dismiss", "arguments": {"id": "j"}}',
      '{"return": {}}',
      '{"data": {"device": "j", "len": 2, "offset": 2, "speed": 0, "type": "mirror"}, "event": "BLOCK_JOB_COMPLETED"}',
    ];
    expect((await checkLog(dismissed)).violations).toEqual([]);
    // Created with auto-dismiss false and never dismissed: the job keeps the id after its COMPLETED.
    expect(rules(await checkLog([...dismissed.slice(0, 3), dismissed[5]!]))).toContain('completed-and-cancelled');
  });
});
