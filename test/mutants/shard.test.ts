/** `--shard k/n` on `qjob mutants` and `qjob check-mutants`: the shards together do the unsharded work, each piece once. */
import { describe, expect, it } from 'vitest';
import { MUTANTS } from '../../mutants/index.ts';
import { runQjob } from '../support/cli.ts';

const TRACE = 'traces/qemu-7.2/backup_af0_ad1.jsonl';

/** The per-operator lines of check-mutants' text report: `ok  <operator>  K/N killed ...`. */
function operatorLines(out: string): string[] {
  // Column widths follow the operators shown, so spaces are folded.
  return out
    .split('\n')
    .filter((l) => /^(ok|FAIL)\s+\S+\s+\d+\/\d+ killed/.test(l))
    .map((l) => l.replace(/\s+/g, ' '));
}

describe('check-mutants --shard', () => {
  it('splits the operators so that two shards run each operator of the whole run once', async () => {
    const whole = await runQjob('check-mutants', TRACE);
    const one = await runQjob('check-mutants', '--shard', '1/2', TRACE);
    const two = await runQjob('check-mutants', '--shard', '2/2', TRACE);
    expect([whole.code, one.code, two.code]).toEqual([0, 0, 0]);
    const all = operatorLines(whole.out);
    expect(all.length).toBeGreaterThan(10);
    const parts = [...operatorLines(one.out), ...operatorLines(two.out)];
    expect(parts.sort()).toEqual([...all].sort());
    expect(operatorLines(one.out).length).toBeGreaterThan(0);
    expect(operatorLines(two.out).length).toBeGreaterThan(0);
  });

  it('refuses a shard that does not exist', async () => {
    expect((await runQjob('check-mutants', '--shard', '3/2', TRACE)).code).toBe(2);
    expect((await runQjob('check-mutants', '--shard', 'x', TRACE)).code).toBe(2);
  });
});

describe('mutants --shard', () => {
  const ids = MUTANTS.slice(0, 3).map((m) => m.id);

  it('runs mutants k, k+n, ... of the chosen ones, and nothing for a shard with none', async () => {
    const one = await runQjob('mutants', '--json', '--runs', '3', '--jobs', '2', '--only', ...ids, '--shard', '1/2');
    const two = await runQjob('mutants', '--json', '--runs', '3', '--jobs', '2', '--only', ...ids, '--shard', '2/2');
    const ran = (r: { out: string }) => (JSON.parse(r.out) as { results: { id: string }[] }).results.map((m) => m.id);
    expect(ran(one)).toEqual([ids[0], ids[2]]);
    expect(ran(two)).toEqual([ids[1]]);
    const none = await runQjob('mutants', '--only', ids[0]!, '--shard', '2/2');
    expect(none.code).toBe(0);
    expect(none.err).toContain('has no mutant');
  }, 120_000);
});
