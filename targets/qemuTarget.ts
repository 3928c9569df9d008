/**
 * The `qemu` and `qemu-system` targets: for each session, a qemu-storage-daemon (or, for the snapshot
 * jobs that only the system emulator has, a qemu-system-x86_64 with no machine: TCG, `-machine none`,
 * no default devices, no display, stopped) of its own, started without a shell in a
 * fresh private folder (mode 0700) that holds its QMP socket and the set-up's files. The daemon is
 * always stopped (SIGTERM, then SIGKILL after a grace period) and the folder removed: on close, on a
 * failed start, and when qjob exits or is interrupted (processCleanup.ts). Sessions run side by side.
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { connectQmp, QmpConnectError, QmpTimeoutError, type QmpClient } from '../qmp/index.ts';
import { describeExit, startChild, type ChildHandle } from './childProcess.ts';
import { TargetStartError } from './errors.ts';
import { checkSocketPath, makePrivateFolder } from './privateFolder.ts';
import { registerCleanup } from './processCleanup.ts';
import { DEFAULT_SETUP, planSetup, SYSTEM_SETUP } from './setupPlan.ts';
import type { Session, SessionOptions, Target, TargetSetup } from './target.ts';

/** Which QEMU program a target runs. */
export type QemuProgramKind = 'storage-daemon' | 'system';

export interface QemuTargetOptions {
  /** The program to run: a path, or a name looked up on $PATH. Default `qemu-storage-daemon` (`qemu-system-x86_64` for `system`). */
  readonly binary?: string;
  /** `system`: the binary is a qemu-system-x86_64, started with no machine, and the default set-up adds a qcow2 node `vm` for the vmstate. Default `storage-daemon`. */
  readonly program?: QemuProgramKind;
  /** The qemu-img for `qemu-img` set-up steps. Default: the one beside `binary`, else `qemu-img` on $PATH. */
  readonly qemuImg?: string;
  /** The target's name; default `qemu:<binary>`. */
  readonly name?: string;
  /** Time between SIGTERM and SIGKILL when stopping the daemon. Default 3000 ms. */
  readonly graceMs?: number;
  /** Default limit for start-up (set-up, daemon, greeting); SessionOptions.timeoutMs overrides it. Default 10000 ms. */
  readonly startTimeoutMs?: number;
}

export function qemuTarget(options: QemuTargetOptions = {}): Target {
  const given = options.binary ?? (options.program === 'system' ? 'qemu-system-x86_64' : 'qemu-storage-daemon');
  // Programs run in the session's folder, so a relative path is made absolute now.
  const binary = absoluteIfPath(given);
  const qemuImg = options.qemuImg === undefined ? undefined : absoluteIfPath(options.qemuImg);
  return {
    name: options.name ?? `${options.program === 'system' ? 'qemu-system' : 'qemu'}:${given}`,
    open: (setup, sessionOptions) => openQemuSession(binary, { ...options, qemuImg }, setup, sessionOptions),
  };
}

/**
 * A qemu-system-x86_64 that runs no guest: no machine (so no firmware and no CPU), TCG, no default
 * devices, no display, stopped (-S); it still has the migration code that snapshot-save/-load use.
 */
const SYSTEM_ARGS: readonly string[] = ['-machine', 'none', '-accel', 'tcg', '-nodefaults', '-display', 'none', '-S'];

function absoluteIfPath(program: string): string {
  return program.includes('/') ? path.resolve(program) : program;
}

async function openQemuSession(binary: string, options: QemuTargetOptions, setup: TargetSetup = {}, sessionOptions: SessionOptions = {}): Promise<Session> {
  // Checked before anything is created, so a rejected set-up leaves nothing behind.
  const system = options.program === 'system';
  const plan = planSetup(setup.setup ?? (system ? SYSTEM_SETUP : DEFAULT_SETUP));
  const graceMs = options.graceMs ?? 3000;
  const timeoutMs = sessionOptions.timeoutMs ?? options.startTimeoutMs ?? 10_000;
  const deadline = performance.now() + timeoutMs;
  const folder = makePrivateFolder('qjob-qemu-');
  let daemon: ChildHandle | undefined;
  let client: QmpClient | undefined;
  let closing: Promise<void> | undefined;
  const removeFolder = (): void => fs.rmSync(folder, { recursive: true, force: true });
  const untrack = registerCleanup({
    killNow: () => {
      daemon?.killNow();
      removeFolder();
    },
    stop: () => close(),
  });
  const close = (): Promise<void> => {
    closing ??= (async () => {
      try {
        await client?.close();
        await daemon?.stop(graceMs);
      } finally {
        removeFolder();
        untrack();
      }
    })();
    return closing;
  };

  try {
    const qemuImg = options.qemuImg ?? findBeside(binary, 'qemu-img');
    for (const args of plan.images) {
      const img = startChild(qemuImg, args, folder);
      const status = await img.exited;
      if (status.code !== 0) throw new TargetStartError(`qemu-img ${args.join(' ')} ${describeExit(status)}`, img.output());
    }
    const socket = path.join(folder, 'qmp.sock');
    checkSocketPath(socket);
    const chardev = ['--chardev', `socket,id=qmp0,path=${socket.replaceAll(',', ',,')},server=on,wait=off`];
    const args = system
      ? [...SYSTEM_ARGS, ...plan.daemonArgs, ...chardev, '-mon', 'chardev=qmp0,mode=control']
      : [...plan.daemonArgs, ...chardev, '--monitor', 'chardev=qmp0'];
    const startedAt = performance.now();
    daemon = startChild(binary, args, folder);
    client = await connectWhenReady(daemon, socket, deadline, sessionOptions);
    return { client, startedAt, folder, pid: daemon.pid, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Connects as soon as the daemon's socket accepts, failing early if the daemon exits first. */
async function connectWhenReady(daemon: ChildHandle, socket: string, deadline: number, options: SessionOptions): Promise<QmpClient> {
  let delay = 2;
  for (;;) {
    const status = daemon.status;
    if (status !== undefined) {
      await daemon.exited;
      throw new TargetStartError(`${daemon.command} ${describeExit(status)} before its QMP socket was ready`, daemon.output());
    }
    const left = deadline - performance.now();
    if (left <= 0) {
      throw new TargetStartError(`${daemon.command} did not open its QMP socket ${socket} in time`, daemon.output());
    }
    if (fs.existsSync(socket)) {
      try {
        return await connectQmp({ kind: 'unix', path: socket }, { timeoutMs: left, commandTimeoutMs: options.commandTimeoutMs, onMessage: options.onMessage });
      } catch (error) {
        // Bound but not yet listening (or not yet there): try again. Anything else is a real failure.
        if (!(error instanceof QmpConnectError && (error.failure === 'refused' || error.failure === 'missing'))) {
          if (error instanceof QmpTimeoutError) throw new TargetStartError(`${daemon.command}: ${error.message}`, daemon.output());
          throw error;
        }
      }
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 50);
  }
}

/** `name` in the same folder as `binary` when binary is a path and it exists there, else `name` (found on $PATH). */
export function findBeside(binary: string, name: string): string {
  if (!binary.includes('/')) return name;
  const candidate = path.join(path.dirname(path.resolve(binary)), name);
  return fs.existsSync(candidate) ? candidate : name;
}
