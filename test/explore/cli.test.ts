import { afterEach, describe, expect, it, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runQjob } from '../support/cli.ts';
import { scratchFolder } from '../support/scratch.ts';

const run = runQjob;
const scratch = scratchFolder('qjob-explore-cli-');

afterEach(() => vi.restoreAllMocks());

describe('qjob explore', () => {
  it('prints the figures as JSON', async () => {
    const { code, out } = await run('explore', '--jobs', '2', '--grouped', '--alphabet', 'core', '--json');
    expect(code).toBe(0);
    const r = JSON.parse(out) as Record<string, unknown>;
    for (const key of ['states', 'transitions', 'edgesCovered', 'edgesTotal', 'invariantsChecked', 'violations', 'seconds']) expect(r).toHaveProperty(key);
    expect(r['edgesCovered']).toBe(20);
    expect(r['violations']).toEqual([]);
  });

  it('prints one line per figure, and the same counts with either engine', async () => {
    const compiled = await run('explore', '--jobs', '1', '--mix', 'backup');
    const xstate = await run('explore', '--jobs', '1', '--mix', 'backup', '--engine', 'xstate');
    const line = (text: string, key: string) => text.split('\n').find((l) => l.startsWith(`${key}:`));
    for (const key of ['states', 'transitions', 'depth', 'STT edges covered', 'violations', 'dead ends']) expect(line(compiled.out, key)).toBe(line(xstate.out, key));
  });

  it('exits 1 on a violation, with its path', async () => {
    const { code, out } = await run('explore', '--jobs', '2', '--grouped', '--alphabet', 'core', '--urgent', 'free');
    expect(code).toBe(1);
    expect(out).toMatch(/aborted-txn-members-fail[\s\S]*path: internal\.create j0/);
  });

  it('keeps its states in --state-dir, continues with --resume, and draws no progress line off a terminal', async () => {
    const dir = join(scratch.dir, 'run');
    const args = ['explore', '--jobs', '2', '--grouped', '--alphabet', 'core'];
    const part = await run(...args, '--state-dir', dir, '--max-states', '2000');
    expect(part.code).toBe(0);
    expect(part.out).toContain('INCOMPLETE');
    expect(part.err).toBe('');
    const rest = await run(...args, '--resume', dir);
    const whole = await run(...args);
    const line = (text: string, key: string) => text.split('\n').find((l) => l.startsWith(`${key}:`));
    for (const key of ['states', 'transitions', 'depth', 'STT edges covered', 'violations']) expect(line(rest.out, key)).toBe(line(whole.out, key));
    expect(line(rest.out, 'dead ends')).toBeUndefined();
    expect(rest.err).toBe('');
    for (const bad of [
      ['--state-dir', dir],
      ['--resume', join(scratch.dir, 'nothing')],
      ['--state-dir', dir, '--resume', dir],
      ['--resume', dir, '--engine', 'xstate'],
    ]) {
      const { code, err } = await run(...args, ...bad);
      expect(code, bad.join(' ')).toBe(2);
      expect(err).not.toMatch(/\n\s+at /);
    }
  });

  it('exits 2 on bad usage, without a stack trace', async () => {
    const threads = [['--threads', '3'], ['--threads', '0'], ['--threads', '2', '--engine', 'xstate'], ['--threads', '2', '--state-dir', join(scratch.dir, 'threads')]];
    for (const args of [['--jobs', '7'], ['--jobs', 'x'], ['--mix', 'floppy'], ['--mix', 'mirror:active'], ['--release', '1.0'], ...threads]) {
      const { code, err } = await run('explore', ...args);
      expect(code, args.join(' ')).toBe(2);
      expect(err).not.toMatch(/\n\s+at /);
    }
  });
});

describe('qjob explore --threads 2', () => {
  it('prints what one thread prints, from the bundle and its worker bundle', () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const node = (args: string[]) => spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 120_000 });
    const built = node(['scripts/build.mjs']);
    expect(built.status, built.stderr).toBe(0);
    expect(existsSync(join(root, 'dist', 'explore-worker.mjs'))).toBe(true);
    const explore = (threads: string) => node(['bin/qjob.js', 'explore', '--jobs', '4', '--grouped', '--alphabet', 'core', '--max-states', '40000', '--threads', threads]);
    const one = explore('1');
    const two = explore('2');
    expect(one.status, one.stderr).toBe(0);
    const figures = (text: string) => text.split('\n').filter((l) => !/^(time|states per second):/.test(l));
    expect(figures(one.stdout).length).toBeGreaterThan(5);
    expect({ status: two.status, lines: figures(two.stdout), stderr: two.stderr }).toEqual({ status: one.status, lines: figures(one.stdout), stderr: one.stderr });
  }, 150_000);
});

describe('qjob paths and qjob graph', () => {
  it('prints scenarios to a status', async () => {
    const { code, out } = await run('paths', '--to', 'pending', '--json');
    expect(code).toBe(0);
    const r = JSON.parse(out) as { scenarios: { steps: unknown[] }[]; leftOut: Record<string, string> };
    expect(r.scenarios).toHaveLength(1);
    expect(r.leftOut['internal.drain-begin']).toBeDefined();
  });

  it('refuses ambiguous or undrivable requests', async () => {
    expect((await run('paths')).code).toBe(2);
    expect((await run('paths', '--to', 'ready', '--cover', 'edges')).code).toBe(2);
    expect((await run('paths', '--to', 'sleeping')).code).toBe(2);
    expect((await run('paths', '--to', 'ready', '--jobs', '2', '--mix', 'mirror')).code).toBe(2);
  });

  it('draws the graph', async () => {
    const { code, out } = await run('graph', '--format', 'mermaid', '--release', '7.2');
    expect(code).toBe(0);
    expect(out).toContain('s_ready --> s_standby');
    expect((await run('graph', '--traces', '/nonexistent')).code).toBe(2);
  });
});
