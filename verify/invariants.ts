/**
 * Rules verify checks beside the trace checker (conformance/): ones that need what the scenario meant
 * (the model's prediction of each job-creating command, the events it waited for) or that look at the
 * raw messages. Each has an id, like the checker's rules.
 */
import type { Violation } from '../conformance/result.ts';
import type { QmpResult } from '../qmp/index.ts';
import type { TraceLine } from '../traces/format.ts';
import { isCommandStep, type ScenarioStep } from '../traces/scenario.ts';
import type { DriveOutcome } from '../traces/driver.ts';
import type { Plan } from './planner.ts';

export const VerifyRules = {
  'creator-reply': 'a job-creating command succeeded where the model refuses it, or failed where the model accepts it (or, strict, with another error class or text): job ids, busy nodes, missing nodes, speeds',
  'expected-event-missing': 'a status the model says the job reaches (by itself, or because of a command) did not come within the wait',
  'no-reply': 'a command got no reply within the reply time-out',
  'session-failed': 'the session broke off (the connection closed, or the target could not be started)',
  'json-null': 'a message from the server holds a JSON null, which the job API never sends',
  'progress-exceeds-total': "query-jobs shows a job's current-progress above its total-progress",
  'timestamp-order': 'an event carries a timestamp earlier than the event before it',
} as const;

export type VerifyRuleId = keyof typeof VerifyRules;

/** A checker violation's shape, with verify's own rule ids besides the checker's. */
export type VerifyViolation = Omit<Violation, 'rule'> & { readonly rule: string };

function short(value: unknown, max = 240): string {
  const s = JSON.stringify(value) ?? 'undefined';
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

function hasNull(value: unknown): boolean {
  if (value === null) return true;
  if (Array.isArray(value)) return value.some(hasNull);
  if (typeof value === 'object') return Object.values(value as Record<string, unknown>).some(hasNull);
  return false;
}

export interface InvariantInput {
  readonly file: string;
  readonly lines: readonly TraceLine[];
  readonly plan: Plan;
  readonly result: DriveOutcome;
  readonly replies: ReadonlyMap<number, QmpResult>;
  readonly strict: boolean;
}

export function checkInvariants(input: InvariantInput): VerifyViolation[] {
  const { file, lines, plan, result, replies, strict } = input;
  const out: VerifyViolation[] = [];
  const steps: readonly ScenarioStep[] = plan.scenario.steps;
  // The k-th command step went out as the k-th send after qmp_capabilities.
  const sendLines: number[] = [];
  lines.forEach((l, i) => {
    if (l.dir === 'send' && l.msg['execute'] !== 'qmp_capabilities') sendLines.push(i + 1);
  });
  const lineOfStep = new Map<number, number>();
  let k = 0;
  steps.forEach((s, i) => {
    if (isCommandStep(s)) lineOfStep.set(i, sendLines[k++] ?? lines.length);
  });
  const near = (step: number): number => {
    for (let i = step; i >= 0; i--) if (lineOfStep.has(i)) return lineOfStep.get(i)!;
    return 1;
  };

  for (const [index, predicted] of plan.creators) {
    const reply = replies.get(index);
    if (!reply) continue;
    const step = steps[index];
    const name = step && isCommandStep(step) ? step.cmd : 'command';
    const line = lineOfStep.get(index) ?? 1;
    const expected = predicted === null ? 'success' : `${predicted.class}: ${predicted.desc}`;
    if ('return' in reply) {
      if (predicted !== null) out.push({ file, line, rule: 'creator-reply', message: `${name} succeeded`, msg: short(reply), allowed: expected });
    } else if (predicted === null) {
      out.push({ file, line, rule: 'creator-reply', message: `${name} failed: ${reply.error.class}: ${reply.error.desc}`, msg: short(reply), allowed: expected });
    } else if (reply.error.class !== predicted.class || (strict && reply.error.desc !== predicted.desc)) {
      out.push({ file, line, rule: 'creator-reply', message: `${name} failed with ${reply.error.class}: ${reply.error.desc}`, msg: short(reply), allowed: expected });
    }
  }

  if (result.outcome !== 'done') {
    const step = steps[result.step];
    const waiting = step !== undefined && 'wait' in step;
    const job = waiting ? String((step.data as Record<string, unknown> | undefined)?.['id'] ?? '') : undefined;
    const rule = waiting ? 'expected-event-missing' : result.outcome === 'hung' ? 'no-reply' : 'session-failed';
    out.push({
      file,
      line: waiting ? lines.length : near(result.step),
      ...(job ? { job } : {}),
      rule,
      message: result.detail,
      msg: short(step),
      allowed: waiting ? 'the event, as the model predicts it' : 'a reply',
    });
  }

  let lastStamp = -Infinity;
  lines.forEach((l, i) => {
    if (l.dir !== 'recv') return;
    const msg = l.msg;
    if (hasNull(msg)) out.push({ file, line: i + 1, rule: 'json-null', message: 'a JSON null in a message from the server', msg: short(msg), allowed: 'no null' });
    const ts = msg['timestamp'] as { seconds?: unknown; microseconds?: unknown } | undefined;
    if (typeof msg['event'] === 'string' && ts && typeof ts.seconds === 'number' && typeof ts.microseconds === 'number') {
      const stamp = ts.seconds * 1e6 + ts.microseconds;
      if (stamp < lastStamp) out.push({ file, line: i + 1, rule: 'timestamp-order', message: 'the timestamp goes back', msg: short(msg), allowed: 'no earlier than the previous event' });
      lastStamp = Math.max(lastStamp, stamp);
    }
    const ret = msg['return'];
    if (Array.isArray(ret)) {
      for (const entry of ret) {
        if (typeof entry !== 'object' || entry === null) continue;
        const e = entry as Record<string, unknown>;
        const cur = e['current-progress'];
        const tot = e['total-progress'];
        if (typeof cur === 'number' && typeof tot === 'number' && cur > tot) {
          out.push({ file, line: i + 1, job: String(e['id']), rule: 'progress-exceeds-total', message: `current-progress ${cur} > total-progress ${tot}`, msg: short(e), allowed: 'current ≤ total' });
        }
      }
    }
  });
  return out;
}
