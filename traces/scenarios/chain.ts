/**
 * A qcow2 backing chain base <- mid <- top for commit and stream. A speed only slows a commit or stream
 * down for data it copies, and qemu-img create makes empty images, so mid and top are formatted inside
 * the session by blockdev-create with metadata preallocation (every cluster allocated). Those two create
 * jobs open each commit trace; `chainPrelude` adds them and the qcow2 nodes on top of the file nodes.
 */
import type { SetupStep } from '../format.ts';
import type { ScenarioStep } from '../scenario.ts';
import { cmd, SIZE, status, verb } from './types.ts';

export const chainSetup: readonly SetupStep[] = [
  { 'qemu-img': 'create', format: 'qcow2', file: 'base.qcow2', size: '64M' },
  { 'qemu-img': 'create', format: 'raw', file: 'mid.qcow2', size: 0 },
  { 'qemu-img': 'create', format: 'raw', file: 'top.qcow2', size: 0 },
  { blockdev: { driver: 'qcow2', 'node-name': 'base', file: { driver: 'file', 'node-name': 'base-file', filename: 'base.qcow2' } } },
  { blockdev: { driver: 'file', 'node-name': 'mid-file', filename: 'mid.qcow2' } },
  { blockdev: { driver: 'file', 'node-name': 'top-file', filename: 'top.qcow2' } },
];

function format(layer: 'mid' | 'top'): ScenarioStep[] {
  const id = `format-${layer}`;
  return [
    cmd('blockdev-create', { 'job-id': id, options: { driver: 'qcow2', file: `${layer}-file`, size: SIZE, preallocation: 'metadata' } }),
    status(id, 'concluded'),
    verb('job-dismiss', id),
    status(id, 'null'),
  ];
}

/** Formats mid and top (all clusters allocated) and adds the qcow2 nodes `mid` (over base) and `top` (over mid). */
export const chainPrelude: readonly ScenarioStep[] = [
  ...format('mid'),
  ...format('top'),
  cmd('blockdev-add', { driver: 'qcow2', 'node-name': 'mid', file: 'mid-file', backing: 'base' }),
  cmd('blockdev-add', { driver: 'qcow2', 'node-name': 'top', file: 'top-file', backing: 'mid' }),
];

/**
 * For stream: a qcow2 `top` over a null-co node that reads zeroes. null-co with read-zeroes reports its
 * blocks allocated, so the stream copies (and is slowed by its speed) without any file data.
 */
export const streamSetup: readonly SetupStep[] = [
  { blockdev: { driver: 'null-co', 'node-name': 'base', size: SIZE, 'read-zeroes': true } },
  { 'qemu-img': 'create', format: 'qcow2', file: 'top.qcow2', size: '64M' },
  { blockdev: { driver: 'qcow2', 'node-name': 'top', backing: 'base', file: { driver: 'file', 'node-name': 'top-file', filename: 'top.qcow2' } } },
];
