/**
 * `qjob record`: sits between a QMP client and a QMP server and writes their session as a trace
 * (traces/recorder.ts). Prints `qjob record: listening on <address>` on stderr once it accepts
 * connections; exits 0 when the session ends (either side disconnects) or on SIGINT/SIGTERM, and 2
 * when the trace could not be written.
 */
import type { Command } from 'commander';
import { parseQmpAddress, QmpAddressError, type QmpAddress } from '../../qmp/index.ts';
import type { TraceMeta } from '../../traces/format.ts';
import { startRecorder, type RecorderSummary } from '../../traces/recorder.ts';
import type { CommandSpec } from '../command.ts';
import { UsageError } from '../errors.ts';

interface RecordOptions {
  upstream: string;
  listen: string;
  out: string;
  meta?: string;
}

function address(spec: string, option: string, defaultHost?: string): QmpAddress {
  try {
    // A `qmp:` target string names the same server.
    return parseQmpAddress(spec.startsWith('qmp:') ? spec.slice('qmp:'.length) : spec, { defaultHost });
  } catch (error) {
    if (error instanceof QmpAddressError) throw new UsageError(`${option}: ${error.message}`);
    throw error;
  }
}

function meta(text: string | undefined): TraceMeta | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--meta: not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError('--meta: must be a JSON object');
  return value as TraceMeta;
}

function describeEnd(summary: RecorderSummary): string {
  if (summary.traceError !== undefined) return 'the trace could not be written';
  const by = { client: 'the client disconnected', upstream: 'the server disconnected', stopped: 'stopped by a signal' }[summary.endedBy];
  return summary.error === undefined ? by : `${by} (${summary.error})`;
}

export const recordCommand: CommandSpec = {
  name: 'record',
  summary: 'record a QMP session as a trace, as a proxy between a client and QEMU',
  description:
    'Listens for one QMP client, forwards its session byte for byte to the upstream QMP server, and writes every ' +
    'message as it passes to a JSON-lines trace (one flushed line per message). Addresses are unix:PATH or ' +
    'tcp:HOST:PORT; --listen tcp::PORT listens on 127.0.0.1. A unix socket is created with mode 0600.',
  configure(cmd: Command) {
    cmd
      .requiredOption('--upstream <address>', 'the QMP server: unix:PATH, tcp:HOST:PORT, or qmp:unix:PATH / qmp:tcp:HOST:PORT')
      .requiredOption('--listen <address>', 'where the client connects: unix:PATH or tcp:[HOST]:PORT (port 0: any free port)')
      .requiredOption('--out <file>', 'the trace file to write (created or truncated)')
      .option('--meta <json>', 'a JSON object for the meta line (scenario, desc, release, setup, ...)');
  },
  async run(cmd: Command) {
    const opts = cmd.opts<RecordOptions>();
    const upstream = address(opts.upstream, '--upstream');
    const listen = address(opts.listen, '--listen', '127.0.0.1');
    const recorder = await startRecorder({ upstream, listen, out: opts.out, meta: meta(opts.meta) });
    const onSignal = (): void => void recorder.stop();
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.stderr.write(`qjob record: listening on ${recorder.address}\n`);
    try {
      const summary = await recorder.done;
      process.stderr.write(`qjob record: session ended, ${describeEnd(summary)}; ${summary.lines} messages in ${opts.out}\n`);
      if (summary.traceError !== undefined) {
        process.stderr.write(`qjob: ${summary.traceError}\n`);
        return 2;
      }
      return 0;
    } finally {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
  },
};
