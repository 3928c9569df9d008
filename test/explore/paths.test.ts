import { describe, expect, it } from 'vitest';
import { profileFor, step, type GroupContext } from '../../machines/index.ts';
import { coverCells, coverEdges, initialGroup, makeConfig, pathSpace, pathToStatus, toScenario, type ModelPath } from '../../explore/index.ts';
import { isCommandStep, isWaitStep } from '../../traces/scenario.ts';

const profile = profileFor('10.1');
const mirror = makeConfig(profile, 1, false, 'mirror:manual-finalize:manual-dismiss');

/** Replays a path through step: every step must happen and reach the state the path records. */
function replays(config: typeof mirror, path: ModelPath): GroupContext {
  let g = initialGroup(config);
  for (const s of path.steps) {
    const out = step(profile, g, s.event);
    expect(out, s.template.label).toBeDefined();
    expect(out!.group).toEqual(s.after);
    g = out!.group;
  }
  return g;
}

describe('paths', () => {
  it('finds a shortest path to standby that a client can drive, as a scenario', () => {
    const path = pathToStatus(pathSpace(mirror), 'standby')!;
    expect(path.steps.map((s) => s.template.label)).toEqual(['internal.create', 'internal.start', 'internal.ready', 'job-pause', 'internal.pause-point']);
    expect(replays(mirror, path).jobs[0]!.status).toBe('standby');
    const scenario = toScenario(mirror, path, 'to_standby');
    const first = scenario.steps[0]!;
    expect(isCommandStep(first) && first.cmd).toBe('blockdev-mirror');
    expect(scenario.steps.filter(isCommandStep).map((s) => s.cmd)).toEqual(['blockdev-mirror', 'block-job-set-speed', 'job-pause']);
    const last = scenario.steps[scenario.steps.length - 1]!;
    expect(isWaitStep(last) && last.data).toEqual({ id: 'j0', status: 'standby' });
    expect(scenario.setup).toHaveLength(2);
  });

  it('has no path to a status no client sees at rest for a lone job', () => {
    expect(pathToStatus(pathSpace(mirror), 'created')).toBeDefined();
    expect(pathToStatus(pathSpace(makeConfig(profile, 1, false, 'backup')), 'ready')).toBeUndefined();
  });

  it('covers the JobSTT edges a client can cause on one mirror, in fewer scenarios than edges', () => {
    const cover = coverEdges(pathSpace(mirror));
    for (const p of cover.paths) replays(mirror, p);
    expect([...cover.uncovered].sort()).toEqual(['aborting->aborting', 'created->null', 'running->waiting', 'waiting->aborting'].sort());
    expect(cover.paths.length).toBeLessThan(cover.covered.length / 2);
  });

  it('covers waiting -> aborting and running -> waiting with grouped backups', () => {
    const config = makeConfig(profile, 2, true, 'backup:manual-finalize:manual-dismiss');
    const cover = coverEdges(pathSpace(config));
    expect(cover.covered).toContain('waiting->aborting');
    expect(cover.covered).toContain('running->waiting');
    for (const p of cover.paths) {
      replays(config, p);
      const s = toScenario(config, p, 'x');
      expect(isCommandStep(s.steps[0]!) && s.steps[0].cmd).toBe('transaction');
    }
  });

  it('covers (status, verb) cells, probing the refused verbs of a state in one scenario', () => {
    const cover = coverCells(pathSpace(mirror), profile);
    expect(cover.covered).toContain('standby/complete');
    expect(cover.covered).toContain('null/dismiss');
    expect(cover.uncovered).toContain('created/pause');
    expect(cover.paths.length).toBeLessThan(cover.covered.length / 2);
  });

  it('refuses to make scenarios for members no command can create together', () => {
    expect(() => toScenario(makeConfig(profile, 2, true), { steps: [], goal: 'x' }, 'x')).toThrow(/backup/);
  });
});
