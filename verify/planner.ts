/**
 * Turns abstract actions into a concrete scenario for one target, by running them on the reference
 * model server (a JobEngine on a fake clock) as they are planned. The model says which jobs exist and
 * where they stand, so verbs go to real jobs, nodes are handed out free, faults only where the target
 * has them; after each command the model's clock runs until nothing is due soon (held jobs stay held),
 * and the scenario waits for each job whose status the command changed, up to its last status.
 * The plan also keeps the model's reply to every job-creating command, which the runner compares.
 */
import { atLeast, VerbCommands, type JobContext } from '../machines/index.ts';
import { FakeClock, JobEngine, type ServerError, type TimedEvent } from '../server/index.ts';
import type { SetupStep } from '../traces/format.ts';
import type { Scenario, ScenarioStep } from '../traces/scenario.ts';
import type { Action, BadCreateAction, CreateAction, FaultKind, InjectAction, SnapshotAction, TxnAction, VerbAction } from './actions.ts';
import { SLOW, type VerifyEnv } from './env.ts';

/** How long a wait step waits (seconds): jobs that run free finish in milliseconds. */
export const WAIT_TIMEOUT_S = 10;
/** Model time a command's consequences may take and still count as its own; held jobs need far longer. */
const HORIZON_MS = 2000;
const MAX_LIVE_JOBS = 4;

export interface Plan {
  readonly scenario: Scenario;
  /** Step index of each job-creating command → the model's reply (null: success). */
  readonly creators: ReadonlyMap<number, ServerError | null>;
  /** Ids of the jobs the scenario creates. */
  readonly jobIds: readonly string[];
}

interface PlannedJob {
  readonly id: string;
  /** Nodes handed to it, free again once it is gone. */
  readonly nodes: readonly string[];
  readonly target?: string;
}

function setupFor(env: VerifyEnv): readonly SetupStep[] {
  if (env.setup) return env.setup;
  // A server someone else started: the model gets null-co nodes of the same names and size.
  return [...env.sources, ...env.targets].map((name) => ({ blockdev: { driver: 'null-co', 'node-name': name, size: env.nodeSize } }));
}

class Planner {
  readonly steps: ScenarioStep[] = [];
  readonly creators = new Map<number, ServerError | null>();
  readonly jobs: PlannedJob[] = [];
  private readonly clock = new FakeClock();
  private readonly engine: JobEngine;
  private readonly owner = new Map<string, string>();
  private counter = 0;
  private streamed = false;

  constructor(private readonly env: VerifyEnv) {
    this.engine = new JobEngine({ release: env.release, clock: this.clock, setup: setupFor(env), hostDirExists: () => false, system: env.snapshots !== undefined });
  }

  plan(action: Action): void {
    switch (action.kind) {
      case 'create':
        return this.create(action);
      case 'txn':
        return this.txn(action);
      case 'verb':
        return this.verb(action);
      case 'release':
        return this.release(action.pick);
      case 'query':
        this.command(action.block ? 'query-block-jobs' : 'query-jobs');
        return;
      case 'inject':
        return this.inject(action);
      case 'bad-create':
        return this.badCreate(action);
      case 'snapshot':
        return this.snapshot(action);
    }
  }

  /** For a server that outlives the session: cancel and dismiss what is left. */
  cleanUp(): void {
    for (let round = 0; round < 4; round++) {
      const live = this.live();
      if (live.length === 0) return;
      for (const job of live) {
        const now = this.status(job.id);
        if (now === 'concluded') this.command('job-dismiss', { id: job.id });
        else if (now !== undefined && now !== 'aborting') this.command('job-cancel', { id: job.id });
      }
    }
  }

  // ---- actions ----

