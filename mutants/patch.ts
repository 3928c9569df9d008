/**
 * Small combinators that build a faulty server's hooks (server/hooks.ts): patch a profile's tables,
 * rewrite a step's events or reply, rewrite query answers. Each mutant in catalog.ts is one of these.
 */
import {
  JobErrors,
  JobStatus,
  step,
  VerbCommands,
  isVerbCommand,
  type EmittedEvent,
  type JobContext,
  type JobVerb,
  type ModelEvent,
  type Outcome,
  type Profile,
  type QmpError,
} from '../machines/index.ts';
import type { StepInput, WireEntry } from '../server/index.ts';

/** A profile whose verb table accepts (or refuses) `verb` in `status`. */
export function flipVerb(verb: JobVerb, status: JobStatus, allowed: boolean): (p: Profile) => Profile {
  return (p) => {
    const row = p.verbTable[verb] ?? [];
    const next = allowed ? [...row.filter((s) => s !== status), status] : row.filter((s) => s !== status);
    return { ...p, verbTable: { ...p.verbTable, [verb]: next } };
  };
}

/** The verb of a step's event, when it is a command. */
export function verbOf(event: ModelEvent): JobVerb | undefined {
  return isVerbCommand(event.type) ? VerbCommands[event.type].verb : undefined;
}

export function jobIn(group: { readonly jobs: readonly JobContext[] }, id: string | undefined): JobContext | undefined {
  return id === undefined ? undefined : group.jobs.find((j) => j.id === id);
}

export function idOf(event: ModelEvent): string | undefined {
  return 'id' in event ? event.id : undefined;
}

/** Rewrites the events of every step that has an outcome. */
export function mapEvents(fn: (events: readonly EmittedEvent[], input: StepInput & { readonly outcome: Outcome }) => readonly EmittedEvent[]): (input: StepInput) => Outcome | undefined {
  return (input) => {
    const out = input.outcome;
    if (!out) return out;
    return { ...out, events: fn(out.events, { ...input, outcome: out }) };
  };
}

export function isStatus(e: EmittedEvent, status?: string): boolean {
  return e.event === 'JOB_STATUS_CHANGE' && (status === undefined || e.data['status'] === status);
}

/** An accepted command that changes nothing. */
export function acceptedNoop(input: StepInput): Outcome {
  return { group: input.group, events: [], reply: undefined, isCommand: true };
}

/** The outcome of the same step with another event. */
export function rerun(input: StepInput, event: ModelEvent): Outcome | undefined {
  return step(input.profile, input.group, event);
}

export function sameError(a: QmpError | undefined, b: QmpError): boolean {
  return a !== undefined && a.class === b.class && a.desc === b.desc;
}

/** Rewrites each query entry. */
export function mapEntries(fn: (entry: WireEntry) => WireEntry | undefined): (entries: WireEntry[]) => WireEntry[] {
  return (entries) => entries.flatMap((e) => {
    const r = fn(e);
    return r === undefined ? [] : [r];
  });
}

export { JobErrors };
