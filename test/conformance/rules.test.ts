/**
 * Every rule of the checker, twice: a real trace broken in one place must fail with that rule, and a
 * legal near-miss (asynchrony, an internal blip, a race outcome) must pass.
 */
import { describe, expect, it } from 'vitest';
import { checkMessages, Rules, type CheckOptions, type RuleId } from '../../conformance/index.ts';
import type { CreationSpec } from '../../conformance/creation.ts';
import { CP, CX, FC, UP } from '../../conformance/encoding.ts';
import { JobTrack, Txn } from '../../conformance/job.ts';
import { TransitionRules } from '../../conformance/rules/index.ts';
import { profileFor } from '../../machines/index.ts';
import type { TraceLine } from '../../traces/format.ts';
import { legal } from './support/legal.ts';
import { change, event, eventMsg, indexOf, insertAfter, moveAfter, remove, reply, sent, status, statusMsg, swap } from './support/mutate.ts';
import { sample } from './support/trace.ts';

type Lines = () => TraceLine[];

interface RuleCase {
  readonly rule: RuleId;
  /** A real trace broken in one place. */
  readonly broken: Lines;
  /** The job the violation names, when there is one. */
  readonly job?: string;
  /** A legal trace close to the broken one. */
  readonly nearMiss: Lines;
  readonly options?: CheckOptions;
}

const s72 = (name: string) => () => sample('7.2', name);
const s100 = (name: string) => () => sample('10.0', name);
const L = (name: string): Lines => {
  const make = legal[name];
  if (!make) throw new Error(`no legal trace '${name}'`);
  return make;
};

const paused = s72('backup_matrix_paused');
const defaults = s72('backup_af1_ad1_defaults');
const mirror = s72('mirror_defaults_complete');
const standby = s72('mirror_matrix_standby');
const create = s72('create_file');
const unknown = s72('errors_unknown_job');
const ioError = s72('backup_io_error_report');
const grouped = s72('txn_two_backups_grouped');

/** A second blockdev-backup with job-id j0, sent and answered while j0 is user-paused. */
function createAgain(lines: TraceLine[], answer: Record<string, unknown>): TraceLine[] {
  const at = lines.findIndex((l) => l.msg['id'] === 'c6' && l.dir === 'recv') + 1;
  const t = lines[at - 1]!.t;
  const send: TraceLine = { dir: 'send', t, msg: { execute: 'blockdev-backup', arguments: { 'job-id': 'j0', device: 'src', target: 'dst', sync: 'full' }, id: 'x1' } };
  return [...lines.slice(0, at), send, { dir: 'recv', t, msg: answer }, ...lines.slice(at)];
}

