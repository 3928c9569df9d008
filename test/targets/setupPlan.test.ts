import { describe, expect, it } from 'vitest';
import { DEFAULT_SETUP, planSetup, SetupError } from '../../targets/index.ts';
import type { SetupStep } from '../../traces/format.ts';

function plan(...steps: unknown[]): ReturnType<typeof planSetup> {
  return planSetup(steps as SetupStep[]);
}

describe('planSetup', () => {
  it('defaults to null-co nodes src and dst of 64 MiB', () => {
    expect(planSetup().daemonArgs).toEqual([
      '--blockdev',
      '{"driver":"null-co","node-name":"src","size":67108864}',
      '--blockdev',
      '{"driver":"null-co","node-name":"dst","size":67108864}',
    ]);
    expect(planSetup(DEFAULT_SETUP).images).toEqual([]);
  });

  it('plans nothing for an empty set-up', () => {
    expect(planSetup([])).toEqual({ images: [], daemonArgs: [] });
  });

  it('turns qemu-img create steps into argument arrays, backing file included', () => {
    const result = plan(
      { 'qemu-img': 'create', format: 'qcow2', file: 'base.qcow2', size: '64M' },
      { 'qemu-img': 'create', format: 'qcow2', file: 'top.qcow2', backing: 'base.qcow2', 'backing-format': 'qcow2' },
      { 'qemu-img': 'create', format: 'raw', file: 'sub/x.raw', size: 1048576 },
    );
    expect(result.images).toEqual([
      ['create', '-f', 'qcow2', 'base.qcow2', '64M'],
      ['create', '-f', 'qcow2', '-b', 'base.qcow2', '-F', 'qcow2', 'top.qcow2'],
      ['create', '-f', 'raw', 'sub/x.raw', '1048576'],
    ]);
  });

  it('passes nested blockdev objects through as JSON', () => {
    const node = { driver: 'qcow2', 'node-name': 'top', file: { driver: 'file', filename: 'top.qcow2' }, backing: null };
    expect(plan({ blockdev: node }).daemonArgs).toEqual(['--blockdev', JSON.stringify(node)]);
  });

  const escaping: [string, string][] = [
    ['/etc/passwd', 'is absolute'],
    ['../outside.qcow2', "contains '..'"],
    ['a/../../outside', "contains '..'"],
    ['json:{"driver":"file","filename":"/etc/passwd"}', "contains ':'"],
    ['nbd:localhost:10809', "contains ':'"],
    ['-o', "starts with '-'"],
    ['', 'non-empty'],
    ['a\nb', 'control character'],
  ];

  for (const [name, reason] of escaping) {
    it(`rejects the qemu-img file name ${JSON.stringify(name)} (${reason})`, () => {
      expect(() => plan({ 'qemu-img': 'create', format: 'raw', file: name, size: '1M' })).toThrow(reason);
    });
  }

  it('rejects a backing file outside the folder', () => {
    expect(() => plan({ 'qemu-img': 'create', format: 'qcow2', file: 't.qcow2', backing: '/var/lib/x.qcow2', 'backing-format': 'qcow2' })).toThrow(
      "set-up step 1: backing \"/var/lib/x.qcow2\" is absolute",
    );
  });

  it('rejects a blockdev filename outside the folder, at any depth', () => {
    expect(() => plan({ blockdev: { driver: 'file', 'node-name': 'f', filename: '/etc/shadow' } })).toThrow(SetupError);
    expect(() => plan({ blockdev: { driver: 'qcow2', 'node-name': 'q', file: { driver: 'file', filename: '../../x' } } })).toThrow(
      "set-up step 1 (blockdev): file: filename \"../../x\" contains '..'",
    );
    expect(() => plan({ blockdev: { driver: 'raw', 'node-name': 'r', file: '/dev/sda' } })).toThrow('is absolute');
    expect(() => plan({ blockdev: { driver: 'blkdebug', 'node-name': 'b', config: '/etc/blkdebug.conf', image: 'src' } })).toThrow('config');
  });

  it('accepts a node name where a file reference may be one', () => {
    expect(plan({ blockdev: { driver: 'raw', 'node-name': 'r', file: 'base-file' } }).daemonArgs).toHaveLength(2);
  });

  it('rejects drivers that reach outside the folder, at any depth', () => {
    for (const driver of ['nbd', 'vvfat', 'host_device', 'ssh', 'http']) {
      expect(() => plan({ blockdev: { driver, 'node-name': 'x' } })).toThrow(`driver "${driver}" is not allowed`);
    }
    expect(() => plan({ blockdev: { driver: 'raw', 'node-name': 'r', file: { driver: 'nbd', server: {} } } })).toThrow('"nbd" is not allowed');
    expect(() => plan({ blockdev: { driver: 'quorum', 'node-name': 'q', children: [{ driver: 'vvfat', dir: 'x' }] } })).toThrow('children[0]');
  });

  it('rejects unknown steps, unknown members, formats and sizes with the step number', () => {
    expect(() => plan({ shell: 'rm -rf /' })).toThrow('set-up step 1: unknown step');
    expect(() => plan({ blockdev: {}, extra: 1 })).toThrow('unknown step');
    expect(() => plan({ 'qemu-img': 'convert' })).toThrow('only "qemu-img": "create"');
    expect(() => plan(DEFAULT_SETUP[0], { 'qemu-img': 'create', format: 'qcow2', file: 'a', size: '1M', o: 'x' })).toThrow(
      'set-up step 2: unknown member "o"',
    );
    expect(() => plan({ 'qemu-img': 'create', format: '-o', file: 'a', size: '1M' })).toThrow('format must be one of');
    expect(() => plan({ 'qemu-img': 'create', format: 'raw', file: 'a', size: '1M; reboot' })).toThrow('size must be');
    expect(() => plan({ 'qemu-img': 'create', format: 'raw', file: 'a' })).toThrow('size is required');
  });
});
