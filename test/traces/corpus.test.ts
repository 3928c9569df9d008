import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkTraceFile } from '../../conformance/index.ts';
import { expectsHang, scenarioApplies } from '../../traces/corpus.ts';
import { commandsOf } from '../../traces/compare.ts';
import { allScenarios, scenarioFamilies } from '../../traces/scenarios/index.ts';
import { corpusDocTable, corpusFolders, corpusReadme, readCorpus, withDocTable, type CorpusTrace } from '../../traces/scenarios/readme.ts';

const TRACES = path.join(import.meta.dirname, '..', '..', 'traces');
const RELEASES = ['5.2', '7.2', '10.0', '11.1'] as const;
/** The snapshot scenarios, recorded from qemu-system-x86_64 into traces/qemu-system-X.Y (5.2 has no snapshot jobs). */
const SYSTEM_RELEASES = ['7.2', '10.0', '11.1'] as const;

function corpus(release: string): CorpusTrace[] {
  return readCorpus(path.join(TRACES, `qemu-${release}`));
}

const CORPORA = [
  ...RELEASES.map((release) => ({ release, folder: `qemu-${release}`, system: false, least: 30 })),
  ...SYSTEM_RELEASES.map((release) => ({ release, folder: `qemu-system-${release}`, system: true, least: 7 })),
];

function byScenario(release: string): Map<string, CorpusTrace> {
  return new Map(corpus(release).map((t) => [String(t.meta.scenario), t]));
}

/** The reply to the first command named `command` in a trace. */
function firstReply(trace: CorpusTrace, command: string): Record<string, unknown> | undefined {
  const c = commandsOf(trace.lines.map((line, i) => ({ line, lineNo: i + 2 }))).find((x) => x.command === command);
  return c?.reply?.line.msg;
}

for (const { release, folder, system, least } of CORPORA) {
  describe(`the corpus ${folder}`, () => {
    const dir = path.join(TRACES, folder);
    const traces = readCorpus(dir);

    it(`holds at least ${least} recorded sessions`, () => {
      expect(traces.length).toBeGreaterThanOrEqual(least);
    });

    it('has one trace for each scenario the release (and program) supports, and no other', () => {
      const expected = allScenarios.filter((s) => (s.program === 'system') === system && scenarioApplies(s, release)).map((s) => s.name).sort();
      expect(traces.map((t) => String(t.meta.scenario)).sort()).toEqual(expected);
      for (const t of traces) expect(path.basename(t.file)).toBe(`${String(t.meta.scenario)}.jsonl`);
    });

    it('starts every trace with a meta line (recorder, release, set-up), then the greeting of that release', () => {
      for (const t of traces) {
        expect(t.meta.recorder, t.file).toBe('qjob record-corpus');
        expect(t.meta.release, t.file).toBe(release);
        expect(Array.isArray(t.meta.setup), t.file).toBe(true);
        const first = t.lines[0]!;
        expect(first.dir).toBe('recv');
        const version = (first.msg['QMP'] as { version: { qemu: { major: number; minor: number } } }).version.qemu;
        expect(`${version.major}.${version.minor}`).toBe(release);
      }
    });

    it('was recorded from the current scripts: description and set-up as in traces/scenarios', () => {
      const scenarios = new Map(allScenarios.map((s) => [s.name, s]));
      for (const t of traces) {
        const script = scenarios.get(String(t.meta.scenario))!;
        expect(t.meta.desc, t.file).toBe(script.desc);
        expect(t.meta.setup, t.file).toEqual(script.setup);
        const sent = t.lines.filter((l) => l.dir === 'send' && l.msg['execute'] !== 'qmp_capabilities').map((l) => l.msg['execute']);
        const scripted = script.steps.flatMap((step) => ('cmd' in step ? [step.cmd] : []));
        expect(sent, t.file).toEqual(t.summary.unanswered ? scripted.slice(0, sent.length) : scripted);
      }
    });

    it('ends with an unanswered command exactly where QEMU is expected to hang', () => {
      const scenarios = new Map(allScenarios.map((s) => [s.name, s]));
      for (const t of traces) expect(t.summary.unanswered, t.file).toBe(expectsHang(scenarios.get(String(t.meta.scenario))!, release));
    });

    it('has a README generated from the traces beside it', () => {
      expect(fs.readFileSync(path.join(dir, 'README.md'), 'utf8')).toBe(corpusReadme(dir));
    });

    for (const t of traces) {
      it(`passes the checker: ${path.basename(t.file)}`, async () => {
        const result = await checkTraceFile(t.file);
        expect(result.violations.map((v) => `${v.line}: [${v.rule}] ${v.message}`)).toEqual([]);
        expect(result.release).toBe(release);
        expect(result.ok).toBe(true);
      });
    }
  });
}

