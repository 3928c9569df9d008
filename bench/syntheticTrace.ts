/**
 * A synthetic QEMU 10.0 session for the checker benchmark: 64 jobs alive at once, each running a
 * realistic lifecycle (backups with drain blips, user pause/resume, speed changes and manual
 * finalize/dismiss; mirrors through ready, standby and complete; force cancels), interleaved with
 * query-jobs / query-block-jobs answers listing every live job. Seeded, so every run writes the
 * same file. The trace conforms: the benchmark checks that it passes.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

/** Floats in [0, 1) from pure-rand's xoroshiro128+, seeded. */
function seededRandom(seed: number): () => number {
  const generator = xoroshiro128plus(seed);
  return () => uniformFloat64(generator);
}

type Kind = 'backup' | 'backup-manual' | 'mirror' | 'cancel';

interface Slot {
  id: string;
  kind: Kind;
  type: 'backup' | 'mirror';
  status: string;
  progress: number;
  userPaused: boolean;
  /** Work steps left before the job finishes. */
  left: number;
  af: boolean;
  ad: boolean;
}

const TOTAL = 67108864;

export class SyntheticTrace {
  private readonly rand: () => number;
  private readonly out: string[] = [];
  private t = 0.01;
  private cmd = 1;
  lines = 0;
  private readonly slots: (Slot | undefined)[];

  constructor(
    readonly jobs = 64,
    seed = 42,
  ) {
    this.rand = seededRandom(seed);
    this.slots = new Array<Slot | undefined>(jobs).fill(undefined);
  }

  private push(dir: 'send' | 'recv', msg: string): void {
    this.t += 0.00001;
    this.out.push(`{"dir":"${dir}","t":${this.t.toFixed(6)},"msg":${msg}}`);
    this.lines++;
  }

  private status(id: string, status: string): void {
    const us = Math.floor(this.t * 1e6) % 1e6;
    this.push('recv', `{"timestamp":{"seconds":1795583437,"microseconds":${us}},"event":"JOB_STATUS_CHANGE","data":{"status":"${status}","id":"${id}"}}`);
  }

  private event(name: string, data: string): void {
    const us = Math.floor(this.t * 1e6) % 1e6;
    this.push('recv', `{"timestamp":{"seconds":1795583437,"microseconds":${us}},"event":"${name}","data":${data}}`);
  }

  private send(execute: string, args?: string): string {
    const id = `c${this.cmd++}`;
    this.push('send', `{"execute":"${execute}",${args ? `"arguments":${args},` : ''}"id":"${id}"}`);
    return id;
  }

  private ok(id: string, ret = '{}'): void {
    this.push('recv', `{"return":${ret},"id":"${id}"}`);
  }

  private err(id: string, desc: string): void {
    this.push('recv', `{"id":"${id}","error":{"class":"GenericError","desc":"${desc}"}}`);
  }

  private blockData(s: Slot, error?: string): string {
    return `{"device":"${s.id}","len":${TOTAL},"offset":${s.progress},"speed":1048576,"type":"${s.type}"${error ? `,"error":"${error}"` : ''}}`;
  }

  /** The greeting and capabilities negotiation. */
  start(): void {
    this.push('recv', '{"QMP":{"version":{"qemu":{"micro":2,"minor":0,"major":10},"package":"synthetic"},"capabilities":["oob"]}}');
    this.ok(this.send('qmp_capabilities'));
  }

  private create(i: number): void {
    const r = this.rand();
    const kind: Kind = r < 0.4 ? 'backup' : r < 0.6 ? 'backup-manual' : r < 0.85 ? 'mirror' : 'cancel';
    const type = kind === 'mirror' ? 'mirror' : 'backup';
    const manual = kind === 'backup-manual';
    const s: Slot = { id: `j${i}`, kind, type, status: 'running', progress: 0, userPaused: false, left: 20 + Math.floor(this.rand() * 60), af: !manual, ad: !manual };
    const flags = manual ? ',"auto-finalize":false,"auto-dismiss":false' : '';
    const c = this.send(type === 'mirror' ? 'blockdev-mirror' : 'blockdev-backup', `{"job-id":"${s.id}","device":"src${i}","target":"dst${i}","sync":"full","speed":1048576${flags}}`);
    this.status(s.id, 'created');
    this.status(s.id, 'running');
    if (type === 'backup') {
      this.status(s.id, 'paused');
      this.status(s.id, 'running');
    }
    this.ok(c);
    this.slots[i] = s;
  }