  private create(a: CreateAction): void {
    if (this.live().length >= MAX_LIVE_JOBS) return;
    const common = { ...(a.held ? { speed: SLOW } : {}), 'auto-finalize': a.autoFinalize, 'auto-dismiss': a.autoDismiss };
    switch (a.job) {
      case 'backup': {
        const fault = a.fault ? this.faultTarget(a.fault.node, a.fault.policy) : undefined;
        const source = this.free(this.env.sources);
        const target = fault?.node ?? this.free(this.env.targets);
        if (source === undefined || target === undefined) return;
        const id = this.newId('j');
        // A rate-limited backup meets a failing target at no predictable time on QEMU: faults run free.
        const speed = fault ? {} : a.held ? { speed: SLOW } : {};
        const flags = { 'auto-finalize': a.autoFinalize, 'auto-dismiss': a.autoDismiss };
        const args = { 'job-id': id, device: source, target, sync: 'full', ...speed, ...flags, ...(fault ? { 'on-target-error': fault.policy } : {}) };
        this.creator('blockdev-backup', args, { id, nodes: [source, target], target });
        return;
      }
      case 'mirror': {
        const source = this.free(this.env.sources);
        const target = this.free(this.env.targets);
        if (source === undefined || target === undefined) return;
        const id = this.newId('m');
        const mode = a.writeBlocking && atLeast(this.env.profile.version, '3.0') ? { 'copy-mode': 'write-blocking' } : {};
        // A mirror of a null-co node copies nothing that a speed limits: on QEMU 7.2 a drain (any
        // transaction) lets it converge at once. So mirrors run free and are ready at once.
        const flags = { 'auto-finalize': a.autoFinalize, 'auto-dismiss': a.autoDismiss };
        this.creator('blockdev-mirror', { 'job-id': id, device: source, target, sync: 'full', ...flags, ...mode }, { id, nodes: [source, target], target });
        return;
      }
      case 'create': {
        if (!this.env.createFiles || !this.env.profile.commands.has('blockdev-create')) return;
        const id = this.newId('k');
        const filename = `${a.failing ? 'no-such-dir/' : ''}${id}.raw`;
        this.creator('blockdev-create', { 'job-id': id, options: { driver: 'file', filename, size: 1024 * 1024 } }, { id, nodes: [] });
        return;
      }
      case 'stream': {
        const chain = this.env.stream;
        if (!chain || this.streamed || this.owner.has(chain.top) || this.owner.has(chain.base)) return;
        this.streamed = true;
        const id = this.newId('s');
        this.creator('block-stream', { 'job-id': id, device: chain.top, ...common }, { id, nodes: [chain.top, chain.base] });
        return;
      }
    }
  }

  /** A snapshot job on the qcow2 nodes (the model says whether it fails inside the job); job-dismiss after it when asked. */
  private snapshot(a: SnapshotAction): void {
    const nodes = this.env.snapshots;
    if (!nodes || this.live().length >= MAX_LIVE_JOBS) return;
    const id = this.newId('v');
    const devices = a.failing === 'device' ? [...nodes.devices, this.env.sources[0]!] : [...nodes.devices];
    const vmstate = a.failing === 'vmstate' ? 'nosuch' : nodes.vmstate;
    const args = { 'job-id': id, tag: `t${a.tag}`, ...(a.op === 'delete' ? {} : { vmstate }), devices };
    this.creator(`snapshot-${a.op}`, args, { id, nodes: [] });
    if (a.dismiss && this.status(id) === 'concluded') this.command('job-dismiss', { id });
  }

  /** A failing node for a backup, with a policy QEMU handles in bounded time (ignore only with a one-off fault). */
  private faultTarget(kind: FaultKind, policy: string): { node: string; policy: string } | undefined {
    const chosen: FaultKind = policy === 'ignore' ? 'eioOnce' : kind;
    const node = this.env.faults[chosen];
    if (node === undefined || this.owner.has(node)) return undefined;
    return { node, policy };
  }

  private txn(a: TxnAction): void {
    // A grouped transaction that fails in prepare after creating two jobs hangs QEMU (7.2 and 10.0): keep one.
    const members = a.grouped && a.failPrepare ? a.members.slice(0, 1) : a.members;
    if (this.live().length + members.length > MAX_LIVE_JOBS) return;
    const actions: Record<string, unknown>[] = [];
    const jobs: PlannedJob[] = [];
    const taken: string[] = [];
    const take = (pool: readonly string[]): string | undefined => {
      const n = pool.find((x) => !this.owner.has(x) && !taken.includes(x));
      if (n !== undefined) taken.push(n);
      return n;
    };
    for (let k = 0; k < members.length; k++) {
      const m = members[k]!;
      const failing = a.failMember === k && !a.failPrepare ? this.env.faults.eio : undefined;
      const source = take(this.env.sources);
      const target = failing !== undefined && !this.owner.has(failing) && !taken.includes(failing) ? (taken.push(failing), failing) : take(this.env.targets);
      if (source === undefined || target === undefined) return;
      const id = this.newId('t');
      jobs.push({ id, nodes: [source, target], target });
      actions.push({
        type: 'blockdev-backup',
        data: { 'job-id': id, device: source, target, sync: 'full', ...(m.held && failing === undefined ? { speed: SLOW } : {}), 'auto-finalize': m.autoFinalize, 'auto-dismiss': m.autoDismiss },
      });
    }
    if (a.failPrepare) {
      const source = take(this.env.sources) ?? this.env.sources[0]!;
      actions.push({ type: 'blockdev-backup', data: { 'job-id': this.newId('t'), device: source, target: 'nosuch', sync: 'full' } });
    }
    const args = { actions, ...(a.grouped ? { properties: { 'completion-mode': 'grouped' } } : {}) };
    const index = this.steps.length;
    const reply = this.command('transaction', args);
    this.creators.set(index, reply ?? null);
    if (!reply) for (const j of jobs) this.adopt(j);
    this.settle();
  }

