/**
 * The shapes of QMP messages (docs/interop/qmp-spec.rst in QEMU): the greeting, command replies
 * (`return` or `error`) and events. Only what the client relies on is typed; the rest stays as JSON.
 */
import type { QmpMessage } from '../traces/format.ts';

export type { QmpMessage };

/** A command id: the client uses strings (`c1`, `c2`, ...), QEMU echoes any JSON value. */
export type QmpId = string | number;

export interface QemuVersion {
  readonly qemu: { readonly major: number; readonly minor: number; readonly micro: number };
  readonly package: string;
}

export interface QmpGreeting {
  readonly QMP: { readonly version: QemuVersion; readonly capabilities: readonly string[] };
}

export interface QmpErrorBody {
  /** `GenericError`, `CommandNotFound`, `DeviceNotActive`, ... */
  readonly class: string;
  readonly desc: string;
}

/** A command's reply. An error reply is a value like any other. */
export type QmpResult<T = unknown> =
  | { readonly return: T; readonly id?: QmpId }
  | { readonly error: QmpErrorBody; readonly id?: QmpId };

export interface QmpEvent {
  readonly event: string;
  readonly data?: Record<string, unknown>;
  readonly timestamp?: { readonly seconds: number; readonly microseconds: number };
}

/** Parses one line: the JSON object, or undefined when the line is not JSON or not an object. */
export function parseQmpLine(text: string): QmpMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return isObject(value) ? value : undefined;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isGreeting(msg: QmpMessage): msg is QmpMessage & QmpGreeting {
  const qmp = msg['QMP'];
  return isObject(qmp) && isObject(qmp['version']) && isObject(qmp['version']['qemu']);
}

export function isEvent(msg: QmpMessage): msg is QmpMessage & QmpEvent {
  return typeof msg['event'] === 'string';
}

export function isReply(msg: QmpMessage): msg is QmpMessage & QmpResult {
  return 'return' in msg || (isObject(msg['error']) && typeof msg['error']['class'] === 'string');
}

/** True for an error reply; narrows the result. */
export function isQmpError<T>(result: QmpResult<T>): result is { readonly error: QmpErrorBody; readonly id?: QmpId } {
  return 'error' in result;
}

/** "7.2.22" from a greeting. */
export function formatVersion(version: QemuVersion): string {
  return `${version.qemu.major}.${version.qemu.minor}.${version.qemu.micro}`;
}
