/**
 * What a verify scenario is made of, before it meets a target: abstract actions that fast-check
 * generates and shrinks. They name jobs by position (`pick`), not by id, so any sub-list of a scenario
 * is still a scenario; the planner (planner.ts) turns them into QMP steps, skipping what cannot apply.
 */
import fc from 'fast-check';
import { VerbCommands, type VerbCommandName } from '../machines/index.ts';

export type JobKind = 'backup' | 'mirror' | 'create' | 'stream';
export type FaultKind = 'eio' | 'eioOnce' | 'enospc';
export type ErrorPolicy = 'report' | 'stop' | 'ignore' | 'enospc';

export interface CreateAction {
  readonly kind: 'create';
  readonly job: JobKind;
  readonly autoFinalize: boolean;
  readonly autoDismiss: boolean;
  /** Start with a speed that holds the job in running (else unlimited). */
  readonly held: boolean;
  /** Write to a failing node under this policy (backup only, where the target has failing nodes). */
  readonly fault: { readonly node: FaultKind; readonly policy: ErrorPolicy } | null;
  /** blockdev-create of a file that cannot be made (the job fails). */
  readonly failing: boolean;
  /** mirror's copy-mode. */
  readonly writeBlocking: boolean;
}

export interface TxnAction {
  readonly kind: 'txn';
  readonly grouped: boolean;
  readonly members: readonly { readonly held: boolean; readonly autoFinalize: boolean; readonly autoDismiss: boolean }[];
  /** One member writes to a failing node (reported). */
  readonly failMember: number | null;
  /** A last action names a missing node, so the transaction fails in prepare. */
  readonly failPrepare: boolean;
}

export interface VerbAction {
  readonly kind: 'verb';
  readonly pick: number;
  readonly command: VerbCommandName;
  /** block-job-cancel */
  readonly force: boolean | null;
  /** block-job-set-speed: 0 lets the job run free, -1 is refused. */
  readonly speed: number;
  /** block-job-change */
  readonly change: 'write-blocking' | 'background' | 'other-type';
}

/** Lets a held job run free (block-job-set-speed 0), so it reaches what it does by itself. */
export interface ReleaseAction {
  readonly kind: 'release';
  readonly pick: number;
}

export interface QueryAction {
  readonly kind: 'query';
  readonly block: boolean;
}

export interface InjectAction {
  readonly kind: 'inject';
  readonly pick: number;
  readonly nospace: boolean;
}

/** A job-creating command that must be refused (or, for a negative speed, fail right after job_create). */
export interface BadCreateAction {
  readonly kind: 'bad-create';
  readonly problem: 'invalid-id' | 'missing-id' | 'duplicate-id' | 'busy-target' | 'missing-node' | 'negative-speed' | 'same-node';
  readonly mirror: boolean;
  readonly pick: number;
}

/**
 * A snapshot job (qemu-system targets only): save, load or delete of one of a few tags, sometimes made to
 * fail inside the job (vmstate node missing, or a device that cannot snapshot); dismissed at once or left
 * in concluded for later verbs.
 */
export interface SnapshotAction {
  readonly kind: 'snapshot';
  readonly op: 'save' | 'load' | 'delete';
  readonly tag: number;
  readonly failing: 'none' | 'vmstate' | 'device';
  readonly dismiss: boolean;
}

export type Action = CreateAction | TxnAction | VerbAction | ReleaseAction | QueryAction | InjectAction | BadCreateAction | SnapshotAction;

export const VERB_COMMANDS = Object.keys(VerbCommands) as VerbCommandName[];

/** Speeds a set-speed action uses: 0 (runs free) is the common one, so held jobs get to finish. */
export function speedArbitrary(slow: number): fc.Arbitrary<number> {
  return fc.oneof({ arbitrary: fc.constant(0), weight: 5 }, { arbitrary: fc.constantFrom(slow, 2 * slow, -1), weight: 2 });
}

