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
import { VerbCommands } from './commands.ts';
import type { Profile } from './profile.ts';
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

interface Pending {
  readonly profile: Profile;
  readonly context: GroupContext;
  readonly outcome: Outcome | undefined;
}

/**
 * One step is computed once per event, however many job nodes look at it: guards of all nodes are
 * evaluated on the same context before any action runs, and the first node's action commits it.
 */
const pending = new WeakMap<object, Pending>();

function outcomeFor(profile: Profile, context: GroupContext, event: AnyEventObject): Outcome | undefined {
  const hit = pending.get(event);
  if (hit && hit.context === context && hit.profile === profile) return hit.outcome;
  const outcome = step(profile, context, event as ModelEvent);
  pending.set(event, { profile, context, outcome });
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
  const entry = pending.get(event);
  // Only the first job node's action sees the context the step was computed on; the others see its result.
  if (!entry || entry.context !== context || !entry.outcome) return;
  const outcome = entry.outcome;
  enqueue.assign(() => outcome.group);
  const emit = (e: EmittedMachineEvent) => enqueue.emit(e);
  for (const e of outcome.events) emit({ type: 'qmp.event', event: e.event, data: e.data });
  if (outcome.isCommand && isVerbEvent(event)) {
    emit(
      outcome.reply
        ? { type: 'qmp.reply', id: event.id, command: event.type, error: outcome.reply }
        : { type: 'qmp.reply', id: event.id, command: event.type },
    );
  }
});

/** The state node of job `index`: one state per JobStatus, the STT edges as transitions. */
function jobStates(profile: Profile, index: number) {
  const states: Record<string, object> = {};
  for (const status of JobStatus) {
    const on: Record<string, object[]> = {};
    for (const type of MachineEventTypes) {
      const moves = profile.transitions[status]
        .filter((to) => to !== status)
        .map((to) => ({
          guard: ({ context, event }: { context: GroupContext; event: AnyEventObject }) =>
            outcomeFor(profile, context, event)?.group.jobs[index]?.status === to,
          target: to,
          actions: commit,
        }));
      const stay = {
        guard: ({ context, event }: { context: GroupContext; event: AnyEventObject }) => {
          const out = outcomeFor(profile, context, event);
          if (!out) return false;
          const after = out.group.jobs[index];
          if (after?.status !== status) return false;
          // Every command gets its reply, also one naming no live job of the group ("Job not found").
          return out.isCommand || after !== context.jobs[index] || out.group.aborting !== context.aborting || out.events.length > 0;
        },
        actions: commit,
        // QEMU's own self-loops (aborting → aborting) are kept as explicit, non-reentering transitions.
        ...(profile.transitions[status].includes(status) ? { target: status } : {}),
      };
      if (status === 'null') continue;
      on[type] = [...moves, stay];
    }
    states[status] = status === 'null' ? { type: 'final' } : { on };
  }
  return states;
}

/** The machine of one job (a transaction of one), its states named after JobStatus. */
export function createJobMachine(profile: Profile) {
  return types().createMachine({
    id: 'job',
    context: ({ input }) => createGroupContext(input.jobs.slice(0, 1), false),
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
    context: ({ input }) => {
      if (input.jobs.length !== size) throw new RangeError(`this group machine has ${size} jobs, input has ${input.jobs.length}`);
      return createGroupContext(input.jobs, input.grouped ?? false);
    },
    states: regions as Record<string, object>,
  });
}
