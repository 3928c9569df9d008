/**
 * Builds the XState machines from the model's semantics (step.ts). Each job is a state node whose
 * states are named exactly after JobStatus; its transitions are QEMU's JobSTT edges, each taken when
 * `step` moves the job there. A transaction group is a parallel machine with one such node per job.
 * Refused commands and changes of context alone are targetless transitions. The machines emit the
 * QMP events (`qmp.event`) and replies (`qmp.reply`) the step produces.
 */
import { enqueueActions, setup, type AnyEventObject, type EventObject, type ParameterizedObject, type ProvidedActor } from 'xstate';
import { createGroupContext, type GroupContext, type JobInput } from './context.ts';
import type { QmpError } from './errors.ts';
import { InternalEventTypes, type ModelEvent } from './events.ts';
import { isVerbCommand, VerbCommands } from './commands.ts';
import { verbAllowed, type Profile } from './profile.ts';
import { JobStatus } from './qapi.ts';
import { isVerbEvent, step, type EmittedEvent, type Outcome } from './step.ts';

export type EmittedMachineEvent =
  | { readonly type: 'qmp.event'; readonly event: EmittedEvent['event']; readonly data: EmittedEvent['data'] }
  | { readonly type: 'qmp.reply'; readonly id: string; readonly command: string; readonly error?: QmpError };

export interface MachineInput {
  readonly jobs: readonly JobInput[];
  readonly grouped?: boolean;
}

/** Every event type the machines take: the verb commands in both spellings, then the internal events. */
export const MachineEventTypes: readonly string[] = [...Object.keys(VerbCommands), ...InternalEventTypes];

/**
 * One step is computed once per event, however many job nodes look at it: within one transition the
 * guards of all nodes are evaluated on the same context and event before any action runs, and the first
 * node's action commits the step. So the last step computed is all that needs keeping.
 */
let last: { profile: Profile; context: GroupContext; event: AnyEventObject; outcome: Outcome | undefined } | undefined;

function outcomeFor(profile: Profile, context: GroupContext, event: AnyEventObject): Outcome | undefined {
  if (last && last.event === event && last.context === context && last.profile === profile) return last.outcome;
  const outcome = step(profile, context, event as ModelEvent);
  last = { profile, context, event, outcome };
  return outcome;
}

function types() {
  return setup({
    types: {
      context: {} as GroupContext,
      events: {} as ModelEvent,
      input: {} as MachineInput,
    },
  });
}

const commit = enqueueActions<
  GroupContext,
  ModelEvent,
  undefined,
  ModelEvent,
  ProvidedActor,
  ParameterizedObject,
  ParameterizedObject,
  never,
  EventObject
>(({ context, event, enqueue }) => {
  // Only the first job node's action sees the context the step was computed on; the others see its result.
  if (!last || last.event !== event || last.context !== context || !last.outcome) return;
  const outcome = last.outcome;
  enqueue.assign(() => outcome.group);
  for (const e of outcome.events) {
    const emitted: EmittedMachineEvent = { type: 'qmp.event', event: e.event, data: e.data };
    enqueue.emit(emitted);
  }
  if (outcome.isCommand && isVerbEvent(event)) {
    const reply: EmittedMachineEvent = outcome.reply
      ? { type: 'qmp.reply', id: event.id, command: event.type, error: outcome.reply }
      : { type: 'qmp.reply', id: event.id, command: event.type };
    enqueue.emit(reply);
  }
});

type GuardArgs = { context: GroupContext; event: AnyEventObject };

/**
 * Whether job node `index` takes the transition that keeps its status: it is the first node whose member
 * the outcome concerns (the member changed, or the event names it). Nodes whose member changes status
 * take their STT edge; no other node takes a transition, since one commit applies the whole step. What
 * concerns no member (a command naming no live job of the group gets its reply all the same) goes to
 * the first node not yet in its final state: `null` takes no events.
 */
function concerns(context: GroupContext, event: AnyEventObject, out: Outcome, index: number): boolean {
  const id = (event as { id?: unknown }).id;
  const jobs = context.jobs;
  let first = -1;
  for (let k = 0; k < jobs.length; k++) {
    const before = jobs[k]!;
    if (before.status === 'null') continue;
    if (out.group.jobs[k] !== before || id === before.id) return k === index;
    if (first < 0) first = k;
  }
  return index === first && (out.isCommand || out.group.aborting !== context.aborting || out.events.length > 0);
}

/**
 * The state node of job `index`: one state per JobStatus, the STT edges out of it as transitions. A
 * verb command whose verb the status refuses in JobVerbTable (QEMU refuses it whatever else holds:
 * replies.ts) has only its refusal there; every other event has one guarded transition per STT edge,
 * taken when `step` moves the job along it, then one that keeps the status.
 */
function jobStates(profile: Profile, index: number) {
  const states: Record<string, object> = {};
  for (const status of JobStatus) {
    if (status === 'null') {
      states[status] = { type: 'final' };
      continue;
    }
    const moves = profile.transitions[status]
      .filter((to) => to !== status)
      .map((to) => ({
        guard: ({ context, event }: GuardArgs) => outcomeFor(profile, context, event)?.group.jobs[index]?.status === to,
        target: to,
        actions: commit,
      }));
    const stay = {
      guard: ({ context, event }: GuardArgs) => {
        const out = outcomeFor(profile, context, event);
        return out !== undefined && out.group.jobs[index]?.status === status && concerns(context, event, out, index);
      },
      actions: commit,
      // QEMU's own self-loops (aborting → aborting) are kept as explicit, non-reentering transitions.
      ...(profile.transitions[status].includes(status) ? { target: status } : {}),
    };
    const on: Record<string, object[]> = {};
    for (const type of MachineEventTypes) {
      const verb = isVerbCommand(type) ? VerbCommands[type].verb : undefined;
      on[type] = verb !== undefined && !verbAllowed(profile, verb, status) ? [stay] : [...moves, stay];
    }
    states[status] = { on };
  }
  return states;
}

/**
 * The input, or none: xstate's pure functions (`transition`, `getNextSnapshot`) build an inert actor of
 * the machine without input, whose snapshot nobody reads. It gets an empty group rather than an error,
 * which would cost every pure transition a stack trace. (TypeScript callers must pass an input.)
 */
function inputOf(input: MachineInput | undefined): MachineInput {
  return input ?? { jobs: [] };
}

/** The machine of one job (a transaction of one), its states named after JobStatus. */
export function createJobMachine(profile: Profile) {
  return types().createMachine({
    id: 'job',
    context: ({ input }) => createGroupContext(inputOf(input).jobs.slice(0, 1), false),
    initial: 'undefined',
    states: jobStates(profile, 0) as Record<string, object>,
  });
}

/** A transaction group of N jobs (the jobs one command creates), completion-mode individual or grouped. */
export function createGroupMachine(profile: Profile, size: number) {
  const regions: Record<string, object> = {};
  for (let i = 0; i < size; i++) regions[`job${i}`] = { initial: 'undefined', states: jobStates(profile, i) };
  return types().createMachine({
    id: 'group',
    type: 'parallel',
    context: ({ input: given }) => {
      const input = inputOf(given);
      if (given !== undefined && input.jobs.length !== size) throw new RangeError(`this group machine has ${size} jobs, input has ${input.jobs.length}`);
      return createGroupContext(input.jobs, input.grouped ?? false);
    },
    states: regions as Record<string, object>,
  });
}
