/**
 * The model server on a socket: `unix:PATH` (mode 0600, made private before anyone can connect: bound in
 * a fresh 0700 folder, chmod'ed, then hard-linked into place, which also refuses to replace a file) or
 * `tcp:HOST:PORT` (127.0.0.1 when the host is left out). Any number of clients; each gets a session.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { formatQmpAddress, type QmpAddress } from '../qmp/index.ts';
import type { ModelServer } from './modelServer.ts';

export class ListenError extends Error {
  override readonly name = 'ListenError';
}

export interface Listening {
  /** Where it listens, with the real port for port 0. */
  readonly address: string;
  readonly qmpAddress: QmpAddress;
  /** Stops accepting, closes every connection, removes the socket file. */
  close(): Promise<void>;
}

export async function listenQmp(server: ModelServer, address: QmpAddress): Promise<Listening> {
  const sockets = new Set<net.Socket>();
  const netServer = net.createServer((socket) => {
    sockets.add(socket);
    socket.setEncoding('utf8');
    socket.setNoDelay?.(true);
    const session = server.connect({
      write: (line) => {
        if (!socket.destroyed) socket.write(line + '\n');
      },
      close: () => socket.end(),
    });
    socket.on('data', (chunk: string) => session.receive(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      sockets.delete(socket);
      session.close();
    });
  });
  let cleanup = (): void => {};
  let shown: QmpAddress;
  if (address.kind === 'tcp') {
    await bind(netServer, { host: address.host, port: address.port }, formatQmpAddress(address));
    const bound = netServer.address() as net.AddressInfo;
    shown = { kind: 'tcp', host: address.host, port: bound.port };
  } else {
    const target = path.resolve(address.path);
    shown = address;
    const label = formatQmpAddress(address);
    if (fs.existsSync(target)) throw new ListenError(`cannot listen on ${label}: a file already exists there`);
    const dir = fs.mkdtempSync(path.join(path.dirname(target), '.qjob-serve-'));
    try {
      fs.chmodSync(dir, 0o700);
      const private_ = path.join(dir, 's');
      await bind(netServer, { path: private_ }, label);
      fs.chmodSync(private_, 0o600);
      try {
        fs.linkSync(private_, target);
      } catch (error) {
        await new Promise<void>((resolve) => netServer.close(() => resolve()));
        const code = (error as NodeJS.ErrnoException).code;
        throw new ListenError(`cannot listen on ${label}: ${code === 'EEXIST' ? 'a file already exists there' : (error as Error).message}`);
      }
      fs.unlinkSync(private_);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    cleanup = () => fs.rmSync(target, { force: true });
  }
  let closing: Promise<void> | undefined;
  return {
    address: formatQmpAddress(shown),
    qmpAddress: shown,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => netServer.close(() => resolve()));
        for (const s of sockets) s.destroy();
        await closed;
        cleanup();
      })();
      return closing;
    },
  };
}

function bind(server: net.Server, options: net.ListenOptions, shown: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(new ListenError(`cannot listen on ${shown}: ${error.code === 'EADDRINUSE' ? 'address already in use' : error.message}`));
    });
    server.listen(options, () => resolve());
  });
}
