/**
 * The model server on a socket (qmp/listener.ts: `unix:PATH` with mode 0600, or `tcp:HOST:PORT`). Any
 * number of clients; each gets a session. Bytes go to the session as they come; nothing a client sends
 * (nor a failing socket) ends the server.
 */
import { listenSocket, ListenError, type QmpAddress } from '../qmp/index.ts';
import type { ModelServer } from './modelServer.ts';

export { ListenError };

export interface Listening {
  /** Where it listens, with the real port for port 0. */
  readonly address: string;
  readonly qmpAddress: QmpAddress;
  /** Stops accepting, closes every connection, removes the socket file. */
  close(): Promise<void>;
}

export async function listenQmp(server: ModelServer, address: QmpAddress): Promise<Listening> {
  const listener = await listenSocket(address, (socket) => {
    socket.setNoDelay?.(true);
    const session = server.connect({
      write: (line) => {
        if (!socket.destroyed) socket.write(line + '\n');
      },
      close: () => socket.end(),
    });
    socket.on('data', (chunk: Buffer) => {
      try {
        session.receive(chunk);
      } catch (error) {
        // Sessions answer bad input themselves; this is a bug of qjob, and it costs one connection only.
        process.stderr.write(`qjob model: internal error, connection closed: ${(error as Error).message}\n`);
        socket.destroy();
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => session.close());
  });
  return { address: listener.address, qmpAddress: listener.qmpAddress, close: () => listener.close() };
}
