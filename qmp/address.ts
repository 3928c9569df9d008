/**
 * Where a QMP server (or the recorder) lives: `unix:PATH` or `tcp:HOST:PORT`.
 * IPv6 hosts are written in brackets (`tcp:[::1]:4444`).
 */
import { QmpAddressError } from './errors.ts';

export type QmpAddress =
  | { readonly kind: 'unix'; readonly path: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number };

export interface ParseAddressOptions {
  /** Host used when a tcp address leaves it out (`tcp::4444` or `tcp:4444`); without it a host is required. */
  readonly defaultHost?: string;
}

/** Parses `unix:PATH` or `tcp:HOST:PORT`; throws QmpAddressError naming what is wrong. */
export function parseQmpAddress(spec: string, options: ParseAddressOptions = {}): QmpAddress {
  if (spec.startsWith('unix:')) {
    const path = spec.slice('unix:'.length);
    if (path === '') throw new QmpAddressError(`'${spec}': unix address needs a path (unix:PATH)`);
    if (path.includes('\0')) throw new QmpAddressError(`'${spec}': path contains a NUL byte`);
    return { kind: 'unix', path };
  }
  if (spec.startsWith('tcp:')) return parseTcp(spec, spec.slice('tcp:'.length), options.defaultHost);
  throw new QmpAddressError(`'${spec}' is not a QMP address: expected unix:PATH or tcp:HOST:PORT`);
}

function parseTcp(spec: string, rest: string, defaultHost: string | undefined): QmpAddress {
  let host: string;
  let port: string;
  const bracketed = /^\[([^\]]*)\]:(.*)$/.exec(rest);
  if (bracketed) {
    host = bracketed[1] ?? '';
    port = bracketed[2] ?? '';
  } else {
    const colon = rest.lastIndexOf(':');
    host = colon < 0 ? '' : rest.slice(0, colon);
    port = colon < 0 ? rest : rest.slice(colon + 1);
  }
  if (host === '') {
    if (defaultHost === undefined) throw new QmpAddressError(`'${spec}': tcp address needs a host (tcp:HOST:PORT)`);
    host = defaultHost;
  }
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) {
    throw new QmpAddressError(`'${spec}': port must be a number from 0 to 65535`);
  }
  return { kind: 'tcp', host, port: Number(port) };
}

/** The inverse of parseQmpAddress, used in every message that names an address. */
export function formatQmpAddress(address: QmpAddress): string {
  if (address.kind === 'unix') return `unix:${address.path}`;
  return address.host.includes(':') ? `tcp:[${address.host}]:${address.port}` : `tcp:${address.host}:${address.port}`;
}