const createArb = () =>
  fc.record<CreateAction>({
    kind: fc.constant('create'),
    job: fc.oneof({ arbitrary: fc.constantFrom<JobKind>('backup', 'mirror'), weight: 6 }, { arbitrary: fc.constantFrom<JobKind>('create', 'stream'), weight: 2 }),
    autoFinalize: fc.boolean(),
    autoDismiss: fc.boolean(),
    held: fc.boolean(),
    fault: fc.option(
      fc.record({ node: fc.constantFrom<FaultKind>('eio', 'eioOnce', 'enospc'), policy: fc.constantFrom<ErrorPolicy>('report', 'stop', 'ignore', 'enospc') }),
      { freq: 4, nil: null },
    ),
    failing: fc.boolean(),
    writeBlocking: fc.boolean(),
  });

const txnArb = fc.record<TxnAction>({
  kind: fc.constant('txn'),
  grouped: fc.oneof({ arbitrary: fc.constant(true), weight: 2 }, { arbitrary: fc.constant(false), weight: 1 }),
  members: fc.array(fc.record({ held: fc.boolean(), autoFinalize: fc.boolean(), autoDismiss: fc.boolean() }), { minLength: 2, maxLength: 3 }),
  failMember: fc.option(fc.nat({ max: 2 }), { freq: 3, nil: null }),
  failPrepare: fc.boolean(),
});

const verbArb = (slow: number) =>
  fc.record<VerbAction>({
    kind: fc.constant('verb'),
    pick: fc.nat({ max: 31 }),
    command: fc.constantFrom(...VERB_COMMANDS),
    force: fc.option(fc.boolean(), { nil: null }),
    speed: speedArbitrary(slow),
    change: fc.constantFrom<VerbAction['change']>('write-blocking', 'write-blocking', 'background', 'other-type'),
  });

const releaseArb = fc.record<ReleaseAction>({ kind: fc.constant('release'), pick: fc.nat({ max: 7 }) });
const queryArb = fc.record<QueryAction>({ kind: fc.constant('query'), block: fc.boolean() });
const injectArb = fc.record<InjectAction>({ kind: fc.constant('inject'), pick: fc.nat({ max: 7 }), nospace: fc.boolean() });
const badCreateArb = fc.record<BadCreateAction>({
  kind: fc.constant('bad-create'),
  problem: fc.constantFrom<BadCreateAction['problem']>('invalid-id', 'missing-id', 'duplicate-id', 'busy-target', 'missing-node', 'negative-speed', 'same-node'),
  mirror: fc.boolean(),
  pick: fc.nat({ max: 7 }),
});

const snapshotArb = fc.record<SnapshotAction>({
  kind: fc.constant('snapshot'),
  op: fc.constantFrom<SnapshotAction['op']>('save', 'save', 'load', 'delete'),
  tag: fc.nat({ max: 2 }),
  failing: fc.oneof({ arbitrary: fc.constant<SnapshotAction['failing']>('none'), weight: 4 }, { arbitrary: fc.constantFrom<SnapshotAction['failing']>('vmstate', 'device'), weight: 1 }),
  dismiss: fc.boolean(),
});

export interface ScenarioShape {
  /** Longest action list. */
  readonly maxActions?: number;
  readonly slow?: number;
  /** The target has the snapshot jobs (a qemu-system): snapshot actions too. Off, the arbitrary is as it always was, so seeds keep their scenarios. */
  readonly snapshots?: boolean;
}

/** The arbitrary of a verify scenario: a list of actions, verbs most often, jobs created often enough to have some. */
export function actionsArbitrary(shape: ScenarioShape = {}): fc.Arbitrary<Action[]> {
  const slow = shape.slow ?? 1024 * 1024;
  const action: fc.Arbitrary<Action> = fc.oneof(
    { arbitrary: createArb(), weight: 6 },
    { arbitrary: txnArb, weight: 2 },
    { arbitrary: verbArb(slow), weight: 12 },
    { arbitrary: releaseArb, weight: 3 },
    { arbitrary: queryArb, weight: 2 },
    { arbitrary: injectArb, weight: 1 },
    { arbitrary: badCreateArb, weight: 1 },
    ...(shape.snapshots === true ? [{ arbitrary: snapshotArb as fc.Arbitrary<Action>, weight: 4 }] : []),
  );
  return fc.array(action, { minLength: 1, maxLength: shape.maxActions ?? 50, size: 'large' });
}
