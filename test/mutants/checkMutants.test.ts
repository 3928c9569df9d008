import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main.ts';
import { DEFAULT_MUTANT_PATHS } from '../../cli/commands/check-mutants.ts';
import { findOperator, loadSession, mutant, runCheckMutants, Session, TRACE_OPERATORS, verdict, type CheckMutantsReport, type Entry, type TraceOperator } from '../../mutants/traces/index.ts';
import type { TraceLine } from '../../traces/format.ts';

const SAMPLE = 4;
const SEED = 20261204;

function session(lines: readonly TraceLine[], style: 'wire' | 'log' = 'wire'): Session {
  return new Session('<test>', style, '7.2', lines.map((line, k) => ({ n: k + 1, line })));
}

const greeting: TraceLine = { dir: 'recv', t: 0, msg: { QMP: { version: { qemu: { micro: 0, minor: 2, major: 7 }, package: '' }, capabilities: ['oob'] } } };
const status = (id: string, s: string): TraceLine => ({ dir: 'recv', t: 0, msg: { event: 'JOB_STATUS_CHANGE', data: { status: s, id }, timestamp: { seconds: 0, microseconds: 0 } } });

function mutantsOf(op: TraceOperator, s: Session) {
  return [...op.mutate(s)];
}

describe('the trace mutation operators', () => {
  it('are named units, each saying what it changes and why QEMU cannot produce the result', () => {
    expect(TRACE_OPERATORS.length).toBeGreaterThanOrEqual(25);
    expect(new Set(TRACE_OPERATORS.map((o) => o.name)).size).toBe(TRACE_OPERATORS.length);
    for (const o of TRACE_OPERATORS) {
      expect(o.changes.length, o.name).toBeGreaterThan(20);
      expect(o.impossible.length, o.name).toBeGreaterThan(20);
      expect(o.styles.length, o.name).toBeGreaterThan(0);
    }
    expect(TRACE_OPERATORS.some((o) => o.styles.includes('log'))).toBe(true);
  });

  it('are each listed in docs/mutants.md', () => {
    const text = readFileSync(path.resolve(import.meta.dirname, '../../docs/mutants.md'), 'utf8');
    expect(TRACE_OPERATORS.filter((o) => !text.includes(`| \`${o.name}\` |`)).map((o) => o.name)).toEqual([]);
  });

  it('status-skip leaves alone a status whose removal keeps a JobSTT walk, and a job\'s last status (a prefix)', () => {
    const op = findOperator('status-skip')!;
    // running -> ready -> waiting: dropping ready gives running -> waiting, an edge; dropping waiting leaves a prefix.
    const s = session([greeting, status('j', 'created'), status('j', 'running'), status('j', 'ready'), status('j', 'waiting')]);
    const changes = mutantsOf(op, s).map((m) => m.change);
    expect(changes).toEqual(["job 'j': status 'created' deleted (start -> running)", "job 'j': status 'running' deleted (created -> ready)"]);
  });

  it("status-repeat does not repeat 'created' in a log, where the VM may have been relaunched", () => {
    const op = findOperator('status-repeat')!;
    const lines = [status('j', 'created'), status('j', 'running')];
    expect(mutantsOf(op, session(lines, 'log')).map((m) => m.line)).toEqual([2]);
    expect(mutantsOf(op, session([greeting, ...lines])).map((m) => m.line)).toEqual([2, 3]);
  });

  it('in a bash-harness log, deletes, repeats or swaps a status only where no JobSTT walk has the result as a subsequence', () => {
    const bash = (l: TraceLine): TraceLine => ({ ...l, harness: 'bash' });
    const lines = [status('j', 'created'), status('j', 'running'), status('j', 'ready'), status('j', 'standby'), status('j', 'ready'), status('j', 'aborting'), status('j', 'concluded'), status('j', 'null')];
    const of = (name: string, ls: readonly TraceLine[]) => mutantsOf(findOperator(name)!, session(ls, 'log')).map((m) => m.line);
    // Printed in full (a Python log): each of these is a broken copy.
    expect(of('status-skip', lines)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(of('status-repeat', lines)).toEqual([2, 3, 4, 5, 7, 8]);
    // Held back by the harness: only the first status (no creating command accepted before) and repeats off every cycle remain.
    expect(of('status-skip', lines.map(bash))).toEqual([1]);
    expect(of('status-repeat', lines.map(bash))).toEqual([7, 8]);
    expect(of('status-reverse', lines)).toEqual(expect.arrayContaining([3, 4]));
    expect(of('status-reverse', lines.map(bash)).length).toBeGreaterThan(0);
    expect(of('status-reverse', lines.map(bash))).toEqual(of('status-reverse', lines).filter((n) => ![3, 4].includes(n)));
  });

  it("accept-to-refusal makes the refused job-finalize of a pending backup, and the checker rejects it", async () => {
    const s = await loadSession('traces/qemu-7.2/backup_af0_ad1.jsonl');
    expect(s).toBeInstanceOf(Session);
    const m = mutantsOf(findOperator('accept-to-refusal')!, s as Session).find((x) => x.change.includes('job-finalize'));
    expect(m?.change).toBe(`job-finalize on 'j0' answered "Job 'j0' in state 'pending' cannot accept command verb 'finalize'" instead of success`);
    const reply = m!.build().find((e: Entry) => e.n === m!.line)!;
    expect(reply.line.msg['error']).toEqual({ class: 'GenericError', desc: "Job 'j0' in state 'pending' cannot accept command verb 'finalize'" });
    expect(verdict(s as Session, (s as Session).entries, false).ok).toBe(true);
    expect(verdict(s as Session, m!.build(), false).ok).toBe(false);
  });

  it('a session is not mutated when the checker rejects the original', async () => {
    expect(await loadSession('test/fixtures/traces/iotests/broken-transition.out')).toMatch(/the checker rejects the original/);
  });

  it('reports as survivors the copies the checker accepts: a legal change (a trace cut after a status) survives', async () => {
    const cut: TraceOperator = {
      name: 'cut-after-status',
      styles: ['wire'],
      changes: 'ends the trace right after its first JOB_STATUS_CHANGE (a prefix)',
      impossible: 'none: a prefix of a session is a session, so the checker must accept it',
      *mutate(s) {
        const i = [...s.eventAt.keys()][0];
        if (i !== undefined) yield mutant(s, this.name, i, 'trace cut after the first status', () => s.entries.slice(0, i + 1));
      },
    };
    const report = await runCheckMutants({ paths: ['traces/qemu-7.2/backup_af0_ad1.jsonl'], catalog: [cut] });
    expect(report.killed).toBe(0);
    expect(report.survivors).toEqual([{ operator: 'cut-after-status', file: 'traces/qemu-7.2/backup_af0_ad1.jsonl', line: 6, change: 'trace cut after the first status' }]);
  });

  it('samples deterministically from the seed', async () => {
    const a = await runCheckMutants({ paths: ['traces/qemu-7.2'], sample: 2, seed: 7, operators: ['status-reverse', 'query-drop-job'] });
    const b = await runCheckMutants({ paths: ['traces/qemu-7.2'], sample: 2, seed: 7, operators: ['status-reverse', 'query-drop-job'] });
    expect(a.total).toBe(4);
    expect(a.operators.map((o) => o.rules)).toEqual(b.operators.map((o) => o.rules));
    expect(JSON.stringify(a.survivors)).toBe(JSON.stringify(b.survivors));
  });
});

describe('the checker against a sample of trace mutants', () => {
  let report: CheckMutantsReport;
  beforeAll(async () => {
    report = await runCheckMutants({ paths: DEFAULT_MUTANT_PATHS, sample: SAMPLE, seed: SEED });
  }, 60_000);

  it('has mutants of every operator from the corpus and fixtures', () => {
    expect(report.operators.filter((o) => o.generated === 0).map((o) => o.name)).toEqual([]);
    expect(report.operators.filter((o) => o.checked !== Math.min(SAMPLE, o.generated)).map((o) => o.name)).toEqual([]);
  });

  it(`rejects every one (at most ${SAMPLE} per operator, seed ${SEED})`, () => {
    expect(report.total).toBeGreaterThan(TRACE_OPERATORS.length * 2);
    const survivors = report.survivors.map((s) => `${s.operator} ${s.file}:${s.line}: ${s.change}`);
    expect(survivors, `seed ${SEED}; replay: npx qjob check-mutants --sample ${SAMPLE} --seed ${SEED}`).toEqual([]);
  });
});

describe('qjob check-mutants', () => {
  afterEach(() => vi.restoreAllMocks());

  function capture(): { out: () => string; err: () => string } {
    let out = '';
    let err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
    return { out: () => out, err: () => err };
  }

  it('prints killed/total per operator and exits 0 when every mutant is killed', async () => {
    const io = capture();
    const code = await main(['check-mutants', '--operator', 'status-repeat', 'status-unknown', '--', 'traces/qemu-7.2/backup_af0_ad1.jsonl']);
    expect(io.out()).toMatch(/^ok\s+status-repeat\s+\d+\/\d+ killed/m);
    expect(io.out()).toMatch(/^(\d+)\/\1 mutants killed$/m);
    expect(code).toBe(0);
  });

  it('exits 1 exactly when a mutant survives, and names each in its JSON report', async () => {
    const io = capture();
    const code = await main(['check-mutants', '--format', 'json', '--operator', 'refusal-class', '--', 'test/fixtures/traces/iotests/verb-refusals-python.out']);
    const report = JSON.parse(io.out()) as { survivors: { operator: string; file: string; line: number; change: string }[]; killed: number; total: number };
    expect(code).toBe(report.survivors.length > 0 ? 1 : 0);
    expect(report.killed + report.survivors.length).toBe(report.total);
    for (const s of report.survivors) expect(s).toMatchObject({ operator: 'refusal-class', file: 'test/fixtures/traces/iotests/verb-refusals-python.out' });
  });

  it('exits 2 on a missing path, an unknown operator or a bad number', async () => {
    const io = capture();
    expect(await main(['check-mutants', 'no/such/file.jsonl'])).toBe(2);
    expect(await main(['check-mutants', '--operator', 'no-such-operator'])).toBe(2);
    expect(await main(['check-mutants', '--sample', 'x'])).toBe(2);
    expect(io.err()).toMatch(/no\/such\/file\.jsonl/);
    expect(io.err()).toMatch(/no operator named no-such-operator/);
  });
});