describe('the corpus scenarios', () => {
  it('say why a release bound leaves releases out', () => {
    const unexplained = allScenarios.filter((s) => (s.minRelease !== undefined || s.beforeRelease !== undefined) && !s.releaseReason).map((s) => s.name);
    expect(unexplained).toEqual([]);
  });

  it('leave out of 5.2 the scenarios that pause a rate-limited job or complete one in standby', () => {
    const named = new Map(allScenarios.map((s) => [s.name, s]));
    for (const name of ['mirror_matrix_running', 'mirror_matrix_standby', 'commit_active']) {
      expect(scenarioApplies(named.get(name)!, '5.2'), name).toBe(false);
      expect(scenarioApplies(named.get(name)!, '7.2'), name).toBe(true);
    }
  });
});

describe('the two corpora', () => {
  const old = byScenario('7.2');
  const now = byScenario('10.0');

  it('show block-job-change missing in 7.2 and present in 10.0', () => {
    expect(firstReply(old.get('errors_commands_not_available')!, 'block-job-change')).toMatchObject({ error: { class: 'CommandNotFound' } });
    expect(firstReply(now.get('errors_commands_not_available')!, 'block-job-change')).toMatchObject({ error: { class: 'DeviceNotActive' } });
    expect([...now.keys()].filter((n) => n.startsWith('change_')).length).toBeGreaterThan(5);
    expect([...old.keys()].filter((n) => n.startsWith('change_'))).toEqual([]);
  });

  it('show the grouped abort action hanging in 7.2 and refused up front in 10.0', () => {
    expect(old.get('txn_grouped_abort_action')!.summary.unanswered).toBe(true);
    expect(firstReply(now.get('txn_grouped_abort_action')!, 'transaction')).toMatchObject({ error: { desc: expect.stringContaining("Action 'abort' does not support") } });
  });

  it('show the grouped prepare-failure hang in both releases', () => {
    expect(old.get('txn_grouped_prepare_failure_hang')!.summary.unanswered).toBe(true);
    expect(now.get('txn_grouped_prepare_failure_hang')!.summary.unanswered).toBe(true);
  });

  it('show the completion-mode refusal text changing case', () => {
    expect(firstReply(old.get('txn_grouped_refused_actions')!, 'transaction')).toMatchObject({ error: { desc: expect.stringContaining('Transaction property') } });
    expect(firstReply(now.get('txn_grouped_refused_actions')!, 'transaction')).toMatchObject({ error: { desc: expect.stringContaining('transaction property') } });
  });

  it('cover every job type the storage daemon runs, in both releases', () => {
    for (const traces of [old, now]) {
      const types = new Set([...traces.values()].flatMap((t) => [...t.summary.jobTypes]));
      expect([...types].sort()).toEqual(['amend', 'backup', 'commit (active)', 'commit (intermediate)', 'create', 'mirror', 'stream']);
    }
  });

  it('send every job-* and block-job-* verb in every state a job can be held in', () => {
    const held = ['running', 'paused', 'ready', 'standby', 'waiting', 'pending', 'concluded', 'absent'];
    const verbs = [...['pause', 'resume', 'cancel', 'complete', 'finalize', 'dismiss'].flatMap((v) => [`job-${v}`, `block-job-${v}`]), 'block-job-cancel(force)', 'block-job-set-speed', 'block-job-set-speed(<0)'];
    for (const traces of [old, now]) {
      const seen = new Set([...traces.values()].flatMap((t) => [...t.summary.verbs].flatMap(([v, states]) => [...states].map((s) => `${v}@${s}`))));
      const missing = verbs.flatMap((v) => held.map((s) => `${v}@${s}`)).filter((cell) => !seen.has(cell));
      expect(missing).toEqual([]);
    }
  });
});

describe('docs/corpus.md', () => {
  it('has a scenario table generated from the corpus folders', () => {
    const doc = path.join(import.meta.dirname, '..', '..', 'docs', 'corpus.md');
    const text = fs.readFileSync(doc, 'utf8');
    expect(text).toBe(withDocTable(text, corpusDocTable(corpusFolders(TRACES), scenarioFamilies)));
  });
});