  private query(): void {
    const live = this.slots.filter((s): s is Slot => s !== undefined).reverse();
    if (this.rand() < 0.5) {
      const c = this.send('query-jobs');
      const entries = live.map((s) => `{"current-progress":${s.progress},"status":"${s.status}","total-progress":${TOTAL},"type":"${s.type}","id":"${s.id}"}`);
      this.ok(c, `[${entries.join(',')}]`);
    } else {
      const c = this.send('query-block-jobs');
      const entries = live.map(
        (s) =>
          `{"auto-finalize":${s.af},"io-status":"ok","device":"${s.id}","auto-dismiss":${s.ad},"busy":false,"len":${TOTAL},"offset":${s.progress},"status":"${s.status}","paused":${s.userPaused},"speed":1048576,"ready":${s.status === 'ready' || s.status === 'standby'},"type":"${s.type}"}`,
      );
      this.ok(c, `[${entries.join(',')}]`);
    }
  }

  /** One step of the job in slot i. */
  private advance(i: number): void {
    const s = this.slots[i]!;
    s.progress += 65536;
    if (s.userPaused) {
      const c = this.send('job-resume', `{"id":"${s.id}"}`);
      s.status = s.status === 'standby' ? 'ready' : 'running';
      this.status(s.id, s.status);
      this.ok(c);
      s.userPaused = false;
      return;
    }
    if (s.left-- > 0) {
      const r = this.rand();
      if (s.type === 'mirror' && s.status === 'running' && s.left < 10) {
        s.status = 'ready';
        this.status(s.id, 'ready');
        this.event('BLOCK_JOB_READY', this.blockData(s));
      } else if (r < 0.55) {
        this.status(s.id, s.status === 'ready' ? 'standby' : 'paused');
        this.status(s.id, s.status);
      } else if (r < 0.7) {
        const c = this.send('job-pause', `{"id":"${s.id}"}`);
        s.status = s.status === 'ready' ? 'standby' : 'paused';
        this.status(s.id, s.status);
        this.ok(c);
        s.userPaused = true;
      } else if (r < 0.8) {
        this.ok(this.send('block-job-set-speed', `{"device":"${s.id}","speed":1048576}`));
      } else if (r < 0.9 && s.status !== 'standby') {
        const c = this.send('job-complete', `{"id":"${s.id}"}`);
        if (s.status === 'ready') {
          this.ok(c);
          this.finish(i, true);
        } else {
          this.err(c, `Job '${s.id}' in state '${s.status}' cannot accept command verb 'complete'`);
        }
      } else {
        this.err(this.send('job-resume', `{"id":"${s.id}"}`), "Can't resume a job that was not paused");
      }
      return;
    }
    this.finish(i, false);
  }

  /** The job ends: completes, or is cancelled. */
  private finish(i: number, completing: boolean): void {
    const s = this.slots[i]!;
    if (s.kind === 'cancel' && !completing) {
      const c = this.send('job-cancel', `{"id":"${s.id}"}`);
      this.ok(c);
      this.status(s.id, 'aborting');
      this.event('BLOCK_JOB_CANCELLED', this.blockData(s));
      this.status(s.id, 'concluded');
      this.status(s.id, 'null');
      this.slots[i] = undefined;
      return;
    }
    if (s.type === 'mirror' && !completing) {
      if (s.status !== 'ready') {
        s.status = 'ready';
        this.status(s.id, 'ready');
        this.event('BLOCK_JOB_READY', this.blockData(s));
      }
      this.ok(this.send('job-complete', `{"id":"${s.id}"}`));
    }
    s.progress = TOTAL;
    this.status(s.id, 'waiting');
    this.status(s.id, 'pending');
    if (!s.af) {
      this.event('BLOCK_JOB_PENDING', `{"type":"${s.type}","id":"${s.id}"}`);
      const f = this.send('job-finalize', `{"id":"${s.id}"}`);
      this.event('BLOCK_JOB_COMPLETED', this.blockData(s));
      this.status(s.id, 'concluded');
      this.ok(f);
      const d = this.send('job-dismiss', `{"id":"${s.id}"}`);
      this.status(s.id, 'null');
      this.ok(d);
    } else {
      this.event('BLOCK_JOB_COMPLETED', this.blockData(s));
      this.status(s.id, 'concluded');
      this.status(s.id, 'null');
    }
    this.slots[i] = undefined;
  }

  /** Writes at least `minLines` lines to `path`; returns the number written. */
  async write(path: string, minLines: number): Promise<number> {
    const stream = createWriteStream(path);
    this.start();
    for (let i = 0; i < this.jobs; i++) this.create(i);
    let sinceQuery = 0;
    while (this.lines < minLines) {
      const i = Math.floor(this.rand() * this.jobs);
      this.advance(i);
      // A finished job is replaced at once: 64 jobs stay alive.
      if (!this.slots[i]) this.create(i);
      if (++sinceQuery >= 400) {
        this.query();
        sinceQuery = 0;
      }
      if (this.out.length >= 4096) {
        if (!stream.write(this.out.join('\n') + '\n')) await once(stream, 'drain');
        this.out.length = 0;
      }
    }
    stream.write(this.out.length > 0 ? this.out.join('\n') + '\n' : '');
    this.out.length = 0;
    stream.end();
    await once(stream, 'finish');
    return this.lines;
  }
}
