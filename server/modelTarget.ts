/**
 * The `model` target: the model server as an implementation under test, in-process. Each session gets
 * a server of its own (a fresh job list and the set-up's nodes) on a unix socket in a private 0700
 * folder, and qjob's QMP client connects to it, so the session crosses a real socket like any other
 * target's. `model` behaves as the newest modelled release, `model:7.2` as QEMU 7.2; `model-system:7.2`
 * as QEMU 7.2's qemu-system, which also has the snapshot jobs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseRelease, profileFor, UnknownReleaseError } from '../machines/index.ts';
import { connectQmp } from '../qmp/index.ts';
// Only the leaf modules of targets/, so targets/parseTarget.ts may list modelTargetKind among its built-in kinds.
import { SetupError, TargetSpecError, TargetStartError } from '../targets/errors.ts';
import { checkSocketPath, makePrivateFolder } from '../targets/privateFolder.ts';
import type { Session, SessionOptions, Target, TargetKind, TargetSetup } from '../targets/target.ts';
import type { Clock } from './clock.ts';
import type { ServerHooks } from './hooks.ts';
import { ListenError, listenQmp } from './listen.ts';
import { ModelServer } from './modelServer.ts';

export interface ModelTargetOptions {
  /** The QEMU release the server behaves as; default the newest modelled one. */
  readonly release?: string;
  readonly name?: string;
  /** Faults (mutants/). */
  readonly hooks?: ServerHooks;
  readonly clock?: Clock;
  /** The greeting's `package`. */
  readonly packageName?: string;
  /** Play a qemu-system (with the snapshot-* commands) instead of a qemu-storage-daemon. */
  readonly system?: boolean;
}

export function modelTarget(options: ModelTargetOptions = {}): Target {
  if (options.release !== undefined) profileFor(options.release);
  return {
    name: options.name ?? `${options.system === true ? 'model-system' : 'model'}${options.release === undefined ? '' : `:${options.release}`}`,
    open: (setup, sessionOptions) => openModelSession(options, setup, sessionOptions),
  };
}

/** As long as the path qmp/listener.ts binds a unix socket at, relative to the socket's folder. */
const LISTENER_BIND_NAME = path.join('.qjob-listen-XXXXXX', 's');

async function openModelSession(options: ModelTargetOptions, setup: TargetSetup = {}, sessionOptions: SessionOptions = {}): Promise<Session> {
  let server: ModelServer;
  try {
    server = new ModelServer({
      ...(options.release !== undefined ? { release: options.release } : {}),
      ...(setup.setup !== undefined ? { setup: setup.setup } : {}),
      ...(options.hooks ? { hooks: options.hooks } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.packageName !== undefined ? { packageName: options.packageName } : {}),
      ...(options.system === true ? { system: true } : {}),
    });
  } catch (error) {
    throw new SetupError(`model: ${(error as Error).message}`);
  }
  const folder = makePrivateFolder('qjob-model-');
  const startedAt = performance.now();
  let listening: Awaited<ReturnType<typeof listenQmp>> | undefined;
  try {
    const socket = path.join(folder, 'qmp.sock');
    // The listener binds in a private folder beside the socket first (qmp/listener.ts), a longer path:
    // a path over the limit would be bound truncated, somewhere else, and never answer.
    checkSocketPath(socket, path.join(folder, LISTENER_BIND_NAME));
    try {
      listening = await listenQmp(server, { kind: 'unix', path: socket });
    } catch (error) {
      if (error instanceof ListenError) throw new TargetStartError(`model: ${error.message}`);
      throw error;
    }
    const client = await connectQmp(listening.qmpAddress, {
      timeoutMs: sessionOptions.timeoutMs,
      commandTimeoutMs: sessionOptions.commandTimeoutMs,
      onMessage: sessionOptions.onMessage,
    });
    let closing: Promise<void> | undefined;
    const l = listening;
    return {
      client,
      startedAt,
      folder,
      close: () =>
        (closing ??= (async () => {
          await client.close();
          server.stop();
          await l.close();
          fs.rmSync(folder, { recursive: true, force: true });
        })()),
    };
  } catch (error) {
    server.stop();
    await listening?.close();
    fs.rmSync(folder, { recursive: true, force: true });
    throw error;
  }
}

function modelKind(scheme: string, system: boolean): TargetKind {
  return {
    scheme,
    usage: [scheme, `${scheme}:7.2`],
    create(rest, spec) {
      if (rest === undefined) return modelTarget({ name: spec, system });
      if (parseRelease(rest) === undefined) throw new TargetSpecError(`'${spec}': expected ${scheme} or ${scheme}:RELEASE (e.g. ${scheme}:7.2)`);
      try {
        return modelTarget({ release: rest, name: spec, system });
      } catch (error) {
        if (error instanceof UnknownReleaseError) throw new TargetSpecError(`'${spec}': ${error.message}`);
        throw error;
      }
    },
  };
}

export const modelTargetKind: TargetKind = modelKind('model', false);

/** The model playing a qemu-system: the snapshot jobs too. */
export const modelSystemTargetKind: TargetKind = modelKind('model-system', true);