  private verb(a: VerbAction): void {
    const spec = VerbCommands[a.command];
    // Mostly a job that exists; sometimes any job of the scenario, or none (a job gone or never there).
    // States a job passes through only in some scenarios are chosen first, half the time.
    const snapshot = this.engine.snapshot();
    const rare = snapshot.filter((c) => c.status === 'waiting' || c.status === 'standby' || c.status === 'pending').map((c) => c.id);
    const live = this.live().map((j) => j.id);
    const all = this.jobs.map((j) => j.id);
    const pool = rare.length > 0 && a.pick % 8 < 4 ? rare : live;
    const id = pool.length > 0 && a.pick % 4 !== 0 ? pool[Math.floor(a.pick / 4) % pool.length]! : (all[a.pick % (all.length + 1)] ?? `${this.env.idPrefix}nosuch`);
    const args: Record<string, unknown> = { [spec.idArg]: id };
    if (a.command === 'block-job-cancel' && a.force !== null) args['force'] = a.force;
    if (a.command === 'block-job-set-speed') {
      // A job writing to a failing node is kept at full speed (see create()).
      const target = this.jobs.find((j) => j.id === id)?.target;
      const failing = target !== undefined && Object.values(this.env.faults).includes(target);
      args['speed'] = failing && a.speed > 0 ? 0 : a.speed;
    }
    if (a.command === 'block-job-change') {
      if (a.change === 'other-type') args['type'] = 'backup';
      else Object.assign(args, { type: 'mirror', 'copy-mode': a.change });
    }
    this.command(a.command, args);
    this.settle();
  }

  private release(pick: number): void {
    const held = this.engine.snapshot().filter((c) => c.isBlockJob && c.speed > 0 && c.status !== 'concluded' && c.status !== 'aborting');
    const job = held[pick % Math.max(1, held.length)];
    if (!job) return;
    this.command('block-job-set-speed', { device: job.id, speed: 0 });
    this.settle();
  }

  private inject(a: InjectAction): void {
    if (!this.env.injectCommand) return;
    const busy = this.engine.snapshot().filter((c) => c.isBlockJob && (c.status === 'running' || c.status === 'ready') && !c.force);
    const job = busy[a.pick % Math.max(1, busy.length)];
    if (!job) return;
    this.command('x-qjob-inject-error', { id: job.id, errno: a.nospace ? 28 : 5 });
    this.settle();
  }

  private badCreate(a: BadCreateAction): void {
    const command = a.mirror ? 'blockdev-mirror' : 'blockdev-backup';
    const source = this.free(this.env.sources);
    const target = this.free(this.env.targets);
    if (source === undefined || target === undefined) return;
    const args: Record<string, unknown> = { 'job-id': this.newId(a.mirror ? 'm' : 'j'), device: source, target, sync: 'full' };
    const live = this.engine.snapshot();
    switch (a.problem) {
      case 'invalid-id':
        args['job-id'] = `9${this.env.idPrefix}bad`;
        break;
      case 'missing-id':
        delete args['job-id'];
        break;
      case 'duplicate-id': {
        const other = live[a.pick % Math.max(1, live.length)];
        if (!other) return;
        args['job-id'] = other.id;
        break;
      }
      case 'busy-target': {
        const held = this.jobs.filter((j) => j.target !== undefined && this.owner.get(j.target) === j.id && this.holding(live, j.id));
        const other = held[a.pick % Math.max(1, held.length)];
        if (!other) return;
        args['target'] = other.target;
        break;
      }
      case 'missing-node':
        args['device'] = `${this.env.idPrefix}nosuch`;
        break;
      case 'negative-speed':
        args['speed'] = -1;
        break;
      case 'same-node':
        args['target'] = source;
        break;
    }
    const index = this.steps.length;
    const reply = this.command(command, args);
    this.creators.set(index, reply ?? null);
    if (!reply) {
      // The model accepted it after all: track the job like any other.
      this.adopt({ id: args['job-id'] as string, nodes: [source, target], target });
    }
    this.settle();
  }

  /** A job that holds its target for sure: not concluded (a mirror lets go when it finishes). */
  private holding(live: readonly JobContext[], id: string): boolean {
    const s = live.find((c) => c.id === id)?.status;
    return s === 'running' || s === 'paused' || s === 'ready' || s === 'standby' || s === 'waiting' || s === 'pending';
  }

