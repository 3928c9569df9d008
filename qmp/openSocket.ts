/**
 * Opens a plain socket to a QMP address and nothing more: no greeting is read. For the recorder, which
 * forwards bytes unchanged. Fails with the same errors as connectQmp.
 */
import net from 'node:net';
import { formatQmpAddress, type QmpAddress } from './address.ts';
import { connectErrorFrom, QmpTimeoutError } from './errors.ts';

/** Resolves with the connected socket, paused: nothing is read until it is resumed. */
export function openSocket(address: QmpAddress, timeoutMs = 5000): Promise<net.Socket> {
  const label = formatQmpAddress(address);
  const socket = address.kind === 'unix' ? net.createConnection({ path: address.path }) : net.createConnection({ host: address.host, port: address.port });
  socket.pause();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new QmpTimeoutError(label, 'the connection', timeoutMs));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(connectErrorFrom(error, label));
    });
  });
}
