/**
 * The model server's engine: QEMU's job API as a command interpreter over the model's `step`
 * (machines/step.ts). A creating command makes a group of jobs (one JobTxn; a grouped transaction puts
 * all its jobs in one), every other command is a verb event or a query. After each command the engine
 * runs what QEMU does synchronously in the same main-loop step (transaction completion, finalization,
 * dismissal, pause points the command kicks) and returns those events *before* the reply. What jobs do
 * later (progress at their speed, convergence, returning from run) happens on the clock: `nextDue` says
 * when, `advance` does it. No I/O here, nor anything that imports it: the transport (session.ts) writes,
 * the clock and the host's file system (`hostDirExists`) are injected by the caller (modelServer.ts).
 */
import {
  atLeast,
  createJobContext,
  CreatorCommands,
  formatRelease,
  isCreatorCommand,
  isVerbCommand,
  LATEST_RELEASE,
  pauseCount,
  profileFor,
  step,
  VerbCommands,
  type CreatorCommandName,
  type GroupContext,
  type JobContext,
  type JobType,
  type ModelEvent,
  type Outcome,
  type Profile,
  type VerbCommandName,
  type VerbEvent,
} from '../machines/index.ts';
import type { SetupStep } from '../traces/format.ts';
import { asArgs, checkArgs, type Args } from './args.ts';
import type { Clock, QmpTimestamp } from './clock.ts';
import { prepareJob, SERVER_CREATORS, SNAPSHOT_CREATORS, type CreatorContext, type JobSpec } from './creators.ts';
import { Drivers, type DriverFacts } from './drivers.ts';
import { generic, type ServerError } from './errors.ts';
import type { ServerHooks, WireEntry } from './hooks.ts';
import { defaultSetup, NodeGraph } from './nodes.ts';
import { blockJobInfo, jobInfo, namedBlockNodes } from './queries.ts';
import { isQDict } from './qmpJson.ts';
import { commandSchema, TRANSACTION_ACTION } from './schema.ts';
import { errorTexts } from './texts.ts';

export const MODEL_PACKAGE = 'qjob model';
/** The command that injects an I/O error into a running block job (docs/serve.md). */
export const INJECT_COMMAND = 'x-qjob-inject-error';

export interface EngineOptions {
  /** The QEMU release to behave as ("7.2", "10.0"); default the newest modelled one. */
  readonly release?: string;
  readonly clock?: Clock;
  /** Block nodes and images (set-up steps); default: the nodes of `defaultSetup()`. */
  readonly setup?: readonly SetupStep[];
  /** Faults (mutants/). */
  readonly hooks?: ServerHooks;
  /** Serve as a qemu-system rather than a qemu-storage-daemon: the snapshot-* commands are there too. */
  readonly system?: boolean;
  /**
   * Whether a host folder exists, for blockdev-create of a file at an absolute path (the image itself
   * is only made in the virtual folder). Default for the engine: none does; ModelServer asks the file system.
   */
  readonly hostDirExists?: (dir: string) => boolean;
}

