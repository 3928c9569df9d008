/**
 * A small builder for QMP traces in the wire format, for hand-made sessions that follow the
 * observed behaviour of QEMU 7.2 / 10.0 (docs/qemu-notes.md and the recorded corpora).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TraceLine } from '../../../traces/format.ts';

const GREETING = {
  '7.2': { qemu: { micro: 22, minor: 2, major: 7 }, package: 'Debian 1:7.2+dfsg-7+deb12u18+b3' },
  '10.0': { qemu: { micro: 2, minor: 0, major: 10 }, package: 'Debian 1:10.0.2+ds-2+deb13u1~bpo12+1' },
} as const;

export type Release = keyof typeof GREETING;

export class Trace {
  private readonly out: TraceLine[] = [];
  private n = 1;
  private t = 0.01;
  private seconds = 1795581459;
  /** Each job's speed, as its creating command or the last block-job-set-speed sent set it (BLOCK_JOB_* events carry it). */
  private readonly speeds = new Map<string, number>();
  /** The speed each job-creating command sent asks for, taken up when the job shows `created`. */
  private readonly asked = new Map<string, number>();

  constructor(release: Release | null = '7.2') {
    if (release) {
      this.recv({ QMP: { version: GREETING[release], capabilities: ['oob'] } });
      this.call('qmp_capabilities');
    }
  }

  private tick(): number {
    this.t = Math.round((this.t + 0.0001) * 1e6) / 1e6;
    return this.t;
  }

  recv(msg: Record<string, unknown>): this {
    this.out.push({ dir: 'recv', t: this.tick(), msg });
    return this;
  }

  /** Sends a command; returns its id. */
  send(execute: string, args?: Record<string, unknown>): string {
    this.noteSpeed(execute, args);
    const id = `c${this.n++}`;
    this.out.push({ dir: 'send', t: this.tick(), msg: { execute, ...(args ? { arguments: args } : {}), id } });
    return id;
  }

  private noteSpeed(execute: string, args: Record<string, unknown> | undefined): void {
    if (!args) return;
    const jobs = execute === 'transaction' ? ((args['actions'] ?? []) as { data?: Record<string, unknown> }[]).map((a) => a.data ?? {}) : [args];
    for (const a of jobs) {
      const id = a['job-id'];
      if (typeof id === 'string') this.asked.set(id, typeof a['speed'] === 'number' ? a['speed'] : 0);
    }
    if (execute === 'block-job-set-speed' && typeof args['device'] === 'string' && typeof args['speed'] === 'number' && args['speed'] >= 0) {
      this.speeds.set(args['device'], args['speed']);
    }
  }

  private speedOf(id: string): number {
    return this.speeds.get(id) ?? 0;
  }

  ok(id: string, ret: unknown = {}): this {
    return this.recv({ return: ret, id });
  }

  err(id: string, desc: string, cls = 'GenericError'): this {
    return this.recv({ id, error: { class: cls, desc } });
  }

  /** Sends and answers at once (no events in between). */
  call(execute: string, args?: Record<string, unknown>, ret: unknown = {}): this {
    return this.ok(this.send(execute, args), ret);
  }

  event(event: string, data: Record<string, unknown>): this {
    return this.recv({ timestamp: { seconds: this.seconds, microseconds: Math.round(this.t * 1e6) % 1e6 }, event, data });
  }

  status(id: string, ...statuses: string[]): this {
    for (const status of statuses) {
      if (status === 'created') this.speeds.set(id, this.asked.get(id) ?? 0);
      this.event('JOB_STATUS_CHANGE', { status, id });
    }
    return this;
  }

  /** `n` drain blips: paused, running (or standby, ready). */
  blips(id: string, n: number, ready = false): this {
    for (let i = 0; i < n; i++) this.status(id, ready ? 'standby' : 'paused', ready ? 'ready' : 'running');
    return this;
  }

  ready(id: string, type = 'mirror', offset = 67108864): this {
    return this.status(id, 'ready').event('BLOCK_JOB_READY', { device: id, len: 67108864, offset, speed: this.speedOf(id), type });
  }

  completed(id: string, type = 'backup', error?: string, offset = 67108864): this {
    return this.event('BLOCK_JOB_COMPLETED', { device: id, len: 67108864, offset, speed: this.speedOf(id), type, ...(error ? { error } : {}) });
  }

  cancelled(id: string, type = 'backup', offset = 1048576): this {
    return this.event('BLOCK_JOB_CANCELLED', { device: id, len: 67108864, offset, speed: this.speedOf(id), type });
  }

  pendingEvent(id: string, type = 'backup'): this {
    return this.event('BLOCK_JOB_PENDING', { type, id });
  }

  ioError(id: string, action: 'report' | 'stop' | 'ignore'): this {
    return this.event('BLOCK_JOB_ERROR', { device: id, operation: 'write', action });
  }

  lines(): TraceLine[] {
    return [...this.out];
  }
}

/** A query-jobs entry. */
export function jobInfo(id: string, type: string, status: string, current = 1048576, extra: Record<string, unknown> = {}) {
  return { 'current-progress': current, status, 'total-progress': 67108864, type, id, ...extra };
}

/** A query-block-jobs entry. */
export function blockJobInfo(id: string, type: string, status: string, extra: Record<string, unknown> = {}) {
  return {
    'auto-finalize': true,
    'io-status': 'ok',
    device: id,
    'auto-dismiss': true,
    busy: false,
    len: 67108864,
    offset: 1048576,
    status,
    paused: false,
    speed: 0,
    ready: status === 'ready' || status === 'standby',
    type,
    ...extra,
  };
}

/** The sample sessions recorded from real QEMU 7.2 and 10.0, kept in the repository (test/fixtures/samples). */
export const SAMPLES = fileURLToPath(new URL('../../fixtures/samples', import.meta.url));

/** A shared sample trace as lines (no meta line in the samples). */
export function sample(release: Release, name: string): TraceLine[] {
  const text = readFileSync(`${SAMPLES}/qemu-${release}/${name}.jsonl`, 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as TraceLine);
}
