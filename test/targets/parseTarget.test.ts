import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseTarget, registerTargetKind, targetKinds, TargetSpecError, type Target } from '../../targets/index.ts';

describe('parseTarget', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('names each target after the string it came from', () => {
    for (const spec of ['qemu', 'qemu:/opt/qemu/bin/qemu-storage-daemon', 'qemu:./qsd', 'qmp:unix:/tmp/q.sock', 'qmp:tcp:127.0.0.1:4444']) {
      expect(parseTarget(spec).name).toBe(spec);
    }
  });

  it('refuses an unknown target, listing the accepted forms', () => {
    expect(() => parseTarget('qemu-7.2')).toThrow(TargetSpecError);
    expect(() => parseTarget('docker:qemu')).toThrow(/unknown target 'docker:qemu'; expected one of: qemu, qemu:PATH, .*qmp:unix:PATH, qmp:tcp:HOST:PORT/);
  });

  it('refuses a qmp target without a usable address', () => {
    expect(() => parseTarget('qmp:/tmp/q.sock')).toThrow("'qmp:/tmp/q.sock': expected qmp:unix:PATH or qmp:tcp:HOST:PORT");
    expect(() => parseTarget('qmp')).toThrow(TargetSpecError);
    expect(() => parseTarget('qemu:')).toThrow(TargetSpecError);
  });

  it('refuses a release that is not installed, naming the variable to set', () => {
    vi.stubEnv('QJOB_QEMU_10_0', path.join('/nonexistent', String(process.pid), 'qemu-storage-daemon'));
    expect(() => parseTarget('qemu:10.0')).toThrow(/QEMU 10\.0 not found: QJOB_QEMU_10_0=.* does not exist \(set QJOB_QEMU_10_0/);
  });

  it('accepts kinds registered from elsewhere, and refuses a scheme twice', () => {
    const made: (string | undefined)[] = [];
    const fake: Target = { name: 'model', open: () => Promise.reject(new Error('not here')) };
    registerTargetKind({ scheme: 'test-model', usage: ['test-model[:RELEASE]'], create: (rest) => (made.push(rest), fake) });
    expect(parseTarget('test-model:7.2')).toBe(fake);
    expect(parseTarget('test-model')).toBe(fake);
    expect(made).toEqual(['7.2', undefined]);
    expect(targetKinds().map((k) => k.scheme)).toEqual(['qemu', 'qemu-system', 'qmp', 'model', 'model-system', 'test-model']);
    expect(() => registerTargetKind({ scheme: 'qemu', usage: [], create: () => fake })).toThrow("'qemu' is already registered");
  });
});