export interface TimedEvent {
  readonly timestamp: QmpTimestamp;
  readonly event: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export type CommandReply = { readonly return: unknown } | { readonly error: ServerError };

export interface CommandResult {
  /** Events emitted while the command ran: they go out before the reply. */
  readonly events: readonly TimedEvent[];
  readonly reply: CommandReply;
  /** `quit`: the transport closes after the reply. */
  readonly quit?: boolean;
  /** The command hung the server: no reply goes out, and nothing after it is answered. */
  readonly hung?: boolean;
}

interface Group {
  ctx: GroupContext;
  /** Aligned with ctx.jobs. */
  readonly members: ServerJob[];
}

interface ServerJob {
  readonly id: string;
  readonly seq: number;
  readonly spec: JobSpec;
  readonly facts: DriverFacts;
  readonly group: Group;
  /** Clock time up to which progress has been counted. */
  accruedAt: number;
  /** The job will write again (set at start and on resume), so a failing target fails it. */
  faultArmed: boolean;
  /** The pump round in which its write last failed: a retry waits for the next one. */
  faultRound: number;
  released: boolean;
}

type Phase = 'command' | 'timer';

/** Event members in the order QEMU prints them (as in the sample traces). */
const MEMBER_ORDER: Readonly<Record<string, readonly string[]>> = {
  JOB_STATUS_CHANGE: ['status', 'id'],
  BLOCK_JOB_COMPLETED: ['device', 'len', 'offset', 'speed', 'type', 'error'],
  BLOCK_JOB_CANCELLED: ['device', 'len', 'offset', 'speed', 'type'],
  BLOCK_JOB_READY: ['device', 'len', 'offset', 'speed', 'type'],
  BLOCK_JOB_ERROR: ['device', 'operation', 'action'],
  BLOCK_JOB_PENDING: ['type', 'id'],
};

function wireOrder(event: string, data: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  const order = MEMBER_ORDER[event];
  if (!order) return data;
  const out: Record<string, unknown> = {};
  for (const k of order) if (k in data) out[k] = data[k];
  for (const k of Object.keys(data)) if (!(k in out)) out[k] = data[k];
  return out;
}
const OK: CommandReply = { return: {} };
const URGENT = ['internal.txn-pending', 'internal.txn-abort', 'internal.conclude', 'internal.dismiss'] as const;
const RECENTLY_DISMISSED = 8;

export class JobEngine {
  readonly profile: Profile;
  readonly clock: Clock;
  readonly nodes: NodeGraph;
  private readonly hooks: ServerHooks;
  private readonly hostDirExists: (dir: string) => boolean;
  private readonly system: boolean;
  private groups: Group[] = [];
  private seq = 0;
  private out: TimedEvent[] = [];
  /** Counts begin() calls: one command or one timer tick. */
  private round = 0;
  private hung = false;
  private dismissed: { info: WireEntry; block: WireEntry | undefined }[] = [];
  /** The job a command woke (block-job-set-speed), while that command runs. */
  private kicked: ServerJob | undefined;

  constructor(options: EngineOptions & { readonly clock: Clock }) {
    const base = profileFor(options.release ?? formatRelease(LATEST_RELEASE));
    this.hooks = options.hooks ?? {};
    this.profile = this.hooks.profile ? this.hooks.profile(base) : base;
    this.clock = options.clock;
    this.hostDirExists = options.hostDirExists ?? (() => false);
    this.system = options.system === true;
    this.nodes = new NodeGraph(errorTexts(this.profile.version));
    this.nodes.applySetup(options.setup ?? defaultSetup());
  }

  /** The greeting's version: the release, micro 0. */
  get version(): { major: number; minor: number; micro: number } {
    return { major: this.profile.version.major, minor: this.profile.version.minor, micro: 0 };
  }

  /** Every command the server answers (besides qmp_capabilities, which the session handles). */
  commands(): string[] {
    const out = ['query-version', 'query-commands', 'quit', 'query-named-block-nodes', 'blockdev-add', 'blockdev-del', INJECT_COMMAND];
    for (const c of this.profile.commands) {
      if (isVerbCommand(c) || c === 'query-jobs' || c === 'query-block-jobs' || c === 'transaction') out.push(c);
      else if (isCreatorCommand(c) && (SERVER_CREATORS.includes(c) || (this.system && SNAPSHOT_CREATORS.includes(c)))) out.push(c);
    }
    return out;
  }

  /** Runs one command. Events it caused come back with the reply, in emission order. */
  execute(command: string, rawArgs?: unknown): CommandResult {
    if (this.hung) return { events: [], reply: OK, hung: true };
    this.begin();
    // A job run by a bottom half (snapshot-*) has run before QEMU reads this command: its events come first.
    if (this.live().some((j) => j.facts.bottomHalf && this.ctx(j).status === 'running')) this.pump('timer');
    const args = asArgs(rawArgs);
    let reply: CommandReply;
    let quit = false;
    if (rawArgs !== undefined && !isQDict(rawArgs)) {
      reply = { error: generic("QMP input member 'arguments' must be an object") };
    } else if (!this.commands().includes(command)) {
      reply = { error: { class: 'CommandNotFound', desc: `The command ${command} has not been found` } };
    } else {
      // Arguments are checked against the command's QAPI schema before it runs, as QEMU's marshallers do.
      const schema = commandSchema(this.profile, command);
      const argErr = schema && checkArgs(schema, args);
      if (argErr) reply = { error: argErr };
      else if (command === 'quit') {
        quit = true;
        reply = this.quit();
      } else {
        reply = this.dispatch(command, args);
      }
    }
    if (this.hooks.reply) {
      const before = 'error' in reply ? reply.error : undefined;
      const after = this.hooks.reply(command, args, before);
      if (after !== before) reply = after ? { error: after } : before ? OK : reply;
    }
    return { events: this.flush(), reply, ...(quit ? { quit } : {}), ...(this.hung ? { hung: true } : {}) };
  }

