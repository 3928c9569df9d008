/**
 * Walks a recorded QMP session through the group machines: finds, for each group of jobs one command
 * created, a sequence of machine events that emits every job's observed JOB_STATUS_CHANGE sequence and
 * gives every observed reply, with each command applied between its send and its reply.
 * Cross-job order is not required; each job's own order is.
 */
import { readFileSync } from 'node:fs';
import { createActor, transition, type AnyStateMachine, type AnyMachineSnapshot } from 'xstate';
import {
  createGroupMachine,
  CreatorCommands,
  InternalEventTypes,
  isCreatorCommand,
  isVerbCommand,
  step,
  VerbCommands,
  type EmittedMachineEvent,
  type GroupContext,
  type JobInput,
  type ModelEvent,
  type Profile,
  type VerbEvent,
} from '../../machines/index.ts';

type Msg = Record<string, unknown>;
interface Line {
  dir: 'send' | 'recv';
  msg: Msg;
}

interface Command {
  event: VerbEvent;
  ok: boolean;
  errorClass?: string;
  /** How many status events of the job had been seen when it was sent / answered. */
  sendPos: number;
  replyPos: number;
}

export interface Group {
  inputs: JobInput[];
  grouped: boolean;
  statuses: Map<string, string[]>;
  commands: Command[];
}

export function readTrace(path: string): Line[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Msg)
    .filter((l): l is Line & Msg => 'dir' in l) as unknown as Line[];
}

function jobInput(command: string, args: Msg): JobInput | undefined {
  if (!isCreatorCommand(command) || typeof args['job-id'] !== 'string') return undefined;
  const spec = CreatorCommands[command];
  return {
    id: args['job-id'],
    type: spec.type,
    autoFinalize: args['auto-finalize'] !== false,
    autoDismiss: args['auto-dismiss'] !== false,
    activeCommit: spec.type === 'commit' && args['top'] === undefined && args['top-node'] === undefined,
  };
}

/** Splits a session into the groups of jobs it creates, with each job's statuses and commands. */
export function groupsOf(lines: Line[]): Group[] {
  const groups: Group[] = [];
  const groupOf = new Map<string, Group>();
  const sent = new Map<string, { event?: VerbEvent; group?: Group; positions: Map<string, number> }>();
  const seenCount = (id: string) => groupOf.get(id)?.statuses.get(id)?.length ?? 0;
  for (const { dir, msg } of lines) {
    if (dir === 'send' && typeof msg['execute'] === 'string') {
      const command = msg['execute'];
      const args = (msg['arguments'] ?? {}) as Msg;
      const inputs: JobInput[] = [];
      let grouped = false;
      if (command === 'transaction') {
        for (const action of (args['actions'] ?? []) as Msg[]) {
          const input = jobInput(String(action['type']), (action['data'] ?? {}) as Msg);
          if (input) inputs.push(input);
        }
        grouped = ((args['properties'] ?? {}) as Msg)['completion-mode'] === 'grouped';
      } else {
        const input = jobInput(command, args);
        if (input) inputs.push(input);
      }
      if (inputs.length > 0) {
        const g: Group = { inputs, grouped, statuses: new Map(inputs.map((i) => [i.id, []])), commands: [] };
        groups.push(g);
        for (const i of inputs) groupOf.set(i.id, g);
      }
      let event: VerbEvent | undefined;
      if (isVerbCommand(command)) {
        const id = String(args[VerbCommands[command].idArg]);
        event = {
          type: command,
          id,
          ...(typeof args['force'] === 'boolean' ? { force: args['force'] } : {}),
          ...(typeof args['speed'] === 'number' ? { speed: args['speed'] } : {}),
          ...(typeof args['type'] === 'string' ? { jobType: args['type'] as VerbEvent['jobType'] } : {}),
          ...(typeof args['copy-mode'] === 'string' ? { copyMode: args['copy-mode'] } : {}),
        };
      }
      const positions = new Map<string, number>();
      if (event) positions.set(event.id, seenCount(event.id));
      sent.set(String(msg['id']), { event, group: event ? groupOf.get(event.id) : undefined, positions });
    } else if (dir === 'recv' && msg['event'] === 'JOB_STATUS_CHANGE') {
      const data = msg['data'] as { id: string; status: string };
      groupOf.get(data.id)?.statuses.get(data.id)?.push(data.status);
    } else if (dir === 'recv' && ('return' in msg || 'error' in msg)) {
      const s = sent.get(String(msg['id']));
      if (s?.event && s.group) {
        const error = msg['error'] as { class: string } | undefined;
        s.group.commands.push({
          event: s.event,
          ok: !error,
          ...(error ? { errorClass: error.class } : {}),
          sendPos: s.positions.get(s.event.id) ?? 0,
          replyPos: seenCount(s.event.id),
        });
      }
    }
  }
  return groups;
}

