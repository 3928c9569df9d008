/** QMP over sockets: the client (connect to a QEMU monitor, run commands, follow events) and the listener qjob's servers share. */
export { formatQmpAddress, parseQmpAddress, type ParseAddressOptions, type QmpAddress } from './address.ts';
export { connectQmp, QmpClient, type QmpClientOptions } from './client.ts';
export type { ExecuteOptions, QmpConnection, WireListener, WireMessage } from './connection.ts';
export {
  connectErrorFrom,
  QmpAddressError,
  QmpConnectError,
  QmpDisconnectedError,
  QmpError,
  QmpProtocolError,
  QmpTimeoutError,
  type QmpConnectFailure,
  type QmpProtocolFailure,
} from './errors.ts';
export { describeMatcher, matchesEvent, type EventMatcher, type EventPattern } from './eventMatcher.ts';
export { EventStream } from './eventStream.ts';
export { openSocket } from './openSocket.ts';
export { listenSocket, ListenError, type SocketListener } from './listener.ts';
export { DEFAULT_MAX_LINE_BYTES, LineSplitter, type SplitItem } from './lineSplitter.ts';
export {
  formatVersion,
  isEvent,
  isGreeting,
  isObject,
  isQmpError,
  isReply,
  parseQmpLine,
  type QemuVersion,
  type QmpErrorBody,
  type QmpEvent,
  type QmpGreeting,
  type QmpId,
  type QmpMessage,
  type QmpResult,
} from './message.ts';
