/**
 * Properties of the model's semantics (machines/step.ts) on random runs: groups of one to three jobs of
 * random types and flags, completion-mode individual or grouped, any release from 2.12 up, driven by
 * random commands and internal steps. Each run picks, at every step, a command or one of the internal
 * events that can happen now. In "eager" runs the urgent internal events (txn-pending, txn-abort,
 * conclude, dismiss) are applied right after each step until none is left, as QEMU does them in the
 * same main-loop step; the other runs interleave them freely with everything else.
 *
 * Seeded: a failure prints fast-check's seed and shrunk path; pass both to `fc.assert` (`{ seed, path }`)
 * to replay it. The message of a broken rule names the step, the job and the events around it.
 */
import fc from 'fast-check';
import { createActor, transition } from 'xstate';
import { describe, expect, it } from 'vitest';
import {
  COMPLETED_STATUSES,
  createGroupMachine,
  type EmittedMachineEvent,
  createGroupContext,
  InternalEventTypes,
  JobErrors,
  JobEvents,
  JobStatus,
  JobType,
  JobVerb,
  JobTypes,
  atLeast,
  profileFor,
  step,
  sttAllows,
  UrgentInternalEvents,
  VerbCommands,
  verbAllowed,
  type EmittedEvent,
  type GroupContext,
  type InternalEventType,
  type JobContext,
  type JobInput,
  type ModelEvent,
  type Outcome,
  type Profile,
  type VerbCommandName,
  type VerbEvent,
} from '../../machines/index.ts';

const SEED = 0x51_0b_2025;
const RUNS = 300;
const MAX_STEPS = 60;

/** Releases on both sides of every change the profiles know about. */
const RELEASES = ['2.12', '3.0', '3.1', '5.0', '5.1', '5.2', '6.0', '6.1', '6.2', '7.2', '8.0', '8.1', '8.2', '9.0', '9.1', '9.2', '10.0', '10.1'];
const VERB_COMMANDS = Object.keys(VerbCommands) as VerbCommandName[];
const UNKNOWN_ID = 'nosuch';

// ---------------------------------------------------------------------------------------------------
// Scenarios

interface JobDraw {
  readonly type: JobType;
  readonly autoFinalize: boolean;
  readonly autoDismiss: boolean;
  readonly activeCommit: boolean;
  readonly copyMode: 'background' | 'write-blocking';
}

/** What one step of a run may use: which kind of event, which one, and every argument it could take. */
interface Choice {
  readonly command: boolean;
  readonly pick: number;
  readonly urgent: number;
  /** 0..2: a member of the group (modulo its size); 3: an id no job has (commands only). */
  readonly job: number;
  readonly force: boolean | undefined;
  readonly speed: number | undefined;
  readonly jobType: string | undefined;
  readonly copyMode: string | undefined;
  readonly error: string | undefined;
  readonly action: 'ignore' | 'report' | 'stop';
  readonly nospace: boolean;
  readonly done: number;
  readonly remaining: number;
}

interface Scenario {
  readonly release: string;
  readonly grouped: boolean;
  readonly eager: boolean;
  readonly jobs: readonly JobDraw[];
  readonly choices: readonly Choice[];
}

const jobArb: fc.Arbitrary<JobDraw> = fc.record({
  // Mostly block jobs, which have the most behaviour; every type now and then.
  type: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom<JobType>('backup', 'mirror') },
    { weight: 1, arbitrary: fc.constantFrom<JobType>('commit', 'stream') },
    { weight: 1, arbitrary: fc.constantFrom(...JobType) },
  ),
  autoFinalize: fc.boolean(),
  autoDismiss: fc.boolean(),
  activeCommit: fc.boolean(),
  copyMode: fc.constantFrom('background' as const, 'write-blocking' as const),
});