  /** A command hung the server (QEMU's grouped-transaction hang): nothing more is answered or done. */
  get isHung(): boolean {
    return this.hung;
  }

  /** Does what is due on the clock now (progress, convergence, jobs returning); returns the events. */
  advance(): TimedEvent[] {
    if (this.hung) return [];
    this.begin();
    this.pump('timer');
    return this.flush();
  }

  /** When something is next due on the clock (undefined: nothing until a command comes). */
  nextDue(): number | undefined {
    if (this.hung) return undefined;
    const now = this.clock.now();
    let due: number | undefined;
    const at = (t: number): void => {
      due = due === undefined ? t : Math.min(due, t);
    };
    for (const job of this.live()) {
      const c = this.ctx(job);
      if (c.status === 'ready') {
        if (c.completing || c.force || c.failure !== null) at(now);
        continue;
      }
      if (c.status !== 'running') continue;
      if (c.failure !== null) {
        at(now);
        continue;
      }
      if (c.force || this.faultPending(job)) {
        at(now);
        continue;
      }
      if (this.parked(c)) {
        if (!this.profile.features.pauseKicksJob && c.hasPausePoints) at(now);
        continue;
      }
      if (job.spec.endless) continue;
      const left = job.spec.len - c.current;
      if (left <= 0 || c.speed === 0 || job.facts.unitProgress) at(now);
      else at(job.accruedAt + (left / c.speed) * 1000);
    }
    return due;
  }

  /** The jobs that exist (not yet `null`), newest first: what query-jobs would list, as the model's contexts. */
  snapshot(): readonly JobContext[] {
    return this.live()
      .map((j) => this.ctx(j))
      .filter((c) => c.status !== 'undefined' && c.status !== 'null');
  }

  // ---- commands ----

  private dispatch(command: string, args: Args): CommandReply {
    if (isVerbCommand(command)) return this.verb(command, args);
    if (isCreatorCommand(command)) return this.createOne(command, args);
    switch (command) {
      case 'transaction':
        return this.transaction(args);
      case 'query-jobs':
        return { return: this.queryJobs() };
      case 'query-block-jobs':
        return { return: this.queryBlockJobs() };
      case 'query-named-block-nodes':
        return { return: namedBlockNodes(this.profile, this.nodes) };
      case 'query-version':
        return { return: { qemu: this.version, package: MODEL_PACKAGE } };
      case 'query-commands':
        return { return: ['qmp_capabilities', ...this.commands()].map((name) => ({ name })) };
      case 'blockdev-add': {
        const err = this.nodes.add(args);
        return err ? { error: err } : OK;
      }
      case 'blockdev-del': {
        const del = this.nodes.del(args['node-name'] as string);
        return del ? { error: del } : OK;
      }
      case INJECT_COMMAND:
        return this.inject(args);
    }
    return { error: { class: 'CommandNotFound', desc: `The command ${command} has not been found` } };
  }

  private verb(command: VerbCommandName, args: Args): CommandReply {
    const spec = VerbCommands[command];
    let event: VerbEvent = {
      type: command,
      id: args[spec.idArg] as string,
      ...(args['force'] === true ? { force: true } : {}),
      ...(typeof args['speed'] === 'number' ? { speed: args['speed'] } : {}),
      ...(typeof args['type'] === 'string' ? { jobType: args['type'] as JobType } : {}),
      ...(typeof args['copy-mode'] === 'string' ? { copyMode: args['copy-mode'] } : {}),
    };
    if (this.hooks.verbEvent) event = this.hooks.verbEvent(event);
    const job = this.find(event.id);
    const oldSpeed = job ? this.ctx(job).speed : 0;
    const out = job ? this.apply(job.group, event) : this.runStep({ jobs: [], grouped: false, aborting: false }, event);
    const reply = out?.reply;
    if (reply) return { error: reply };
    if (!job) return OK;
    // block_job_set_speed kicks a sleeping job when the speed goes to 0 (unlimited) or up: it wakes
    // inside the command and takes a pause it owes at once. Since 6.0 job_pause has already kicked it.
    const speed = this.ctx(job).speed;
    if (command === 'block-job-set-speed' && (speed === 0 || speed > oldSpeed)) this.kicked = job;
    try {
      this.pump('command');
    } finally {
      this.kicked = undefined;
    }
    return OK;
  }