const cases: RuleCase[] = [
  {
    rule: 'undefined-status',
    broken: () => change(defaults(), status('j0', 'paused'), (m) => ((m['data'] as Record<string, unknown>)['status'] = 'undefined')),
    job: 'j0',
    nearMiss: defaults,
  },
  {
    rule: 'unknown-status',
    broken: () => change(defaults(), status('j0', 'waiting'), (m) => ((m['data'] as Record<string, unknown>)['status'] = 'finished')),
    job: 'j0',
    nearMiss: defaults,
  },
  { rule: 'first-status-not-created', broken: () => remove(paused(), status('j0', 'created')), job: 'j0', nearMiss: L('a dismissed id is reused by a new job') },
  {
    rule: 'event-after-null',
    broken: () => insertAfter(defaults(), status('j0', 'null'), statusMsg('j0', 'running')),
    job: 'j0',
    nearMiss: L('a dismissed id is reused by a new job'),
  },
  { rule: 'illegal-transition', broken: () => change(paused(), status('j0', 'paused'), (m) => ((m['data'] as Record<string, unknown>)['status'] = 'standby'), 1), job: 'j0', nearMiss: paused },
  { rule: 'illegal-transition', broken: () => insertAfter(mirror(), status('m0', 'ready'), statusMsg('m0', 'ready')), job: 'm0', nearMiss: L('10.0 drain blips: refused commands and finishing jobs blip the running ones') },
  {
    rule: 'created-without-command',
    broken: () => insertAfter(unknown(), reply('c20'), statusMsg('x9', 'created')),
    job: 'x9',
    nearMiss: grouped,
  },
  { rule: 'start-outside-command', broken: () => moveAfter(mirror(), status('m0', 'running'), reply('c2')), job: 'm0', nearMiss: L('blockdev-create fails inside the job, 10.0 reply placement') },
  {
    rule: 'ready-impossible',
    broken: () => change(s100('change_stream')(), status('s0', 'paused'), (m) => ((m['data'] as Record<string, unknown>)['status'] = 'ready')),
    job: 's0',
    nearMiss: L('active and intermediate commit, stream, amend'),
  },
  { rule: 'complete-without-command', broken: () => remove(mirror(), sent('c5'), reply('c5')), job: 'm0', nearMiss: L('soft cancel of a ready mirror completes it without pivoting') },
  {
    rule: 'resume-while-user-paused',
    broken: () => insertAfter(paused(), reply('c3'), statusMsg('j0', 'running'), statusMsg('j0', 'paused')),
    job: 'j0',
    nearMiss: L('grouped transaction, user-paused member taken down by the abort (10.0)'),
  },
  { rule: 'finalize-without-command', broken: () => remove(standby(), sent('c22'), reply('c22')), job: 'm0', nearMiss: L('grouped transaction with mixed auto-finalize: one finalize concludes both') },
  { rule: 'dismiss-without-command', broken: () => remove(create(), sent('c11'), reply('c11')), job: 'k0', nearMiss: L('quit with live jobs: QEMU cancels and dismisses them') },
  { rule: 'abort-without-cause', broken: () => remove(L('race: cancel after set-speed 0 lands in pending (10.0, 2 of 8 runs)')(), sent('c4'), reply('c4')), job: 'j0', nearMiss: L('race: cancel after set-speed 0 lands in pending (10.0, 2 of 8 runs)') },
  { rule: 'urgent-step-missing', broken: () => moveAfter(defaults(), status('j0', 'null'), reply('c2')), job: 'j0', nearMiss: ioError },
  { rule: 'urgent-step-missing', broken: () => remove(mirror(), event('BLOCK_JOB_READY')), job: 'm0', nearMiss: standby },
  { rule: 'urgent-step-missing', broken: () => swap(L('grouped transaction, one member fails with EIO, 7.2 abort order')(), status('j2', 'null'), event('BLOCK_JOB_COMPLETED', 'j1')), job: 'j2', nearMiss: L('grouped transaction, one member fails with EIO, 10.0 abort order') },
  {
    rule: 'creator-reply-mismatch',
    broken: () => change(unknown(), reply('c16'), (m) => (delete m['return'], (m['error'] = { class: 'GenericError', desc: 'x' }))),
    job: 'j0',
    nearMiss: L('a create job refused at command time, and an early fail (created, null)'),
  },
  {
    rule: 'event-for-unknown-job',
    broken: () => insertAfter(defaults(), reply('c2'), eventMsg('BLOCK_JOB_READY', { device: 'ghost', len: 1, offset: 1, speed: 0, type: 'mirror' })),
    job: 'ghost',
    nearMiss: defaults,
  },
  {
    rule: 'block-event-non-block-job',
    broken: () => insertAfter(create(), status('k0', 'pending'), eventMsg('BLOCK_JOB_COMPLETED', { device: 'k0', len: 1, offset: 1, speed: 0, type: 'create' })),
    job: 'k0',
    nearMiss: create,
  },
  {
    rule: 'block-job-ready-unexpected',
    broken: () => insertAfter(standby(), reply('c16'), eventMsg('BLOCK_JOB_READY', { device: 'm0', len: 67108864, offset: 67108864, speed: 0, type: 'mirror' })),
    job: 'm0',
    nearMiss: standby,
  },
  {
    rule: 'block-job-pending-auto-finalize',
    broken: () => insertAfter(grouped(), status('j0', 'pending'), eventMsg('BLOCK_JOB_PENDING', { type: 'backup', id: 'j0' })),
    job: 'j0',
    nearMiss: L('grouped transaction with mixed auto-finalize: one finalize concludes both'),
  },
  {
    rule: 'block-event-out-of-place',
    broken: () => change(ioError(), event('BLOCK_JOB_COMPLETED'), (m) => delete (m['data'] as Record<string, unknown>)['error']),
    job: 'j0',
    nearMiss: ioError,
  },
  {
    rule: 'completed-and-cancelled',
    broken: () => insertAfter(paused(), event('BLOCK_JOB_CANCELLED'), eventMsg('BLOCK_JOB_COMPLETED', { device: 'j0', len: 67108864, offset: 1048576, speed: 1048576, type: 'backup', error: 'x' })),
    job: 'j0',
    nearMiss: paused,
  },
  {
    rule: 'completion-event-kind',
    broken: () => change(ioError(), event('BLOCK_JOB_COMPLETED'), (m) => ((m['event'] = 'BLOCK_JOB_CANCELLED'), delete (m['data'] as Record<string, unknown>)['error'])),
    job: 'j0',
    nearMiss: L('grouped transaction, one member fails with EIO, 7.2 abort order'),
  },
  { rule: 'completion-event-missing', broken: () => remove(mirror(), event('BLOCK_JOB_COMPLETED')), job: 'm0', nearMiss: create },
  {
    rule: 'type-mismatch',
    broken: () => change(paused(), reply('c4'), (m) => (((m['return'] as Record<string, unknown>[])[0]!['type'] = 'mirror'))),
    job: 'j0',
    nearMiss: paused,
  },
  { rule: 'txn-pending-early', broken: () => swap(grouped(), status('j0', 'waiting'), status('j1', 'pending')), job: 'j1', nearMiss: grouped },
  {
    rule: 'txn-abort-member-succeeded',
    broken: () => {
      const base = L('grouped transaction, one member fails with EIO, 7.2 abort order')();
      const cut = remove(base, status('j0', 'aborting'), event('BLOCK_JOB_CANCELLED', 'j0'));
      return insertAfter(cut, status('j1', 'null'), statusMsg('j0', 'waiting'), statusMsg('j0', 'pending'), eventMsg('BLOCK_JOB_COMPLETED', { device: 'j0', len: 67108864, offset: 67108864, speed: 0, type: 'backup' }));
    },
    job: 'j0',
    nearMiss: L('grouped transaction, one member fails with EIO, 7.2 abort order'),
  },
  {
    rule: 'txn-finalize-partial',
    broken: () => {
      const base = L('grouped transaction with mixed auto-finalize: one finalize concludes both')();
      return remove(base, event('BLOCK_JOB_COMPLETED', 'j1'), status('j1', 'concluded'), status('j1', 'null'));
    },
    job: 'j1',
    nearMiss: L('grouped transaction with mixed auto-finalize: one finalize concludes both'),
  },
  { rule: 'txn-creation-order', broken: () => swap(grouped(), status('j0', 'created'), status('j1', 'created')), job: 'j1', nearMiss: L('grouped transaction, one member fails with EIO, 10.0 abort order') },
  {
    rule: 'reply-out-of-order',
    broken: () => swap(L('race: job-complete pipelined after set-speed 0 is refused in running')(), reply('c3'), reply('c4')),
    nearMiss: L('race: job-complete pipelined after set-speed 0 is accepted (job already ready)'),
  },
  {
    rule: 'query-refused',
    broken: () => change(paused(), reply('c16'), (m) => (delete m['return'], (m['error'] = { class: 'GenericError', desc: 'x' }))),
    nearMiss: L('block-job-change on 10.0: write-blocking, then background refused'),
  },
  {
    rule: 'null-in-query',
    broken: () => change(paused(), reply('c16'), (m) => ((m['return'] as Record<string, unknown>[])[0]!['status'] = 'null')),
    job: 'j0',
    nearMiss: defaults,
  },
  {
    rule: 'query-status-mismatch',
    broken: () => change(paused(), reply('c16'), (m) => ((m['return'] as Record<string, unknown>[])[0]!['status'] = 'running')),
    job: 'j0',
    nearMiss: L('events of a command arrive after its reply'),
  },
  {
    rule: 'query-unknown-job',
    // A session known to start with a fresh QEMU: a job never created cannot be listed (elsewhere it would be adopted).
    broken: () => change(unknown(), reply('c31'), (m) => (m['return'] as unknown[]).push({ 'current-progress': 0, status: 'running', 'total-progress': 1, type: 'backup', id: 'nosuch' })),
    job: 'nosuch',
    nearMiss: L('pipelined: blockdev-backup, job-pause and query-jobs in one write'),
    options: { freshQemu: true },
  },
  {
    rule: 'query-unknown-job',
    // Any session: a job seen going 'null' is not adopted when a later answer lists it again.
    broken: () => {
      const lines = unknown();
      const listed = { 'current-progress': 0, status: 'running', 'total-progress': 1, type: 'backup', id: 'j0' };
      lines.splice(indexOf(lines, status('j0', 'null')) + 1, 0, { dir: 'send', t: 1, msg: { execute: 'query-jobs', id: 'late' } }, { dir: 'recv', t: 1, msg: { return: [listed], id: 'late' } });
      return lines;
    },
    job: 'j0',
    nearMiss: unknown,
  },
  { rule: 'query-missing-job', broken: () => change(paused(), reply('c16'), (m) => (m['return'] = [])), job: 'j0', nearMiss: defaults },
  {
    rule: 'query-field-mismatch',
    broken: () => change(paused(), reply('c17'), (m) => ((m['return'] as Record<string, unknown>[])[0]!['auto-finalize'] = true)),
    job: 'j0',
    nearMiss: paused,
  },
  {
    rule: 'query-field-mismatch',
    broken: () => change(standby(), reply('c5'), (m) => ((m['return'] as Record<string, unknown>[])[0]!['ready'] = false)),
    job: 'm0',
    nearMiss: standby,
  },
  {
    rule: 'speed-mismatch',
    broken: () => change(paused(), reply('c17'), (m) => ((m['return'] as Record<string, unknown>[])[0]!['speed'] = 2097152)),
    job: 'j0',
    nearMiss: L('race: set-speed 0 answered after the backup concluded, its events already showing speed 0'),
  },
  {
    rule: 'speed-mismatch',
    broken: () => change(L('race: set-speed 0 answered after the backup concluded, its events already showing speed 0')(), event('BLOCK_JOB_COMPLETED'), (m) => ((m['data'] as Record<string, unknown>)['speed'] = 2097152)),
    job: 'j0',
    nearMiss: L('race: cancel after set-speed 0 lands in pending (10.0, 2 of 8 runs)'),
  },
  {
    rule: 'progress-decreased',
    broken: () => change(paused(), reply('c16'), (m) => ((m['return'] as Record<string, unknown>[])[0]!['current-progress'] = 0)),
    job: 'j0',
    nearMiss: paused,
  },
  {
    rule: 'error-on-success',
    broken: () => change(s100('change_mirror_ready')(), reply('c21'), (m) => ((m['return'] as Record<string, unknown>[])[0]!['error'] = 'Operation canceled')),
    job: 'm0',
    nearMiss: L('soft cancel of a ready mirror completes it without pivoting'),
  },
  {
    rule: 'error-missing',
    broken: () => change(paused(), reply('c19'), (m) => delete (m['return'] as Record<string, unknown>[])[0]!['error']),
    job: 'j0',
    nearMiss: paused,
  },
  {
    rule: 'verb-accepted-refused',
    broken: () => change(paused(), reply('c8'), (m) => (delete m['error'], (m['return'] = {}))),
    job: 'j0',
    nearMiss: L('race: job-complete pipelined after set-speed 0 is accepted (job already ready)'),
  },
  {
    rule: 'verb-accepted-refused',
    broken: () => change(standby(), reply('c16'), (m) => (delete m['return'], (m['error'] = { class: 'GenericError', desc: "Can't resume a job that was not paused" }))),
    job: 'm0',
    nearMiss: standby,
  },
  {
    rule: 'verb-error-class',
    broken: () => change(unknown(), reply('c8'), (m) => ((m['error'] as Record<string, unknown>)['class'] = 'GenericError')),
    job: 'nosuch',
    nearMiss: unknown,
  },
  {
    rule: 'verb-error-state',
    broken: () => change(paused(), reply('c8'), (m) => ((m['error'] as Record<string, unknown>)['desc'] = "Job 'j0' in state 'running' cannot accept command verb 'complete'")),
    job: 'j0',
    nearMiss: L('race: job-complete pipelined after set-speed 0 is refused in running'),
  },
  {
    rule: 'verb-error-text',
    broken: () => change(paused(), reply('c6'), (m) => ((m['error'] as Record<string, unknown>)['desc'] = 'Job is paused already')),
    job: 'j0',
    nearMiss: paused,
    options: { strict: true },
  },
  {
    rule: 'query-duplicate-job',
    broken: () => change(s100('change_mirror_ready')(), (m) => Array.isArray(m['return']) && (m['return'] as unknown[]).length === 1, (m) => (m['return'] = [...(m['return'] as unknown[]), ...(m['return'] as unknown[])])),
    job: 'm0',
    nearMiss: s100('change_mirror_ready'),
  },
  { rule: 'malformed-message', broken: () => change(defaults(), reply('c3'), (m) => (m['return'] = { jobs: m['return'] })), nearMiss: defaults },
  { rule: 'malformed-message', broken: () => change(defaults(), status('j0', 'waiting'), (m) => (m['data'] = null)), nearMiss: defaults },
  { rule: 'malformed-message', broken: () => change(paused(), reply('c6'), (m) => (delete m['error'], (m['return'] = { status: 'paused' }))), nearMiss: paused },
  {
    rule: 'job-id-in-use',
    broken: () => createAgain(paused(), { return: {}, id: 'x1' }),
    job: 'j0',
    nearMiss: () => createAgain(paused(), { error: { class: 'GenericError', desc: "Job ID 'j0' already in use" }, id: 'x1' }),
  },
  { rule: 'not-in-release', broken: defaults, nearMiss: defaults, options: { release: '2.12' } },
  { rule: 'verb-effect-missing', broken: () => moveAfter(create(), status('k0', 'null'), reply('c11')), job: 'k0', nearMiss: create },
];