const choiceArb: fc.Arbitrary<Choice> = fc.record({
  command: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  pick: fc.nat(),
  urgent: fc.nat(),
  job: fc.oneof({ weight: 9, arbitrary: fc.nat({ max: 2 }) }, { weight: 1, arbitrary: fc.constant(3) }),
  force: fc.constantFrom(undefined, false, true),
  speed: fc.constantFrom(undefined, -1, 0, 1_048_576),
  jobType: fc.oneof(
    { weight: 6, arbitrary: fc.constant('mirror') },
    { weight: 3, arbitrary: fc.constantFrom<string | undefined>(...JobType) },
    { weight: 1, arbitrary: fc.constantFrom<string | undefined>(undefined, 'nosuch') },
  ),
  copyMode: fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom<string | undefined>('background', 'write-blocking') },
    { weight: 1, arbitrary: fc.constantFrom<string | undefined>(undefined, 'nosuch') },
  ),
  error: fc.constantFrom(undefined, undefined, 'Input/output error', "Could not create '/nonexistent-dir/x.raw': No such file or directory"),
  action: fc.constantFrom('ignore' as const, 'report' as const, 'stop' as const),
  nospace: fc.boolean(),
  done: fc.nat({ max: 1 << 20 }),
  remaining: fc.nat({ max: 1 << 22 }),
});

function scenarioArb(options: { eager?: boolean } = {}): fc.Arbitrary<Scenario> {
  return fc.record({
    release: fc.constantFrom(...RELEASES),
    grouped: fc.boolean(),
    eager: options.eager === undefined ? fc.boolean() : fc.constant(options.eager),
    jobs: fc.array(jobArb, { minLength: 1, maxLength: 3 }),
    choices: fc.array(choiceArb, { minLength: 1, maxLength: MAX_STEPS, size: 'max' }),
  });
}