  private creatorContext(): CreatorContext {
    return {
      profile: this.profile,
      nodes: this.nodes,
      hooks: this.hooks,
      claimed: new Set(),
      jobExists: (id) => this.find(id) !== undefined,
      hostDirExists: this.hostDirExists,
    };
  }

  private createOne(command: CreatorCommandName, args: Args): CommandReply {
    const facts = Drivers[CreatorCommands[command].type];
    const drained = facts.drainsOnCreate ? this.drainBegin() : [];
    const spec = prepareJob(this.creatorContext(), command, args);
    if ('class' in spec) {
      this.drainEnd(drained);
      return { error: spec };
    }
    const job = this.addJob(spec, this.newGroup(false));
    if (spec.earlyFail) {
      this.internal(job, { type: 'internal.early-fail', id: job.id });
      this.drainEnd(drained);
      return { error: spec.earlyFail };
    }
    this.start([job], facts.drainsOnCreate, drained);
    this.pump('command');
    return OK;
  }

  private transaction(args: Args): CommandReply {
    const props = asArgs(args['properties']);
    const mode = (props['completion-mode'] as string | undefined) ?? 'individual';
    const grouped = mode === 'grouped';
    const actions = args['actions'] as unknown[];
    const parsed: { type: string; data: Args }[] = [];
    for (const a of actions) {
      const action = asArgs(a);
      const err = checkArgs(TRANSACTION_ACTION, action);
      if (err) return { error: err };
      parsed.push({ type: action['type'] as string, data: asArgs(action['data']) });
    }
    const jobAction = (t: string): t is CreatorCommandName => isCreatorCommand(t) && CreatorCommands[t].transactionAction && this.profile.commands.has(t);
    const refuse = (t: string): ServerError => generic(`Action '${t}' does not support ${atLeast(this.profile.version, '8.1') ? 'transaction' : 'Transaction'} property completion-mode = ${mode}`);
    // From 8.1 every action is checked up front; before, each when it is prepared.
    if (grouped && atLeast(this.profile.version, '8.1')) {
      const bad = parsed.find((a) => !jobAction(a.type));
      if (bad) return { error: refuse(bad.type) };
    }
    const drained = this.drainBegin();
    const shared = grouped && !this.hooks.ungroup ? this.newGroup(true) : undefined;
    const created: ServerJob[] = [];
    let failure: ServerError | undefined;
    for (const action of parsed) {
      if (jobAction(action.type)) {
        const spec = prepareJob(this.creatorContext(), action.type, action.data);
        if ('class' in spec) {
          failure = spec;
          break;
        }
        created.push(this.addJob(spec, shared ?? this.newGroup(false)));
      } else if (grouped) {
        failure = refuse(action.type);
        break;
      } else if (action.type === 'abort') {
        failure = generic('Transaction aborted using Abort action');
        break;
      } else if (action.type === 'block-dirty-bitmap-add') {
        const node = action.data['node'];
        if (typeof node !== 'string' || !this.nodes.get(node)) {
          failure = generic(this.nodes.texts.notFound(String(node)));
          break;
        }
      } else {
        failure = generic(`Parameter 'type' does not accept value '${action.type}'`);
        break;
      }
    }
    if (failure) {
      // Members already created are cancelled before they start, newest first, inside the command.
      const groups = [...new Set(created.map((j) => j.group))].reverse();
      for (const g of groups) {
        const first = g.members[0];
        if (first) this.internal(first, { type: 'internal.prepare-fail' });
        this.pump('command');
      }
      // Grouped, with two jobs or more created: QEMU 7.2 and 10.0 wait for ever for members that never
      // started (job_finish_sync). The model leaves them created; the server hangs as QEMU does.
      if (created.some((j) => !j.released && this.ctx(j).status === 'created')) {
        this.hung = true;
        return { error: failure };
      }
      this.drainEnd(drained);
      this.pump('command');
      this.groups = this.groups.filter((g) => g.members.length > 0);
      return { error: failure };
    }
    this.start(created, true, drained);
    this.pump('command');
    return OK;
  }