describe('every rule has a broken real trace and a legal near-miss', () => {
  it('covers every rule id', () => {
    const covered = new Set(cases.map((c) => c.rule));
    expect([...Object.keys(Rules)].filter((r) => !covered.has(r as RuleId))).toEqual([]);
  });

  for (const c of cases) {
    it(`rejects a trace broken for ${c.rule}, naming the job and the line`, () => {
      const r = checkMessages(c.broken(), { file: 'broken.jsonl', ...c.options });
      expect(r.ok).toBe(false);
      const v = r.violations.find((x) => x.rule === c.rule);
      expect(v, r.violations.map((x) => `${x.rule}: ${x.message}`).join('\n')).toBeDefined();
      expect(v!.file).toBe('broken.jsonl');
      expect(v!.line).toBeGreaterThan(0);
      expect(v!.allowed.length).toBeGreaterThan(0);
      if (c.job !== undefined) expect(v!.job).toBe(c.job);
    });

    it(`accepts the near-miss of ${c.rule}`, () => {
      for (const strict of [false, true]) {
        const r = checkMessages(c.nearMiss(), { file: 'near-miss.jsonl', strict });
        expect(r.violations).toEqual([]);
      }
    });
  }

  it('accepts the --strict case without --strict', () => {
    const c = cases.find((x) => x.rule === 'verb-error-text')!;
    expect(checkMessages(c.broken()).ok).toBe(true);
  });
});

