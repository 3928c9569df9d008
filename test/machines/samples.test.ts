import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { profileFor, type VerbEvent } from '../../machines/index.ts';
import { groupsOf, readTrace, walkGroup, type Group } from './walk.ts';

const SAMPLES = join(import.meta.dirname, '..', 'fixtures', 'samples');

describe('the recorded sample sessions', () => {
  for (const release of ['7.2', '10.0']) {
    const dir = join(SAMPLES, `qemu-${release}`);
    const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
    it(`exist for QEMU ${release}`, () => expect(files.length).toBeGreaterThan(2));
    for (const file of files) {
      it(`walk through the machines: ${release}/${file}`, () => {
        const groups = groupsOf(readTrace(join(dir, file)));
        for (const group of groups) expect(walkGroup(profileFor(release), group)).toBeUndefined();
      });
    }
  }

  it('do not walk when a status is changed to an impossible one', () => {
    const [group] = groupsOf(readTrace(join(SAMPLES, 'qemu-7.2', 'mirror_defaults_complete.jsonl')));
    const id = group!.inputs[0]!.id;
    const statuses = [...group!.statuses.get(id)!];
    const i = statuses.indexOf('ready');
    statuses.splice(i, 1, 'waiting', 'ready');
    expect(i).toBeGreaterThan(0);
    const broken: Group = { ...group!, statuses: new Map([[id, statuses]]) };
    expect(walkGroup(profileFor('7.2'), broken, 20_000)).toMatch(/no walk found/);
  });

  it('do not walk when a refused command is recorded as accepted', () => {
    const groups = groupsOf(readTrace(join(SAMPLES, 'qemu-7.2', 'backup_matrix_paused.jsonl')));
    const group = groups.find((g) => g.commands.some((c) => !c.ok))!;
    const k = group.commands.findIndex((c) => !c.ok && (c.event as VerbEvent).type.includes('complete'));
    expect(k).toBeGreaterThanOrEqual(0);
    const commands = group.commands.map((c, j) => (j === k ? { event: c.event, ok: true, sendPos: c.sendPos, replyPos: c.replyPos } : c));
    expect(walkGroup(profileFor('7.2'), { ...group, commands }, 20_000)).toMatch(/no walk found/);
  });
});
