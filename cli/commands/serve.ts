/**
 * `qjob serve`: the model as a QMP server a real client can drive (server/). Prints
 * `qjob serve: listening on <address>` on stderr once it accepts connections; runs until SIGINT or
 * SIGTERM, or until a client sends `quit` (as QEMU exits on it). Exit 0 then, 2 on bad usage.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { formatRelease, LATEST_RELEASE, profileFor, UnknownReleaseError } from '../../machines/index.ts';
import { parseQmpAddress, QmpAddressError } from '../../qmp/index.ts';
import { DEFAULT_NODE_NAMES, INJECT_COMMAND, listenQmp, ListenError, ModelServer } from '../../server/index.ts';
import type { SetupStep } from '../../traces/format.ts';
import type { CommandSpec } from '../command.ts';
import { UsageError } from '../errors.ts';

interface ServeOptions {
  listen: string;
  release?: string;
  setup?: string;
  system?: boolean;
}

function readSetup(file: string): SetupStep[] {
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`--setup: cannot read ${file}: ${(error as Error).message}`);
  }
  if (!Array.isArray(value)) throw new UsageError('--setup: expected a JSON array of set-up steps ({"blockdev": {...}} or {"qemu-img": "create", ...})');
  return value as SetupStep[];
}

export const serveCommand: CommandSpec = {
  name: 'serve',
  summary: 'run the model as a QMP server (a QEMU stand-in for testing management software)',
  description:
    'Serves QMP on a unix socket (created with mode 0600) or TCP (127.0.0.1 unless a host is given): greeting, ' +
    'qmp_capabilities, the job-creating commands, every job verb in both spellings, transaction, query-jobs, ' +
    'query-block-jobs, query-named-block-nodes, blockdev-add/-del, events with timestamps. Jobs progress on the ' +
    `clock at their speed. Default nodes: 64 MiB null-co nodes ${DEFAULT_NODE_NAMES.join(', ')}. I/O errors: a ` +
    `blkdebug node with inject-error (as in QEMU), or ${INJECT_COMMAND} {"id": JOB, "errno": 5|28}. See docs/serve.md.`,
  configure(cmd: Command) {
    cmd
      .requiredOption('--listen <address>', 'unix:PATH or tcp:[HOST]:PORT (port 0: any free port)')
      .option('--release <X.Y>', `the QEMU release to behave as (default ${formatRelease(LATEST_RELEASE)})`)
      .option('--setup <file>', 'a JSON array of set-up steps for the block nodes, instead of the default nodes')
      .option('--system', 'behave as a qemu-system, which also has the snapshot jobs (snapshot-save, -load, -delete); give qcow2 nodes with --setup');
  },
  async run(cmd: Command) {
    const o = cmd.opts<ServeOptions>();
    let address;
    try {
      address = parseQmpAddress(o.listen.startsWith('qmp:') ? o.listen.slice(4) : o.listen, { defaultHost: '127.0.0.1' });
    } catch (error) {
      if (error instanceof QmpAddressError) throw new UsageError(`--listen: ${error.message}`);
      throw error;
    }
    const release = o.release ?? formatRelease(LATEST_RELEASE);
    try {
      profileFor(release);
    } catch (error) {
      if (error instanceof UnknownReleaseError) throw new UsageError(`--release: ${error.message}`);
      throw error;
    }
    const setup = o.setup === undefined ? undefined : readSetup(o.setup);
    let quit: () => void = () => {};
    const quitting = new Promise<void>((resolve) => (quit = resolve));
    let server: ModelServer;
    try {
      server = new ModelServer({ release, ...(setup ? { setup } : {}), ...(o.system === true ? { system: true } : {}), onQuit: () => quit() });
    } catch (error) {
      throw new UsageError(`--setup: ${(error as Error).message}`);
    }
    let listening;
    try {
      listening = await listenQmp(server, address);
    } catch (error) {
      if (error instanceof ListenError) {
        process.stderr.write(`qjob: ${error.message}\n`);
        return 2;
      }
      throw error;
    }
    const onSignal = (): void => quit();
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.stderr.write(`qjob serve: listening on ${listening.address} (QEMU ${release} model)\n`);
    try {
      await quitting;
    } finally {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      server.stop();
      await listening.close();
    }
    process.stderr.write('qjob serve: stopped\n');
    return 0;
  },
};