function internalEvents(snapshot: AnyMachineSnapshot, ids: string[]): ModelEvent[] {
  const out: ModelEvent[] = [];
  const jobs = snapshot.context.jobs as { id: string; drains: number }[];
  for (const id of ids) {
    const drains = jobs.find((j) => j.id === id)?.drains ?? 0;
    for (const type of InternalEventTypes) {
      if (type === 'internal.progress' || type === 'internal.prepare-fail' || type === 'internal.shutdown') continue;
      if (type === 'internal.drain-begin' && drains >= 1) continue;
      if (type === 'internal.run-returned') out.push({ type, id }, { type, id, error: 'Input/output error' });
      else if (type === 'internal.io-error') out.push({ type, id, action: 'report' }, { type, id, action: 'stop' });
      else if (type === 'internal.finalize-fail') out.push({ type, id, error: 'Input/output error' });
      else out.push({ type, id } as ModelEvent);
    }
  }
  out.push({ type: 'internal.prepare-fail' });
  return out;
}

interface Node {
  snapshot: AnyMachineSnapshot;
  pos: number[];
  applied: number;
}

/** Breadth-first search for a walk; returns undefined when found, else a description of how far it got. */
export function walkGroup(profile: Profile, group: Group, limit = 200_000): string | undefined {
  const machine: AnyStateMachine = createGroupMachine(profile, group.inputs.length);
  const ids = group.inputs.map((i) => i.id);
  const expected = ids.map((id) => group.statuses.get(id) ?? []);
  const start: Node = { snapshot: createActor(machine, { input: { jobs: group.inputs, grouped: group.grouped } }).getSnapshot(), pos: ids.map(() => 0), applied: 0 };
  const key = (n: Node) => JSON.stringify([n.snapshot.context, n.pos, n.applied]);
  const seen = new Set([key(start)]);
  let frontier = [start];
  let best = start;
  let visited = 0;
  const done = (n: Node) => n.applied === group.commands.length && n.pos.every((p, k) => p === expected[k]!.length);
  while (frontier.length > 0 && visited < limit) {
    const next: Node[] = [];
    for (const node of frontier) {
      visited++;
      if (done(node)) return undefined;
      const progress = (n: Node) => n.applied + n.pos.reduce((a, b) => a + b, 0);
      if (progress(node) > progress(best)) best = node;
      const candidates: { event: ModelEvent; command?: Command }[] = internalEvents(node.snapshot, ids).map((event) => ({ event }));
      const command = group.commands[node.applied];
      if (command) {
        const k = ids.indexOf(command.event.id);
        const p = k >= 0 ? node.pos[k]! : 0;
        if (k < 0 || (p >= command.sendPos && p <= command.replyPos)) candidates.push({ event: command.event, command });
      }
      for (const { event, command: cmd } of candidates) {
        // An internal event that cannot happen takes no transition (no guard of the machine passes when
        // step has no outcome): skip xstate's transition, the costly part, for it.
        if (!cmd && step(profile, node.snapshot.context as GroupContext, event) === undefined) continue;
        const [snapshot, actions] = transition(machine, node.snapshot, event);
        const emitted = actions
          .map((a) => (a.params as { event?: EmittedMachineEvent } | undefined)?.event)
          .filter((e): e is EmittedMachineEvent => e !== undefined);
        if (!cmd && snapshot.context === node.snapshot.context) continue;
        const pos = [...node.pos];
        let fits = true;
        for (const e of emitted) {
          if (e.type === 'qmp.reply') {
            if (!cmd || (e.error === undefined) !== cmd.ok || (e.error && e.error.class !== cmd.errorClass)) fits = false;
          } else if (e.event === 'JOB_STATUS_CHANGE') {
            const k = ids.indexOf(String(e.data['id']));
            if (k < 0 || expected[k]![pos[k]!] !== e.data['status']) fits = false;
            else pos[k]!++;
          }
        }
        if (cmd && !emitted.some((e) => e.type === 'qmp.reply')) fits = false;
        if (!fits) continue;
        const n: Node = { snapshot, pos, applied: node.applied + (cmd ? 1 : 0) };
        const k = key(n);
        if (seen.has(k)) continue;
        seen.add(k);
        next.push(n);
      }
    }
    frontier = next;
  }
  const where = ids.map((id, k) => `${id}: matched ${best.pos[k]}/${expected[k]!.length} [${expected[k]!.join(' ')}]`).join('; ');
  return `no walk found (${visited} states): ${where}; commands applied ${best.applied}/${group.commands.length}`;
}
