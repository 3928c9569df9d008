/**
 * One verify run: a planned scenario on the target, recorded message by message (the target's message
 * hook; SessionTrace writes nothing unless asked), judged by the trace checker and verify's own rules.
 */
import { checkMessages, type CoverageCollector, type Violation } from '../conformance/index.ts';
import type { JobStatus, JobVerb } from '../machines/index.ts';
import { isQmpError } from '../qmp/index.ts';
import type { Target } from '../targets/index.ts';
import { driveSteps, openDriven, type Driven, type DriveOutcome, type DrivenSession } from '../traces/driver.ts';
import type { TraceLine, TraceMeta } from '../traces/format.ts';
import { SessionTrace } from '../traces/sessionTrace.ts';
import type { VerifyEnv } from './env.ts';
import { checkInvariants, type VerifyViolation } from './invariants.ts';
import type { Plan } from './planner.ts';

export const VERIFY_RECORDER = 'qjob verify';

export interface RunOptions {
  readonly strict: boolean;
  readonly coverage?: CoverageCollector;
  /** Checker rules of this release instead of the greeting's. */
  readonly release?: string;
  readonly replyTimeoutMs?: number;
  /** The name violations carry. */
  readonly file?: string;
  readonly meta?: Record<string, unknown>;
}

export interface RunRecord {
  readonly ok: boolean;
  readonly violations: readonly VerifyViolation[];
  readonly lines: readonly TraceLine[];
  readonly meta: TraceMeta;
  readonly result: DriveOutcome;
  readonly plan: Plan;
}

function fromChecker(v: Violation): VerifyViolation {
  return { file: v.file, line: v.line, ...(v.job !== undefined ? { job: v.job } : {}), rule: v.rule, message: v.message, msg: v.msg, allowed: v.allowed };
}

/** A server that outlives sessions: cancel and dismiss jobs an earlier session of this run left (unrecorded). */
async function cleanUpLeftovers(target: Target, prefix: string): Promise<void> {
  const session = await target.open();
  try {
    for (let round = 0; round < 50; round++) {
      const r = await session.client.execute<{ id: string; status: string }[]>('query-jobs');
      if (isQmpError(r)) return;
      const mine = r.return.filter((j) => j.id.startsWith(prefix));
      if (mine.length === 0) return;
      for (const j of mine) {
        if (j.status === 'concluded') await session.client.execute('job-dismiss', { id: j.id });
        else if (j.status !== 'aborting') await session.client.execute('job-cancel', { id: j.id });
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await session.close();
  }
}

/** Tries to start a session more than once: a daemon that is slow to start on a busy machine is not a finding. */
const OPEN_ATTEMPTS = 3;

/**
 * QEMU 10.0, when connected to the moment its socket appears, now and then greets twice on one
 * connection and then fails to parse the next command ("JSON parse error"), about once in 500
 * sessions. Such a session says nothing about the job API: it is run again (at most twice).
 */
function brokenStart(lines: readonly TraceLine[]): boolean {
  return lines.filter((l) => l.dir === 'recv' && 'QMP' in l.msg).length > 1;
}

/** Coverage of one session, kept aside until the session is judged, then handed on. */
class SessionCoverage implements CoverageCollector {
  private readonly calls: ((c: CoverageCollector) => void)[] = [];
  edge(from: JobStatus, to: JobStatus): void {
    this.calls.push((c) => c.edge(from, to));
  }
  cell(status: JobStatus, verb: JobVerb, accepted: boolean): void {
    this.calls.push((c) => c.cell(status, verb, accepted));
  }
  trace(release: string): void {
    this.calls.push((c) => c.trace(release));
  }
  into(target: CoverageCollector): void {
    for (const call of this.calls) call(target);
  }
}

export async function runPlan(target: Target, plan: Plan, env: VerifyEnv, options: RunOptions): Promise<RunRecord> {
  for (let attempt = 1; ; attempt++) {
    const coverage = new SessionCoverage();
    const record = await runPlanOnce(target, plan, env, { ...options, coverage });
    if (record.ok || !brokenStart(record.lines) || attempt >= 3) {
      if (options.coverage) coverage.into(options.coverage);
      return record;
    }
  }
}

async function runPlanOnce(target: Target, plan: Plan, env: VerifyEnv, options: RunOptions): Promise<RunRecord> {
  const file = options.file ?? plan.scenario.name;
  if (env.persistent && env.idPrefix !== '') await cleanUpLeftovers(target, env.idPrefix);
  const makeTrace = (): SessionTrace =>
    new SessionTrace((release) => ({
      recorder: VERIFY_RECORDER,
      scenario: plan.scenario.name,
      ...(plan.scenario.desc !== undefined ? { desc: plan.scenario.desc } : {}),
      ...(release !== undefined ? { release } : {}),
      recorded: new Date().toISOString(),
      ...(plan.scenario.setup ? { setup: plan.scenario.setup } : {}),
      ...options.meta,
    }));
  let driven: DrivenSession | undefined;
  let run: Driven;
  try {
    driven = await openDriven(target, { scenario: plan.scenario.name, ...(plan.scenario.setup ? { setup: plan.scenario.setup } : {}) }, { trace: makeTrace, attempts: OPEN_ATTEMPTS });
    run = await driveSteps(driven, plan.scenario.steps, { ...(options.replyTimeoutMs !== undefined ? { replyTimeoutMs: options.replyTimeoutMs } : {}), waits: 'per-job' });
  } catch (error) {
    await driven?.close();
    const lines = driven?.trace.lines ?? [];
    const violation: VerifyViolation = { file, line: lines.length, rule: 'session-failed', message: (error as Error).message, msg: '', allowed: 'a session' };
    return { ok: false, violations: [violation], lines, meta: driven?.trace.meta ?? { recorder: VERIFY_RECORDER, scenario: plan.scenario.name }, result: { outcome: 'failed', step: 0, detail: (error as Error).message }, plan };
  }
  await driven.close();
  const trace = driven.trace;
  // Every run starts its scenario on a target of its own, so no job can predate the session.
  const check = checkMessages(trace.lines, {
    strict: options.strict,
    freshQemu: true,
    file,
    ...(options.coverage ? { coverage: options.coverage } : {}),
    ...(options.release !== undefined ? { release: options.release } : {}),
  });
  const own = checkInvariants({ file, lines: trace.lines, plan, result: run.result, replies: run.replies, strict: options.strict });
  const violations = [...check.violations.map(fromChecker), ...own];
  return { ok: violations.length === 0 && check.moreViolations === 0, violations, lines: trace.lines, meta: trace.meta, result: run.result, plan };
}
