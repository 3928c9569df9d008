/**
 * A scriptable in-process QMP server for the client tests: sends a greeting, answers qmp_capabilities,
 * and hands every other line to the test, which can answer, emit events, write raw bytes or hang up.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const GREETING = { QMP: { version: { qemu: { micro: 0, minor: 2, major: 7 }, package: 'fake' }, capabilities: ['oob'] } };

export interface FakePeer {
  /** Writes one message as QEMU does, with "\r\n". */
  send(message: unknown): void;
  /** Writes bytes as given. */
  raw(data: string | Buffer): void;
  /** Hangs up. */
  end(): void;
  /** Commands received, parsed (a line that is not JSON as `{unparsed: line}`). */
  readonly received: Record<string, unknown>[];
  /** Every byte received, as text. */
  bytes(): string;
}

export interface FakeServerOptions {
  /** What to send on connection: the greeting by default, raw text, or nothing. */
  readonly greeting?: unknown | { raw: string } | null;
  /** Called for every command after qmp_capabilities; return a reply body to answer at once. */
  readonly onCommand?: (command: Record<string, unknown>, peer: FakePeer) => unknown;
  /** Answer qmp_capabilities (default true). */
  readonly negotiate?: boolean;
}

export interface FakeServer {
  readonly address: string;
  readonly path: string;
  /** Resolves with the peer of the next (or current) connection. */
  peer(): Promise<FakePeer>;
  close(): Promise<void>;
}

export async function startFakeServer(options: FakeServerOptions = {}): Promise<FakeServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qjob-fake-'));
  const socketPath = path.join(dir, 'qmp.sock');
  const sockets = new Set<net.Socket>();
  let peers: FakePeer[] = [];
  let waiting: ((peer: FakePeer) => void)[] = [];
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const received: Record<string, unknown>[] = [];
    let bytes = '';
    const peer: FakePeer = {
      bytes: () => bytes,
      send: (message) => socket.write(JSON.stringify(message) + '\r\n'),
      raw: (data) => socket.write(data),
      end: () => socket.destroy(),
      received,
    };
    const greeting = options.greeting === undefined ? GREETING : options.greeting;
    if (greeting !== null) {
      if (typeof greeting === 'object' && 'raw' in greeting && typeof greeting.raw === 'string') socket.write(greeting.raw);
      else peer.send(greeting);
    }
    let buffered = '';
    socket.on('data', (chunk) => {
      bytes += chunk.toString('utf8');
      buffered += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        let command: Record<string, unknown>;
        try {
          command = JSON.parse(line) as Record<string, unknown>;
        } catch {
          received.push({ unparsed: line });
          continue;
        }
        received.push(command);
        const id = command['id'];
        if (command['execute'] === 'qmp_capabilities' && options.negotiate !== false) {
          peer.send({ return: {}, id });
          continue;
        }
        const reply = options.onCommand?.(command, peer);
        if (reply !== undefined) peer.send({ ...(reply as object), id });
      }
    });
    const next = waiting.shift();
    if (next) next(peer);
    else peers.push(peer);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    address: `unix:${socketPath}`,
    path: socketPath,
    peer: () => {
      const ready = peers.shift();
      if (ready) return Promise.resolve(ready);
      return new Promise((resolve) => waiting.push(resolve));
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      peers = [];
      waiting = [];
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
