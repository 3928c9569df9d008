/** The model as a QMP server: the engine over machines/, QMP sessions, the socket transport, the `model` target. */
export { JobEngine, INJECT_COMMAND, MODEL_PACKAGE } from './engine.ts';
export type { CommandReply, CommandResult, EngineOptions, TimedEvent } from './engine.ts';
export { ModelServer } from './modelServer.ts';
export type { ModelServerOptions } from './modelServer.ts';
export { QmpServerSession } from './session.ts';
export type { SessionIo } from './session.ts';
export { listenQmp, ListenError } from './listen.ts';
export type { Listening } from './listen.ts';
export { modelTarget, modelTargetKind } from './modelTarget.ts';
export { registerModelTarget } from './registerModelTarget.ts';
export type { ModelTargetOptions } from './modelTarget.ts';
export { FakeClock, systemClock } from './clock.ts';
export type { Clock, QmpTimestamp } from './clock.ts';
export { NodeGraph, defaultSetup, DEFAULT_NODE_NAMES, DEFAULT_NODE_SIZE } from './nodes.ts';
export type { BlockNode } from './nodes.ts';
export type { ServerHooks, StepInput, CreationCheck, WireEntry } from './hooks.ts';
export type { ServerError } from './errors.ts';
export { jobInfo, blockJobInfo } from './queries.ts';
