/**
 * The answers of query-jobs, query-block-jobs and query-named-block-nodes, in QEMU's member order
 * (qapi/job.json JobInfo, qapi/block-core.json BlockJobInfo and BlockDeviceInfo), as 7.2 and 10.0
 * print them. Jobs are listed newest first (QEMU's job list is insert-at-head); `null` jobs never.
 */
import { atLeast, pauseCount, type JobContext, type Profile } from '../machines/index.ts';
import type { WireEntry } from './hooks.ts';
import type { BlockNode, NodeGraph } from './nodes.ts';

export function jobInfo(job: JobContext): WireEntry {
  return {
    'current-progress': job.current,
    status: job.status,
    'total-progress': job.total,
    type: job.type,
    id: job.id,
    ...(job.error !== null ? { error: job.error } : {}),
  };
}

export function blockJobInfo(profile: Profile, job: JobContext): WireEntry {
  // A mirror-like job keeps its source drained until finalize, so it reads as paused in pending (7.2).
  const paused = pauseCount(job) > 0 || (job.hasReady && job.status === 'pending');
  return {
    'auto-finalize': job.autoFinalize,
    'io-status': job.ioStatus,
    device: job.id,
    'auto-dismiss': job.autoDismiss,
    busy: false,
    len: job.total,
    offset: job.current,
    status: job.status,
    paused,
    speed: job.speed,
    ready: job.status === 'ready' || job.status === 'standby',
    type: job.type,
    ...(job.error !== null ? { error: job.error } : {}),
    ...(job.copyMode !== null && atLeast(profile.version, '10.0')
      ? { 'actively-synced': job.copyMode === 'write-blocking' && job.everReady && job.status !== 'running' }
      : {}),
  };
}

function nodeInfo(profile: Profile, graph: NodeGraph, node: BlockNode): WireEntry {
  let depth = 0;
  for (let n: BlockNode | undefined = node; n?.backing !== undefined && depth < 64; n = graph.get(n.backing)) depth++;
  const backing = node.backing === undefined ? undefined : graph.get(node.backing);
  return {
    iops_rd: 0,
    detect_zeroes: 'off',
    image: {
      'virtual-size': node.size,
      filename: node.filename,
      format: node.driver,
      'actual-size': 0,
      ...(node.driver === 'qcow2' ? { 'dirty-flag': false } : {}),
      ...(backing ? { 'backing-filename': backing.filename } : {}),
    },
    iops_wr: 0,
    ro: node.readOnly,
    'node-name': node.name,
    backing_file_depth: depth,
    drv: node.driver,
    iops: 0,
    bps_wr: 0,
    write_threshold: 0,
    ...(backing ? { backing_file: backing.filename } : {}),
    encrypted: false,
    bps: 0,
    bps_rd: 0,
    cache: { 'no-flush': false, direct: false, writeback: true },
    file: node.filename,
    ...(atLeast(profile.version, '10.0') ? { active: true } : {}),
  };
}

/** query-named-block-nodes: every node, newest first as QEMU's graph list has them. */
export function namedBlockNodes(profile: Profile, graph: NodeGraph): WireEntry[] {
  return [...graph.nodes.values()].reverse().map((n) => nodeInfo(profile, graph, n));
}