  private inject(args: Args): CommandReply {
    const id = args['id'] as string;
    const job = this.find(id);
    if (!job) return { error: generic('Job not found') };
    const c = this.ctx(job);
    if (!c.isBlockJob || (c.status !== 'running' && c.status !== 'ready') || c.force) {
      return { error: generic(`Job '${id}' in state '${c.status}' is doing no I/O`) };
    }
    this.ioError(job, typeof args['errno'] === 'number' ? args['errno'] : 5);
    this.pump('command');
    return OK;
  }

  /** QEMU at exit: every job is force-cancelled (job_cancel_sync_all), concluded ones dismissed. */
  private quit(): CommandReply {
    this.emit('SHUTDOWN', { guest: false, reason: 'host-qmp-quit' });
    for (let round = 0; round < 100 && this.live().length > 0; round++) {
      for (const job of this.live()) this.internal(job, { type: 'internal.shutdown', id: job.id });
      this.pump('timer');
    }
    return OK;
  }

  // ---- queries ----

  private queryJobs(): WireEntry[] {
    const jobs = this.snapshot();
    const entries = jobs.map((c) => jobInfo(c));
    return this.hooks.queryJobs ? this.hooks.queryJobs(entries, this.dismissed.map((d) => d.info), jobs) : entries;
  }

  private queryBlockJobs(): WireEntry[] {
    const jobs = this.snapshot();
    const entries = jobs.filter((c) => c.isBlockJob).map((c) => blockJobInfo(this.profile, c));
    const dismissed = this.dismissed.flatMap((d) => (d.block ? [d.block] : []));
    return this.hooks.queryBlockJobs ? this.hooks.queryBlockJobs(entries, dismissed, jobs) : entries;
  }

  // ---- jobs ----

  private newGroup(grouped: boolean): Group {
    const group: Group = { ctx: { jobs: [], grouped, aborting: false }, members: [] };
    this.groups.push(group);
    return group;
  }

  private addJob(spec: JobSpec, group: Group): ServerJob {
    const job: ServerJob = {
      id: spec.input.id,
      seq: ++this.seq,
      spec,
      facts: Drivers[spec.input.type],
      group,
      accruedAt: this.clock.now(),
      faultArmed: true,
      faultRound: -1,
      released: false,
    };
    group.ctx = { ...group.ctx, jobs: [...group.ctx.jobs, createJobContext(spec.input)] };
    group.members.push(job);
    this.internal(job, { type: 'internal.create', id: job.id });
    for (const n of spec.holds) this.nodes.hold(n, { job: job.id, type: spec.input.type });
    if (spec.filtered !== undefined) this.nodes.addFilter(spec.filtered, job.id);
    return job;
  }

  /**
   * Starts created jobs (job_start). A transaction runs drained: its jobs park at their first pause
   * point and run again when the drain ends. 10.0 starts a transaction's jobs newest first.
   */
  private start(jobs: readonly ServerJob[], drainedStart: boolean, drained: readonly ServerJob[]): void {
    const order = atLeast(this.profile.version, '10.0') ? [...jobs].reverse() : [...jobs];
    const blip = drainedStart ? order.filter((j) => j.facts.drainsOnCreate) : [];
    for (const j of blip) this.internal(j, { type: 'internal.drain-begin', id: j.id });
    for (const j of order) {
      this.internal(j, { type: 'internal.start', id: j.id });
      this.internal(j, { type: 'internal.progress', id: j.id, done: 0, remaining: j.spec.len });
      j.accruedAt = this.clock.now();
      if (blip.includes(j)) this.internal(j, { type: 'internal.pause-point', id: j.id });
    }
    this.drainEnd([...drained, ...blip]);
  }

  /** A transaction drains every node first: running backups park (the `paused` → `running` blip of 7.2). */
  private drainBegin(): ServerJob[] {
    const drained = this.live().filter((j) => j.facts.drainsOnCreate && this.ctx(j).status === 'running');
    for (const j of drained) {
      this.accrue(j);
      this.internal(j, { type: 'internal.drain-begin', id: j.id });
      this.internal(j, { type: 'internal.pause-point', id: j.id });
    }
    return drained;
  }