  // ---- steps ----

  private creator(command: string, args: Record<string, unknown>, job: PlannedJob): void {
    const index = this.steps.length;
    const reply = this.command(command, args);
    this.creators.set(index, reply ?? null);
    if (!reply || this.status(job.id) !== undefined) this.adopt(job);
    this.settle();
  }

  private adopt(job: PlannedJob): void {
    this.jobs.push(job);
    for (const n of job.nodes) this.owner.set(n, job.id);
  }

  /** Sends a command to the model, then lets the model's clock run; adds the waits. Returns the error, if any. */
  private command(name: string, args?: Record<string, unknown>): ServerError | undefined {
    const before = new Map(this.engine.snapshot().map((c) => [c.id, c.status] as const));
    this.steps.push(args === undefined ? { cmd: name } : { cmd: name, args });
    const result = this.engine.execute(name, args);
    const later = this.quiesce();
    this.waits(before, result.events, later);
    return 'error' in result.reply ? result.reply.error : undefined;
  }

  /** Runs the model's clock through what is due soon: jobs that run free finish, held ones stay. */
  private quiesce(): TimedEvent[] {
    const out: TimedEvent[] = [];
    for (let i = 0; i < 10_000; i++) {
      const due = this.engine.nextDue();
      if (due === undefined || due > this.clock.now() + HORIZON_MS) break;
      if (due > this.clock.now()) this.clock.set(due);
      const events = this.engine.advance();
      if (events.length === 0 && this.engine.nextDue() === due) break;
      out.push(...events);
    }
    return out;
  }

  /**
   * Waits for each job whose status the command changed (or that changed after the reply), up to its
   * last status. Where a status repeats (a drain's paused → running, then an error's paused), the wait
   * starts at the last status that does not, so each wait matches the event the model means.
   */
  private waits(before: ReadonlyMap<string, string>, inline: readonly TimedEvent[], later: readonly TimedEvent[]): void {
    const all = [...inline, ...later];
    const chains = new Map<string, { statuses: string[]; last: number; async: boolean }>();
    all.forEach((e, pos) => {
      if (e.event !== 'JOB_STATUS_CHANGE') return;
      const id = String(e.data['id']);
      const chain = chains.get(id) ?? { statuses: [], last: 0, async: false };
      chain.statuses.push(String(e.data['status']));
      chain.last = pos;
      if (pos >= inline.length) chain.async = true;
      chains.set(id, chain);
    });
    const ordered = [...chains.entries()].sort((x, y) => x[1].last - y[1].last);
    for (const [id, chain] of ordered) {
      const final = chain.statuses[chain.statuses.length - 1]!;
      if (final === (before.get(id) ?? 'absent') && !chain.async) continue;
      // The largest index whose status does not occur before it.
      let m = 0;
      for (let k = chain.statuses.length - 1; k >= 0; k--) {
        if (chain.statuses.indexOf(chain.statuses[k]!) === k) {
          m = k;
          break;
        }
      }
      for (const status of chain.statuses.slice(m)) this.steps.push({ wait: 'JOB_STATUS_CHANGE', data: { id, status }, timeout: this.env.waitTimeoutS ?? WAIT_TIMEOUT_S });
    }
  }

  /** Frees the nodes of jobs that are gone. */
  private settle(): void {
    const live = new Set(this.engine.snapshot().map((c) => c.id));
    for (const [node, id] of this.owner) if (!live.has(id)) this.owner.delete(node);
  }

  private status(id: string): string | undefined {
    return this.engine.snapshot().find((c) => c.id === id)?.status;
  }

  private live(): PlannedJob[] {
    const ids = new Set(this.engine.snapshot().map((c) => c.id));
    return this.jobs.filter((j) => ids.has(j.id));
  }

  private free(pool: readonly string[]): string | undefined {
    return pool.find((n) => !this.owner.has(n));
  }

  private newId(letter: string): string {
    return `${this.env.idPrefix}${letter}${this.counter++}`;
  }
}

/** The concrete scenario of `actions` on a target of `env`. */
export function planScenario(actions: readonly Action[], env: VerifyEnv, name = 'verify'): Plan {
  const planner = new Planner(env);
  for (const a of actions) planner.plan(a);
  if (env.persistent) planner.cleanUp();
  if (planner.steps.length === 0) planner.steps.push({ cmd: 'query-jobs' });
  const scenario: Scenario = {
    name,
    desc: `qjob verify: ${actions.length} actions, ${planner.steps.length} steps`,
    ...(env.setup ? { setup: env.setup } : {}),
    steps: planner.steps,
  };
  return { scenario, creators: planner.creators, jobIds: planner.jobs.map((j) => j.id) };
}
