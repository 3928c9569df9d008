import { describe, expect, it } from 'vitest';
import { formatQmpAddress, parseQmpAddress, QmpAddressError } from '../../qmp/index.ts';

describe('QMP addresses', () => {
  it('parses unix and tcp addresses', () => {
    expect(parseQmpAddress('unix:/tmp/a:b.sock')).toEqual({ kind: 'unix', path: '/tmp/a:b.sock' });
    expect(parseQmpAddress('tcp:localhost:4444')).toEqual({ kind: 'tcp', host: 'localhost', port: 4444 });
    expect(parseQmpAddress('tcp:[::1]:4444')).toEqual({ kind: 'tcp', host: '::1', port: 4444 });
  });

  it('uses the default host only when one is given', () => {
    expect(parseQmpAddress('tcp::0', { defaultHost: '127.0.0.1' })).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 0 });
    expect(parseQmpAddress('tcp:5555', { defaultHost: '127.0.0.1' })).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 5555 });
    expect(() => parseQmpAddress('tcp::5555')).toThrow(QmpAddressError);
  });

  it('rejects other schemes, empty paths and bad ports with the spec in the message', () => {
    expect(() => parseQmpAddress('/tmp/x.sock')).toThrow("'/tmp/x.sock' is not a QMP address");
    expect(() => parseQmpAddress('unix:')).toThrow('needs a path');
    expect(() => parseQmpAddress('tcp:h:70000')).toThrow('port must be a number');
    expect(() => parseQmpAddress('tcp:h:x')).toThrow('port must be a number');
  });

  it('formats an address back to the string it came from', () => {
    for (const spec of ['unix:/tmp/x.sock', 'tcp:127.0.0.1:4444', 'tcp:[::1]:1']) {
      expect(formatQmpAddress(parseQmpAddress(spec))).toBe(spec);
    }
  });
});
