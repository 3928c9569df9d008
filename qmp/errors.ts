/**
 * The errors a QMP connection can fail with. Each names the peer's address, so a message read in a log
 * says which socket misbehaved. A QMP error *reply* (`{"error": {...}}`) is not among them: it is a value
 * that `execute` resolves with.
 */

/** Base class: something went wrong with the connection to `address` (not a QMP error reply). */
export class QmpError extends Error {
  override readonly name: string = 'QmpError';
  constructor(
    readonly address: string,
    message: string,
  ) {
    super(message);
  }
}

/** An address string that is not `unix:PATH` or `tcp:HOST:PORT`. */
export class QmpAddressError extends Error {
  override readonly name = 'QmpAddressError';
}

/** Why a connection could not be made. */
export type QmpConnectFailure = 'missing' | 'refused' | 'denied' | 'not-a-socket' | 'other';

/** The socket could not be opened: no socket at the path, nobody listening, no permission, ... */
export class QmpConnectError extends QmpError {
  override readonly name = 'QmpConnectError';
  constructor(
    address: string,
    readonly failure: QmpConnectFailure,
    detail: string,
  ) {
    super(address, `cannot connect to ${address}: ${detail}`);
  }
}

/** The QmpConnectError for a failed connect() (ENOENT, ECONNREFUSED, ...). */
export function connectErrorFrom(error: NodeJS.ErrnoException, address: string): QmpConnectError {
  const code = error.code ?? 'unknown error';
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new QmpConnectError(address, 'missing', `no socket exists at that path (${code})`);
    case 'ECONNREFUSED':
      return new QmpConnectError(address, 'refused', address.startsWith('unix:') ? `connection refused: nothing listens on that socket (${code})` : `connection refused (${code})`);
    case 'EACCES':
    case 'EPERM':
      return new QmpConnectError(address, 'denied', `permission denied (${code})`);
    case 'ENOTSOCK':
      return new QmpConnectError(address, 'not-a-socket', `not a socket (${code})`);
    default:
      return new QmpConnectError(address, 'other', error.message);
  }
}

/** No answer in time: no greeting, no reply to a command, or no matching event. */
export class QmpTimeoutError extends QmpError {
  override readonly name = 'QmpTimeoutError';
  constructor(
    address: string,
    readonly waitedFor: string,
    readonly timeoutMs: number,
  ) {
    super(address, `timed out after ${timeoutMs} ms waiting for ${waitedFor} from ${address}`);
  }
}

/** The connection ended while something was still expected from it. */
export class QmpDisconnectedError extends QmpError {
  override readonly name = 'QmpDisconnectedError';
  constructor(
    address: string,
    /** true when the peer closed or reset the connection, false when this side closed it. */
    readonly byPeer: boolean,
    readonly waitingFor?: string,
  ) {
    const who = byPeer ? `${address} closed the connection` : `the connection to ${address} was closed`;
    super(address, waitingFor === undefined ? who : `${who} while waiting for ${waitingFor}`);
  }
}

/** What broke the protocol. */
export type QmpProtocolFailure = 'not-json' | 'not-an-object' | 'line-too-long' | 'no-greeting' | 'negotiation-failed';

/** The peer sent something QMP does not allow; the connection is closed because its framing cannot be trusted. */
export class QmpProtocolError extends QmpError {
  override readonly name = 'QmpProtocolError';
  constructor(
    address: string,
    readonly failure: QmpProtocolFailure,
    detail: string,
  ) {
    super(address, `${address} broke the QMP protocol: ${detail}`);
  }
}
