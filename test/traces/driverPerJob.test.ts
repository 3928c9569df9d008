/** Per-job waits of the scenario driver (verify's rule): from which message on a job's event counts. */
import { afterEach, describe, expect, it } from 'vitest';
import { qmpTarget } from '../../targets/index.ts';
import { driveSteps, openDriven, type DriveOptions, type Driven } from '../../traces/driver.ts';
import type { ScenarioStep } from '../../traces/scenario.ts';
import { SessionTrace } from '../../traces/sessionTrace.ts';
import { startFakeServer, type FakeServer } from '../qmp/fakeQmpServer.ts';

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const change = (id: string, status: string) => ({ event: 'JOB_STATUS_CHANGE', data: { id, status }, timestamp: { seconds: 1, microseconds: 0 } });

/** Every command answers after sending the events in its `events` argument; other arguments only name jobs. */
async function drive(steps: readonly ScenarioStep[], options: DriveOptions): Promise<Driven> {
  const server = await startFakeServer({
    onCommand: (command, peer) => {
      const args = (command['arguments'] ?? {}) as { events?: unknown[] };
      for (const e of args.events ?? []) peer.send(e);
      return { return: {} };
    },
  });
  servers.push(server);
  const trace = new SessionTrace(() => ({ scenario: 'per-job-waits' }));
  const driven = await openDriven(qmpTarget({ kind: 'unix', path: server.path }), { scenario: 'per-job-waits' }, { trace: () => trace });
  try {
    return await driveSteps(driven, steps, options);
  } finally {
    await driven.close();
  }
}

const standby = { wait: 'JOB_STATUS_CHANGE', data: { id: 'm0', status: 'standby' }, timeout: 0.2 } as const;

describe('per-job waits', () => {
  it("match a job's event that came after the command naming the job, though before a later command", async () => {
    // The live 5.2 order: job-pause is answered, set-speed on another job goes out, then m0 parks.
    const steps: ScenarioStep[] = [
      { cmd: 'job-pause', args: { id: 'm0' } },
      { cmd: 'emit', args: { events: [change('m0', 'standby')] } },
      { cmd: 'block-job-set-speed', args: { device: 'm1', speed: 0 } },
      standby,
    ];
    expect((await drive(steps, { waits: 'per-job' })).result).toEqual({ outcome: 'done' });
  });

  it("do not match a job's event from before the last command naming it", async () => {
    const steps: ScenarioStep[] = [
      { cmd: 'emit', args: { events: [change('m0', 'standby')] } },
      { cmd: 'job-resume', args: { id: 'm0' } },
      standby,
    ];
    expect((await drive(steps, { waits: 'per-job' })).result).toEqual({ outcome: 'failed', step: 2, detail: 'no JOB_STATUS_CHANGE {"id":"m0","status":"standby"} within 200 ms' });
  });

  it('match an event that came between the two last commands naming the job', async () => {
    // The live 5.2 order: m0's 100 ms sleep ends after job-pause and before the set-speed that the model
    // expects to wake it and park it.
    const steps: ScenarioStep[] = [
      { cmd: 'job-pause', args: { id: 'm0' } },
      { cmd: 'emit', args: { events: [change('m0', 'standby')] } },
      { cmd: 'block-job-set-speed', args: { device: 'm0', speed: 0 } },
      standby,
    ];
    expect((await drive(steps, { waits: 'per-job' })).result).toEqual({ outcome: 'done' });
  });

  it('do not match an event from before the command that named the job the time before', async () => {
    const steps: ScenarioStep[] = [
      { cmd: 'emit', args: { events: [change('m0', 'standby')] } },
      { cmd: 'job-pause', args: { id: 'm0' } },
      { cmd: 'block-job-set-speed', args: { device: 'm0', speed: 0 } },
      standby,
    ];
    expect((await drive(steps, { waits: 'per-job' })).result).toEqual({ outcome: 'failed', step: 3, detail: 'no JOB_STATUS_CHANGE {"id":"m0","status":"standby"} within 200 ms' });
  });

  it('do not match an event a previous wait for the job matched', async () => {
    const steps: ScenarioStep[] = [
      { cmd: 'job-pause', args: { id: 'm0' } },
      { cmd: 'emit', args: { events: [change('m0', 'standby')] } },
      standby,
      { cmd: 'block-job-set-speed', args: { device: 'm0', speed: 0 } },
      standby,
    ];
    expect((await drive(steps, { waits: 'per-job' })).result).toEqual({ outcome: 'failed', step: 4, detail: 'no JOB_STATUS_CHANGE {"id":"m0","status":"standby"} within 200 ms' });
  });

  it('count a transaction as naming each job of its actions', async () => {
    const steps: ScenarioStep[] = [
      { cmd: 'transaction', args: { actions: [{ type: 'blockdev-backup', data: { 'job-id': 'm0', device: 'src' } }] } },
      { cmd: 'emit', args: { events: [change('m0', 'standby')] } },
      { cmd: 'job-resume', args: { id: 'm1' } },
      standby,
    ];
    expect((await drive(steps, { waits: 'per-job' })).result).toEqual({ outcome: 'done' });
  });

  it('leave unconsumed waits (record-corpus) starting at the last command', async () => {
    const steps: ScenarioStep[] = [
      { cmd: 'job-pause', args: { id: 'm0' } },
      { cmd: 'emit', args: { events: [change('m0', 'standby')] } },
      { cmd: 'block-job-set-speed', args: { device: 'm1', speed: 0 } },
      standby,
    ];
    expect((await drive(steps, { waits: 'unconsumed' })).result).toMatchObject({ outcome: 'failed', step: 3 });
  });
});