describe('transition rules are dispatched by status change', () => {
  // The core calls a rule's check only at the status changes its `edges` name: elsewhere it must find nothing.
  const profile = profileFor('10.0');
  const specs = [undefined, ...(['backup', 'mirror', 'commit', 'stream', 'create'] as const).map((type) => ({ id: 'j', jobId: 'j', type, autoFinalize: false, autoDismiss: false, speed: 0 }) as unknown as CreationSpec)];
  const jobs = (): JobTrack[] => {
    const out: JobTrack[] = [];
    for (const spec of specs) {
      for (const beliefs of [[0], [UP], [CX | FC], [CP], [0, UP]]) {
        for (const variant of [0, 1, 2]) {
          const job = new JobTrack(profile, 'j', spec);
          job.beliefs = beliefs;
          job.started = variant !== 0;
          job.failing = variant === 2;
          if (variant === 2) {
            const txn = new Txn();
            txn.aborting = true;
            txn.members.push(job, new JobTrack(profile, 'k', spec));
            job.txn = txn;
          }
          out.push(job);
        }
      }
    }
    return out;
  };

  it('finds nothing outside the edges each rule names', () => {
    const missed: string[] = [];
    const marker = {};
    let calls = 0;
    for (const [id, check, rule] of TransitionRules) {
      if (!rule.edges) continue;
      for (let from = 0; from < 11; from++) {
        for (let to = 0; to < 11; to++) {
          if (rule.edges(from, to)) continue;
          for (const job of jobs()) {
            for (const wire of [true, false]) {
              for (const shutdown of [true, false]) {
                for (const pending of [() => [], () => [marker]]) {
                  job.status = from;
                  calls++;
                  if (check({ job, from, to, wire, shutdown, pending })) missed.push(`${id} ${from}->${to}`);
                }
              }
            }
          }
        }
      }
    }
    expect(calls).toBeGreaterThan(0);
    expect([...new Set(missed)]).toEqual([]);
    expect(TransitionRules.filter(([, , rule]) => rule.edges === undefined).map(([id]) => id)).toEqual([]);
  });
});