/** The job as its creating command makes it in this release (types it lacks become backup; flags only where taken). */
function jobInput(profile: Profile, draw: JobDraw, index: number): JobInput {
  const type = profile.jobTypes.includes(draw.type) ? draw.type : 'backup';
  const since = JobTypes[type].userFlagsSince;
  const flags = since !== undefined && atLeast(profile.version, since) ? { autoFinalize: draw.autoFinalize, autoDismiss: draw.autoDismiss } : {};
  return {
    id: `j${index}`,
    type,
    ...flags,
    ...(type === 'commit' ? { activeCommit: draw.activeCommit } : {}),
    ...(type === 'mirror' ? { copyMode: draw.copyMode } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------
// Runs

interface Step {
  readonly before: GroupContext;
  readonly event: ModelEvent;
  readonly outcome: Outcome;
  /** Applied by the eager closure rather than chosen. */
  readonly urgent: boolean;
}

interface Run {
  readonly profile: Profile;
  readonly start: GroupContext;
  readonly steps: readonly Step[];
}

function internalEvent(type: InternalEventType, id: string, c: Choice): ModelEvent {
  switch (type) {
    case 'internal.prepare-fail':
      return { type };
    case 'internal.progress':
      return { type, id, done: c.done, remaining: c.remaining };
    case 'internal.run-returned':
      return c.error === undefined ? { type, id } : { type, id, error: c.error };
    case 'internal.io-error':
      return { type, id, action: c.action, ...(c.nospace ? { nospace: true } : {}) };
    case 'internal.finalize-fail':
      return { type, id, error: c.error ?? 'Input/output error' };
    default:
      return { type, id } as ModelEvent;
  }
}

function commandEvent(group: GroupContext, c: Choice, type: VerbCommandName): VerbEvent {
  const id = c.job === 3 ? UNKNOWN_ID : group.jobs[c.job % group.jobs.length]!.id;
  return {
    type,
    id,
    ...(type === 'block-job-cancel' && c.force !== undefined ? { force: c.force } : {}),
    ...(type === 'block-job-set-speed' && c.speed !== undefined ? { speed: c.speed } : {}),
    ...(type === 'block-job-change' && c.jobType !== undefined ? { jobType: c.jobType as JobType } : {}),
    ...(type === 'block-job-change' && c.copyMode !== undefined ? { copyMode: c.copyMode } : {}),
  };
}

/** Every (internal event type, job) pair of `types`; prepare-fail, which names no job, once. */
function internals(group: GroupContext, types: readonly InternalEventType[], c: Choice): ModelEvent[] {
  return types.flatMap((t) => (t === 'internal.prepare-fail' ? [internalEvent(t, '', c)] : group.jobs.map((j) => internalEvent(t, j.id, c))));
}

/** How often each internal event is picked when it can happen: creation and start more, endings less, so that most runs get far. */
const WEIGHT: Partial<Record<InternalEventType, number>> = {
  'internal.create': 12,
  'internal.start': 12,
  'internal.early-fail': 1,
  'internal.prepare-fail': 1,
  'internal.drain-begin': 2,
  'internal.drain-end': 2,
  'internal.progress': 2,
  'internal.io-error': 1,
  'internal.run-returned': 4,
};

const URGENT = InternalEventTypes.filter((t) => UrgentInternalEvents.has(t));

/** Deep-freezes a group, so a step that writes to what it was given throws. */
function freeze(group: GroupContext): GroupContext {
  for (const j of group.jobs) Object.freeze(j);
  Object.freeze(group.jobs);
  return Object.freeze(group);
}

/** The candidate `pick` lands on, each taking `weight` slots. */
function pickWeighted<T extends { readonly weight: number }>(candidates: readonly T[], pick: number): T | undefined {
  let at = pick % Math.max(1, candidates.reduce((sum, e) => sum + e.weight, 0));
  for (const e of candidates) {
    if (at < e.weight) return e;
    at -= e.weight;
  }
  return undefined;
}

function execute(s: Scenario): Run {
  const profile = profileFor(s.release);
  const start = freeze(createGroupContext(s.jobs.map((d, i) => jobInput(profile, d, i)), s.grouped));
  const steps: Step[] = [];
  let group = start;
  const apply = (event: ModelEvent, outcome: Outcome, urgent: boolean) => {
    steps.push({ before: group, event, outcome, urgent });
    group = freeze(outcome.group);
  };
  for (const c of s.choices) {
    // One of the internal events that can happen now, or else (and for a command choice) a verb command.
    const internal = c.command
      ? undefined
      : pickWeighted(
          internals(group, InternalEventTypes, c).flatMap((event) => {
            const outcome = step(profile, group, event);
            return outcome ? [{ event, outcome, weight: WEIGHT[event.type as InternalEventType] ?? 6 }] : [];
          }),
          c.pick,
        );
    const chosen =
      internal ??
      pickWeighted(
        VERB_COMMANDS.map((type) => {
          const event = commandEvent(group, c, type);
          const outcome = step(profile, group, event);
          if (!outcome) throw new Error(`step gave no outcome for the command ${JSON.stringify(event)}`);
          // Accepted commands are picked more often, except on a job in created, which no command finds in
          // QEMU (creating and starting happen inside one command), and cancel, which would end most runs early.
          const created = group.jobs.find((j) => j.id === event.id)?.status === 'created';
          return { event, outcome, weight: outcome.reply || created ? 1 : VerbCommands[type].verb === 'cancel' ? 2 : 4 };
        }),
        c.pick,
      )!;
    apply(chosen.event, chosen.outcome, false);
    for (let rounds = 0; s.eager; rounds++) {
      if (rounds > 50) throw new Error('the urgent internal events never run out');
      // Any of the urgent events that can happen now: their order across jobs is free.
      const enabled = internals(group, URGENT, c).flatMap((event) => {
        const outcome = step(profile, group, event);
        return outcome ? [[event, outcome] as const] : [];
      });
      const next = enabled[(c.urgent + rounds) % Math.max(1, enabled.length)];
      if (!next) break;
      apply(next[0], next[1], true);
    }
  }
  return { profile, start, steps };
}

// ---------------------------------------------------------------------------------------------------
// Reporting

function describeEvent(e: EmittedEvent): string {
  const d = e.data;
  if (e.event === 'JOB_STATUS_CHANGE') return `${String(d['id'])}:${String(d['status'])}`;
  const extra = [d['action'], d['error']].filter((x) => x !== undefined).map(String);
  return `${e.event}(${[String(d['device'] ?? d['id']), ...extra].join(', ')})`;
}

function describeStep(s: Step, index: number): string {
  const { event: e, outcome: o } = s;
  const args = Object.entries(e)
    .filter(([k]) => k !== 'type')
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  const reply = o.isCommand ? ` → ${o.reply ? o.reply.desc : 'ok'}` : '';
  return `  #${index}${s.urgent ? '*' : ' '} ${e.type} ${args}${reply}  [${o.events.map(describeEvent).join(' ')}]`;
}

function describeJob(j: JobContext): string {
  const flags = Object.entries({ af: j.autoFinalize, ad: j.autoDismiss, started: j.started, userPaused: j.userPaused, cancelled: j.cancelled, force: j.force })
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  return `${j.id} ${j.type} ${j.status} drains=${j.drains} ${flags} error=${JSON.stringify(j.error)}`;
}

/** Throws with the rule, the step it broke at and the run up to there (urgent steps marked *). */
function broken(run: Run, index: number, rule: string): never {
  const s = run.steps[index]!;
  const lines = run.steps.slice(0, index + 1).map(describeStep);
  const shown = lines.length > 40 ? ['  ...', ...lines.slice(-40)] : lines;
  const jobs = s.outcome.group.jobs.map((j) => `  ${describeJob(j)}`);
  throw new Error(
    `${rule}\nQEMU ${run.profile.release}, ${run.start.grouped ? 'grouped' : 'individual'} group; at step #${index}:\n${shown.join('\n')}\nafter it:\n${jobs.join('\n')}`,
  );
}

// ---------------------------------------------------------------------------------------------------
// Helpers on steps

const statusEvents = (events: readonly EmittedEvent[], id: string): JobStatus[] =>
  events.filter((e) => e.event === 'JOB_STATUS_CHANGE' && e.data['id'] === id).map((e) => e.data['status'] as JobStatus);

const eventJobId = (e: EmittedEvent): string => String(e.data['device'] ?? e.data['id']);

const isBlockEvent = (e: EmittedEvent): boolean => e.event.startsWith('BLOCK_JOB_');

/** The statuses a job passes through in one step: the reported ones (from 3.0), then where it ends if not reported. */
function statusPath(run: Run, s: Step, k: number): JobStatus[] {
  const after = s.outcome.group.jobs[k]!.status;
  const reported = run.profile.features.jobStatusChangeEvent ? statusEvents(s.outcome.events, s.before.jobs[k]!.id) : [];
  const path = [s.before.jobs[k]!.status, ...reported];
  return path.at(-1) === after ? path : [...path, after];
}

function check(name: string, scenario: fc.Arbitrary<Scenario>, rule: (run: Run) => void): void {
  it(name, () => {
    fc.assert(
      fc.property(scenario, (s) => rule(execute(s))),
      { seed: SEED, numRuns: RUNS, includeErrorInReport: true },
    );
  });
}

// ---------------------------------------------------------------------------------------------------
// Properties

describe('step, on random runs over any release', () => {
  check('moves jobs only along JobSTT edges', scenarioArb(), (run) => {
    run.steps.forEach((s, i) => {
      s.before.jobs.forEach((j, k) => {
        const path = statusPath(run, s, k);
        for (let p = 1; p < path.length; p++) {
          if (!sttAllows(path[p - 1]!, path[p]!)) broken(run, i, `${j.id} moved ${path[p - 1]} → ${path[p]}, which JobSTT does not allow`);
        }
      });
    });
  });

  check('reports every status change, and only those, as JOB_STATUS_CHANGE in order (none before 3.0)', scenarioArb(), (run) => {
    const reports = run.profile.features.jobStatusChangeEvent;
    run.steps.forEach((s, i) => {
      s.before.jobs.forEach((j, k) => {
        const reported = statusEvents(s.outcome.events, j.id);
        const after = s.outcome.group.jobs[k]!.status;
        if (!reports) {
          if (reported.length > 0) broken(run, i, `QEMU ${run.profile.release} has no JOB_STATUS_CHANGE, yet ${j.id} reported one`);
          return;
        }
        const last = reported.at(-1) ?? j.status;
        if (last !== after) broken(run, i, `${j.id} is ${after} after the step, but its last reported status is ${last}`);
        [j.status, ...reported].forEach((status, p, all) => {
          if (p > 0 && all[p - 1] === status) broken(run, i, `${j.id} reported ${status} without changing status`);
        });
      });
      for (const e of s.outcome.events) {
        if (e.event === 'JOB_STATUS_CHANGE' && !s.before.jobs.some((j) => j.id === e.data['id'])) broken(run, i, `JOB_STATUS_CHANGE for unknown job ${String(e.data['id'])}`);
      }
    });
  });

  check('never moves a job out of null, nor back to undefined', scenarioArb(), (run) => {
    run.steps.forEach((s, i) => {
      s.before.jobs.forEach((j, k) => {
        const after = s.outcome.group.jobs[k]!.status;
        if (j.status === 'null' && after !== 'null') broken(run, i, `${j.id} left null for ${after}`);
        if (j.status !== 'undefined' && after === 'undefined') broken(run, i, `${j.id} went back to undefined`);
      });
    });
  });

  check('never lowers current-progress', scenarioArb(), (run) => {
    run.steps.forEach((s, i) => {
      s.before.jobs.forEach((j, k) => {
        const after = s.outcome.group.jobs[k]!;
        if (after.current < j.current) broken(run, i, `${j.id}'s current-progress went from ${j.current} down to ${after.current}`);
        if (after.total < after.current) broken(run, i, `${j.id}'s total-progress ${after.total} is below its current-progress ${after.current}`);
      });
    });
  });

  check('has a job force-cancelled only if it was cancelled', scenarioArb(), (run) => {
    run.steps.forEach((s, i) => {
      for (const j of s.outcome.group.jobs) if (j.force && !j.cancelled) broken(run, i, `${j.id} has force set but not cancelled`);
    });
  });

  check('emits BLOCK_JOB_* only for block jobs, with their type and id', scenarioArb(), (run) => {
    run.steps.forEach((s, i) => {
      for (const e of s.outcome.events.filter(isBlockEvent)) {
        const job = s.outcome.group.jobs.find((j) => j.id === eventJobId(e));
        if (!job) broken(run, i, `${e.event} names no job of the group`);
        if (!job.isBlockJob) broken(run, i, `${e.event} for ${job.id}, a ${job.type} job, which is no block job`);
        if (e.event !== 'BLOCK_JOB_ERROR' && e.data['type'] !== job.type) broken(run, i, `${e.event} for ${job.id} says type ${String(e.data['type'])}, not ${job.type}`);
      }
    });
  });

  check('emits BLOCK_JOB_PENDING exactly when a block job with auto-finalize=false enters pending, right after its pending event', scenarioArb(), (run) => {
    run.steps.forEach((s, i) => {
      s.before.jobs.forEach((j, k) => {
        const after = s.outcome.group.jobs[k]!;
        const entered = j.status !== 'pending' && after.status === 'pending';
        const at = s.outcome.events.findIndex((e) => e.event === 'BLOCK_JOB_PENDING' && e.data['id'] === j.id);
        const expected = entered && j.isBlockJob && !j.autoFinalize;
        if (expected !== at >= 0) {
          broken(run, i, `${j.id} (${j.type}, auto-finalize=${String(j.autoFinalize)}) ${entered ? 'entered' : 'did not enter'} pending, and BLOCK_JOB_PENDING was ${at >= 0 ? '' : 'not '}emitted`);
        }
        if (at >= 0 && run.profile.features.jobStatusChangeEvent) {
          const prev = s.outcome.events[at - 1];
          if (prev?.event !== 'JOB_STATUS_CHANGE' || prev.data['id'] !== j.id || prev.data['status'] !== 'pending') {
            broken(run, i, `BLOCK_JOB_PENDING for ${j.id} does not directly follow its pending event`);
          }
        }
      });
    });
  });

  check('emits BLOCK_JOB_READY once per job, as a block job enters ready from running, after its ready event', scenarioArb(), (run) => {
    const seen = new Set<string>();
    run.steps.forEach((s, i) => {
      s.before.jobs.forEach((j, k) => {
        const after = s.outcome.group.jobs[k]!;
        const at = s.outcome.events.findIndex((e) => e.event === 'BLOCK_JOB_READY' && e.data['device'] === j.id);
        const expected = j.isBlockJob && j.status === 'running' && after.status === 'ready';
        if (expected !== at >= 0) broken(run, i, `${j.id} went ${j.status} → ${after.status}, and BLOCK_JOB_READY was ${at >= 0 ? '' : 'not '}emitted`);
        if (at < 0) return;
        if (seen.has(j.id)) broken(run, i, `BLOCK_JOB_READY for ${j.id} a second time`);
        seen.add(j.id);
        const prev = s.outcome.events[at - 1];
        if (run.profile.features.jobStatusChangeEvent && (prev?.event !== 'JOB_STATUS_CHANGE' || prev.data['status'] !== 'ready')) {
          broken(run, i, `BLOCK_JOB_READY for ${j.id} does not directly follow its ready event`);
        }
      });
    });
  });

  check('ends every started block job with exactly one of BLOCK_JOB_COMPLETED or CANCELLED, as it concludes; never one that did not start', scenarioArb(), (run) => {
    const ended = new Set<string>();
    run.steps.forEach((s, i) => {
      s.before.jobs.forEach((j, k) => {
        const after = s.outcome.group.jobs[k]!;
        const ends = s.outcome.events.flatMap((e, at) => ((e.event === 'BLOCK_JOB_COMPLETED' || e.event === 'BLOCK_JOB_CANCELLED') && e.data['device'] === j.id ? [at] : []));
        const concludes = j.status !== 'concluded' && after.status === 'concluded';
        if (ends.length > 0 && !after.started) broken(run, i, `${j.id} never started, yet it emitted ${s.outcome.events[ends[0]!]!.event}`);
        if (ends.length > 1 || (ends.length > 0 && ended.has(j.id))) broken(run, i, `${j.id} emitted a second BLOCK_JOB_COMPLETED/CANCELLED`);
        if (ends.length > 0 && !concludes) broken(run, i, `${j.id} emitted its final event without concluding (${j.status} → ${after.status})`);
        if (concludes && after.started && after.isBlockJob && ends.length === 0) broken(run, i, `${j.id} concluded without BLOCK_JOB_COMPLETED/CANCELLED`);
        if (ends.length === 0) return;
        ended.add(j.id);
        const e = s.outcome.events[ends[0]!]!;
        if ((e.event === 'BLOCK_JOB_CANCELLED') !== after.force) broken(run, i, `${j.id} emitted ${e.event} with force=${String(after.force)}`);
        if (e.event === 'BLOCK_JOB_COMPLETED' && (e.data['error'] ?? null) !== after.error) {
          broken(run, i, `${j.id}'s BLOCK_JOB_COMPLETED says error ${JSON.stringify(e.data['error'])}, the job has ${JSON.stringify(after.error)}`);
        }
        const concludedAt = s.outcome.events.findIndex((x) => x.event === 'JOB_STATUS_CHANGE' && x.data['id'] === j.id && x.data['status'] === 'concluded');
        if (run.profile.features.jobStatusChangeEvent && concludedAt < ends[0]!) broken(run, i, `${j.id}'s ${e.event} does not come before its concluded event`);
      });
    });
  });

  check('concludes a job with an error exactly when it failed or was force-cancelled', scenarioArb(), (run) => {
    const failed = run.start.jobs.map(() => false);
    run.steps.forEach((s, i) => {
      const e = s.event;
      const k = 'id' in e ? s.before.jobs.findIndex((j) => j.id === e.id) : -1;
      if ((e.type === 'internal.run-returned' && e.error !== undefined) || (e.type === 'internal.io-error' && e.action === 'report')) failed[k] = true;
      if (e.type === 'internal.finalize-fail') failed[k] = true;
      s.outcome.group.jobs.forEach((j, n) => {
        if (j.status !== 'concluded' || s.before.jobs[n]!.status === 'concluded') return;
        const shouldHaveError = failed[n]! || j.force;
        if ((j.error !== null) !== shouldHaveError) {
          broken(run, i, `${j.id} concluded with error ${JSON.stringify(j.error)} though it ${failed[n] ? 'failed' : 'did not fail'} and force=${String(j.force)}`);
        }
        if (j.force && !failed[n] && j.error !== JobErrors.cancelledText) broken(run, i, `${j.id} was force-cancelled but its error is ${JSON.stringify(j.error)}`);
      });
    });
  });

  // That step has an outcome for every command is checked as the runs are made: the run stops with an error.
  check('replies to every command, and internal events never get a reply', scenarioArb(), (run) => {
    run.steps.forEach((s, i) => {
      const isCommand = (VERB_COMMANDS as string[]).includes(s.event.type);
      if (s.outcome.isCommand !== isCommand) broken(run, i, `isCommand is ${String(s.outcome.isCommand)} for ${s.event.type}`);
      if (!isCommand && 'reply' in s.outcome) broken(run, i, `internal event ${s.event.type} has a reply`);
    });
  });

  check('changes nothing and emits nothing when it refuses a command', scenarioArb(), (run) => {
    run.steps.forEach((s, i) => {
      if (!s.outcome.reply) return;
      const { group } = s.outcome;
      const same = group.aborting === s.before.aborting && group.grouped === s.before.grouped && group.jobs.every((j, k) => JSON.stringify(j) === JSON.stringify(s.before.jobs[k]));
      if (!same || group.jobs.length !== s.before.jobs.length) broken(run, i, 'a refused command changed the group');
      if (s.outcome.events.length > 0) broken(run, i, 'a refused command emitted events');
    });
  });

  check('accepts a verb only where the release verb table allows it, and says so when the table refuses', scenarioArb(), (run) => {
    run.steps.forEach((s, i) => {
      if (!s.outcome.isCommand) return;
      const e = s.event as VerbEvent;
      const { verb, family } = VerbCommands[e.type];
      const job = s.before.jobs.find((j) => j.id === e.id);
      const reply = s.outcome.reply;
      if (!run.profile.commands.has(e.type)) {
        if (reply?.class !== 'CommandNotFound') broken(run, i, `QEMU ${run.profile.release} has no ${e.type}, yet the reply is ${JSON.stringify(reply)}`);
        return;
      }
      const live = job && job.status !== 'undefined' && job.status !== 'null' ? job : undefined;
      if (!reply) {
        if (!live) broken(run, i, `${e.type} succeeded on ${e.id}, which is no live job`);
        if (family === 'block-job' && !live.isBlockJob) broken(run, i, `${e.type} succeeded on ${live.id}, a ${live.type} job`);
        if (!verbAllowed(run.profile, verb, live.status)) broken(run, i, `${e.type} succeeded on ${live.id} in ${live.status}, where the verb table refuses ${verb}`);
        return;
      }
      if (reply.class === 'DeviceNotActive' && live?.isBlockJob) broken(run, i, `${e.type} did not find block job ${live.id}`);
      if (reply.desc === JobErrors.jobNotFound().desc && live) broken(run, i, `${e.type} did not find job ${live.id}`);
      if (live && reply.desc === JobErrors.verbRefused(live.id, live.status, verb).desc && verbAllowed(run.profile, verb, live.status)) {
        broken(run, i, `${e.type} was refused by the verb table in ${live.status}, which allows ${verb}`);
      }
    });
  });

  check('never leaves a grouped member pending while another has not finished its run (eager runs)', scenarioArb({ eager: true }), (run) => {
    if (!run.start.grouped) return;
    run.steps.forEach((s, i) => {
      const jobs = s.outcome.group.jobs;
      const pending = jobs.find((j) => j.status === 'pending');
      const unfinished = jobs.find((j) => !COMPLETED_STATUSES.has(j.status));
      if (pending && unfinished) broken(run, i, `${pending.id} is pending while ${unfinished.id} is still ${unfinished.status}`);
    });
  });

  check('ends every member of an aborted grouped transaction with an error (eager runs)', scenarioArb({ eager: true }), (run) => {
    if (!run.start.grouped) return;
    // A job that failed right after job_create (created → null) left the transaction before it aborted.
    const earlyFailed = new Set<string>();
    run.steps.forEach((s, i) => {
      const g = s.outcome.group;
      s.before.jobs.forEach((j, k) => {
        if (j.status === 'created' && g.jobs[k]!.status === 'null') earlyFailed.add(j.id);
      });
      if (!g.aborting) return;
      for (const j of g.jobs.filter((m) => !earlyFailed.has(m.id))) {
        if ((j.status === 'aborting' || j.status === 'concluded' || j.status === 'null') && j.error === null) {
          broken(run, i, `${j.id} is ${j.status} without an error in an aborted grouped transaction`);
        }
        if (j.status === 'pending' || j.status === 'waiting') {
          if (!j.force) broken(run, i, `${j.id} is ${j.status} in an aborted grouped transaction but not force-cancelled`);
        }
      }
    });
  });

  check('never writes to the group it is given, and gives the same outcome twice', scenarioArb(), (run) => {
    run.steps.forEach((s, i) => {
      const again = step(run.profile, s.before, s.event);
      if (JSON.stringify(again) !== JSON.stringify(s.outcome)) broken(run, i, 'a second step from the same group and event gave another outcome');
    });
  });
});

describe('the random runs', () => {
  // A property that holds on runs which never get anywhere proves nothing: count what the runs above reach.
  it('take every JobSTT edge that changes status, emit every job event, and have every verb both accepted and refused', () => {
    const edges = new Set<string>();
    const events = new Set<string>();
    const verbs = new Set<string>();
    let groupedAborts = 0;
    for (const s of fc.sample(scenarioArb(), { seed: SEED, numRuns: RUNS })) {
      const run = execute(s);
      for (const st of run.steps) {
        st.before.jobs.forEach((_, k) => {
          const path = statusPath(run, st, k);
          for (let p = 1; p < path.length; p++) edges.add(`${path[p - 1]}->${path[p]}`);
        });
        for (const e of st.outcome.events) events.add(e.event);
        if (st.outcome.isCommand) verbs.add(`${VerbCommands[(st.event as VerbEvent).type].verb} ${st.outcome.reply ? 'refused' : 'accepted'}`);
      }
      if (run.start.grouped && run.start.jobs.length > 1 && run.steps.some((st) => st.outcome.group.aborting)) groupedAborts++;
    }
    const changing = JobStatus.flatMap((from) => JobStatus.filter((to) => to !== from && sttAllows(from, to)).map((to) => `${from}->${to}`));
    expect([...edges].sort()).toEqual(changing.sort());
    expect([...events].sort()).toEqual(Object.keys(JobEvents).sort());
    expect([...verbs].sort()).toEqual(JobVerb.flatMap((v) => [`${v} accepted`, `${v} refused`]).sort());
    expect(groupedAborts).toBeGreaterThan(10);
  });
});

describe('the group machine', () => {
  check('emits what step emits and replies what step replies, step by step', scenarioArb(), (run) => {
    const machine = createGroupMachine(run.profile, run.start.jobs.length);
    let snap = createActor(machine, { input: { jobs: run.start.jobs.map((j) => ({ id: j.id, type: j.type, autoFinalize: j.autoFinalize, autoDismiss: j.autoDismiss, activeCommit: j.hasReady && j.type === 'commit', copyMode: j.copyMode ?? undefined })), grouped: run.start.grouped } }).getSnapshot();
    run.steps.forEach((s, i) => {
      if (snap.status === 'done') return;
      const [next, actions] = transition(machine, snap, { ...s.event } as ModelEvent);
      snap = next;
      const got = actions.map((a) => (a.params as { event?: EmittedMachineEvent } | undefined)?.event).filter((e): e is EmittedMachineEvent => e !== undefined)
        .map((e) => (e.type === 'qmp.reply' ? `reply ${e.error?.desc ?? 'ok'}` : `${e.event} ${JSON.stringify(e.data)}`));
      const want = [...s.outcome.events.map((e) => `${e.event} ${JSON.stringify(e.data)}`), ...(s.outcome.isCommand ? [`reply ${s.outcome.reply?.desc ?? 'ok'}`] : [])];
      if (JSON.stringify(got) !== JSON.stringify(want)) broken(run, i, `machine emitted ${JSON.stringify(got)}, step ${JSON.stringify(want)}`);
      const value = snap.value as Record<string, string>;
      s.outcome.group.jobs.forEach((j, k) => {
        if (value[`job${k}`] !== j.status) broken(run, i, `machine node job${k} is ${value[`job${k}`]}, step says ${j.status}`);
      });
    });
  });
});