  private drainEnd(drained: readonly ServerJob[]): void {
    for (const j of drained) {
      if (this.ctx(j).drains === 0) continue;
      this.internal(j, { type: 'internal.drain-end', id: j.id });
      if (this.internal(j, { type: 'internal.enter', id: j.id })) j.accruedAt = this.clock.now();
    }
  }

  private ioError(job: ServerJob, errno: number): boolean {
    const policy = job.spec.onTargetError;
    const action = policy === 'stop' || (policy === 'enospc' && errno === 28) ? 'stop' : policy === 'ignore' ? 'ignore' : 'report';
    return this.internal(job, { type: 'internal.io-error', id: job.id, action, ...(errno === 28 ? { nospace: true } : {}) });
  }

  // ---- the main loop ----

  private begin(): void {
    this.out = [];
    this.round++;
    for (const job of this.live()) this.accrue(job);
  }

  private flush(): TimedEvent[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  /** Runs what can happen now until nothing more can: synchronous work first, then kicks, then runs. */
  private pump(phase: Phase): void {
    for (let guard = 0; guard < 100_000; guard++) {
      if (!this.pumpOnce(phase)) return;
    }
    throw new Error('the model server did not settle');
  }

  private pumpOnce(phase: Phase): boolean {
    const jobs = this.live();
    for (const j of jobs) for (const type of URGENT) if (this.internal(j, { type, id: j.id })) return true;
    // job_completed_txn_abort waits for each member synchronously (job_finish_sync).
    for (const j of jobs) {
      const c = this.ctx(j);
      if (j.group.ctx.aborting && c.force && (c.status === 'running' || c.status === 'ready')) {
        if (this.internal(j, { type: 'internal.run-returned', id: j.id })) return true;
      }
    }
    for (const j of jobs) if (this.kick(j, phase)) return true;
    for (const j of jobs) if (this.run(j, phase)) return true;
    return false;
  }

  /** Pause points, re-entry, and the first write to a failing target. */
  private kick(job: ServerJob, phase: Phase): boolean {
    const c = this.ctx(job);
    if ((c.status === 'running' || c.status === 'ready') && pauseCount(c) > 0 && !c.force && c.hasPausePoints) {
      // Since 6.0 job_pause kicks the job to its pause point at once; before, it parks at its next one.
      if (phase === 'timer' || this.profile.features.pauseKicksJob || job === this.kicked) {
        this.accrue(job);
        if (this.internal(job, { type: 'internal.pause-point', id: job.id })) return true;
      }
    }
    if ((c.status === 'paused' || c.status === 'standby') && (pauseCount(c) === 0 || c.force)) {
      if (this.internal(job, { type: 'internal.enter', id: job.id })) {
        job.faultArmed = true;
        job.accruedAt = this.clock.now();
        return true;
      }
    }
    // A rate-limited job meets its failing target on its next write, after the command; an unlimited
    // backup writes (and fails) inside it.
    const inline = c.speed === 0 && job.facts.finishesInline;
    if (this.faultPending(job) && (phase === 'timer' || inline) && job.faultRound !== this.round) {
      const fault = this.nodes.faultOf(job.spec.target!);
      if (fault) {
        job.faultArmed = false;
        job.faultRound = this.round;
        if (fault.once) fault.fired = true;
        return this.ioError(job, fault.errno);
      }
    }
    return false;
  }

  /** The job's own run: progress at its speed, convergence, returning from run(). */
  private run(job: ServerJob, phase: Phase): boolean {
    const c = this.ctx(job);
    if (c.status !== 'running' && c.status !== 'ready') return false;
    if (c.force) {
      // A cancel kicks a job sleeping in its rate limit or parked: it returns at once, inside the command (7.2).
      return this.internal(job, { type: 'internal.run-returned', id: job.id });
    }
    if (c.failure !== null) {
      // An I/O error reported: run() returns with it in the job's next step, after the command (7.2).
      return phase === 'timer' ? this.internal(job, { type: 'internal.run-returned', id: job.id }) : false;
    }
    if (c.status === 'ready') {
      return c.completing && phase === 'timer' ? this.internal(job, { type: 'internal.run-returned', id: job.id }) : false;
    }
    if (this.parked(c) || job.spec.endless) return false;
    const unlimited = c.speed === 0 || job.facts.unitProgress;
    if (phase === 'command' && !(unlimited && job.facts.finishesInline)) return false;
    if (unlimited) this.progress(job, job.spec.len - c.current);
    else this.accrue(job);
    if (this.ctx(job).current < job.spec.len) return false;
    if (c.hasReady) return this.internal(job, { type: 'internal.ready', id: job.id });
    const error = job.spec.runError;
    const returned = this.internal(job, { type: 'internal.run-returned', id: job.id, ...(error !== undefined ? { error } : {}) });
    if (returned && error === undefined) job.spec.onSuccess?.();
    return returned;
  }

  /** The job will write next, and its target fails writes. */
  private faultPending(job: ServerJob): boolean {
    const c = this.ctx(job);
    if (!job.faultArmed || c.status !== 'running' || c.force || pauseCount(c) > 0 || !job.facts.writesTarget || job.spec.target === undefined) return false;
    return c.current < job.spec.len && this.nodes.faultOf(job.spec.target) !== undefined;
  }

  /** A job waiting to park (or parked) does no work. */
  private parked(c: JobContext): boolean {
    return c.hasPausePoints && pauseCount(c) > 0 && !c.force;
  }

  /** Counts the work a running job did at its speed since it was last counted. */
  private accrue(job: ServerJob): void {
    const now = this.clock.now();
    const c = this.ctx(job);
    if (c.status !== 'running' || this.parked(c) || c.speed === 0 || job.facts.unitProgress || job.spec.endless) {
      job.accruedAt = now;
      return;
    }
    const left = job.spec.len - c.current;
    const amount = Math.min(left, Math.floor(((now - job.accruedAt) / 1000) * c.speed));
    if (amount <= 0) return;
    this.progress(job, amount);
    job.accruedAt += (amount / c.speed) * 1000;
    if (amount === left) job.accruedAt = now;
  }

  private progress(job: ServerJob, amount: number): void {
    if (amount <= 0) return;
    const c = this.ctx(job);
    this.internal(job, { type: 'internal.progress', id: job.id, done: amount, remaining: Math.max(0, job.spec.len - c.current - amount) });
  }

  // ---- model steps ----

  private ctx(job: ServerJob): JobContext {
    return job.group.ctx.jobs[job.group.members.indexOf(job)]!;
  }

  /** Live jobs (not yet null), newest first. */
  private live(): ServerJob[] {
    const out: ServerJob[] = [];
    for (const g of this.groups) for (const j of g.members) if (!j.released) out.push(j);
    return out.sort((a, b) => b.seq - a.seq);
  }

  private find(id: string): ServerJob | undefined {
    return this.live().find((j) => j.id === id && this.ctx(j).status !== 'undefined');
  }

  private internal(job: ServerJob, event: ModelEvent): boolean {
    return this.apply(job.group, event) !== undefined;
  }

  private runStep(group: GroupContext, event: ModelEvent): Outcome | undefined {
    const outcome = step(this.profile, group, event);
    return this.hooks.step ? this.hooks.step({ profile: this.profile, group, event, outcome }) : outcome;
  }

  private apply(group: Group, event: ModelEvent): Outcome | undefined {
    const out = this.runStep(group.ctx, event);
    if (!out) return undefined;
    const changed = out.group !== group.ctx || out.events.length > 0;
    group.ctx = out.group;
    for (const e of out.events) this.emit(e.event, e.data);
    if (changed) this.reap(group);
    // A refused internal event is no step; a command always has an outcome.
    return out.isCommand || changed ? out : undefined;
  }

  /** Jobs that went `null` let go of their nodes and leave the job list. */
  private reap(group: Group): void {
    group.members.forEach((job, k) => {
      const c = group.ctx.jobs[k]!;
      if (job.released || c.status !== 'null') return;
      job.released = true;
      this.nodes.release(job.id);
      for (const n of job.spec.implicitNodes ?? []) this.nodes.nodes.delete(n);
      this.dismissed.push({ info: jobInfo(c), block: c.isBlockJob ? blockJobInfo(this.profile, c) : undefined });
      if (this.dismissed.length > RECENTLY_DISMISSED) this.dismissed.shift();
    });
    if (group.members.every((j) => j.released) && group.members.length > 0) this.groups = this.groups.filter((g) => g !== group);
  }

  private emit(event: string, data: Readonly<Record<string, unknown>>): void {
    this.out.push({ timestamp: this.clock.wall(), event, data: wireOrder(event, data) });
  }
}
