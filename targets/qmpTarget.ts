/**
 * The `qmp:` target: a QMP server someone else started (`qmp:unix:PATH`, `qmp:tcp:HOST:PORT`). qjob only
 * connects to it, so it cannot apply set-up steps: the server must already have the nodes a scenario
 * names. Closing a session disconnects and leaves the server running (and any jobs it still has).
 */
import { performance } from 'node:perf_hooks';
import { connectQmp, formatQmpAddress, type QmpAddress } from '../qmp/index.ts';
import type { Session, SessionOptions, Target, TargetSetup } from './target.ts';

export function qmpTarget(address: QmpAddress, name = `qmp:${formatQmpAddress(address)}`): Target {
  return {
    name,
    async open(_setup?: TargetSetup, options: SessionOptions = {}): Promise<Session> {
      const startedAt = performance.now();
      const client = await connectQmp(address, {
        timeoutMs: options.timeoutMs,
        commandTimeoutMs: options.commandTimeoutMs,
        onMessage: options.onMessage,
      });
      return { client, startedAt, close: () => client.close() };
    },
  };
}
