/**
 * The one socket listener of qjob: `qjob serve` (server/listen.ts) and `qjob record` (traces/recorder.ts)
 * both listen through it.
 *
 * - `tcp:HOST:PORT` binds where asked (the CLI fills in 127.0.0.1 when the host is left out); port 0
 *   takes any free port, and `address` tells which.
 * - `unix:PATH` gets mode 0600 before anyone can reach it: the socket is bound inside a fresh 0700
 *   folder next to PATH, chmod'ed, then hard-linked into place (link(2) refuses to replace a file).
 *   The socket file is removed on close.
 * - A socket file left at PATH by a process that died (nobody accepts on it) is removed and replaced;
 *   a socket somebody listens on is "address already in use"; any other file is left alone and
 *   refused ("a file already exists there").
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { formatQmpAddress, type QmpAddress } from './address.ts';

export class ListenError extends Error {
  override readonly name = 'ListenError';
}

export interface SocketListener {
  readonly server: net.Server;
  /** Where it listens, with the real port for port 0. */
  readonly address: string;
  readonly qmpAddress: QmpAddress;
  /** Stops accepting new connections; those open stay. */
  stopAccepting(): Promise<void>;
  /** Stops accepting, destroys the connections still open, removes the socket file. */
  close(): Promise<void>;
}

/** How long a probe of an existing socket file may take to tell a live listener from a stale file. */
const PROBE_MS = 1000;

export async function listenSocket(address: QmpAddress, onConnection: (socket: net.Socket) => void): Promise<SocketListener> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  const label = formatQmpAddress(address);
  let cleanup = (): void => {};
  let shown: QmpAddress;
  if (address.kind === 'tcp') {
    await bind(server, { host: address.host, port: address.port }, label);
    shown = { kind: 'tcp', host: address.host, port: (server.address() as net.AddressInfo).port };
  } else {
    const target = path.resolve(address.path);
    shown = address;
    await clearStale(target, label);
    const dir = fs.mkdtempSync(path.join(path.dirname(target), '.qjob-listen-'));
    try {
      fs.chmodSync(dir, 0o700);
      const private_ = path.join(dir, 's');
      await bind(server, { path: private_ }, label);
      fs.chmodSync(private_, 0o600);
      try {
        fs.linkSync(private_, target);
      } catch (error) {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        const code = (error as NodeJS.ErrnoException).code;
        throw new ListenError(`cannot listen on ${label}: ${code === 'EEXIST' ? 'a file already exists there' : (error as Error).message}`);
      }
      fs.unlinkSync(private_);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    cleanup = () => fs.rmSync(target, { force: true });
  }
  let stopping: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  const stopAccepting = (): Promise<void> => (stopping ??= new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    server,
    address: formatQmpAddress(shown),
    qmpAddress: shown,
    stopAccepting,
    close: () =>
      (closing ??= (async () => {
        const stopped = stopAccepting();
        for (const s of sockets) s.destroy();
        await stopped;
        cleanup();
      })()),
  };
}

/** Removes a socket file nobody listens on; refuses anything else that is there. */
async function clearStale(target: string, label: string): Promise<void> {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(target);
  } catch {
    return;
  }
  if (!stat.isSocket()) throw new ListenError(`cannot listen on ${label}: a file already exists there`);
  const live = await new Promise<boolean>((resolve) => {
    const probe = net.createConnection({ path: target });
    const timer = setTimeout(() => {
      probe.destroy();
      resolve(true);
    }, PROBE_MS);
    probe.once('connect', () => {
      clearTimeout(timer);
      probe.destroy();
      resolve(true);
    });
    probe.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(error.code !== 'ECONNREFUSED' && error.code !== 'ENOENT');
    });
  });
  if (live) throw new ListenError(`cannot listen on ${label}: address already in use`);
  fs.rmSync(target, { force: true });
}

function bind(server: net.Server, options: net.ListenOptions, shown: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(new ListenError(`cannot listen on ${shown}: ${error.code === 'EADDRINUSE' ? 'address already in use' : error.message}`));
    });
    server.listen(options, () => resolve());
  });
}
