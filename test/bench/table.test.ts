import { describe, expect, it } from 'vitest';
import { expected, FLOOR_ROW, machineSpeed, meets, regressed, renderTable, type BenchRow } from '../../bench/table.ts';

const rate = (figure: number): BenchRow => ({ id: 'r', what: 'a rate', figure, unit: 'states/s', better: 'higher', target: 5000, timed: true });
const rss = (figure: number): BenchRow => ({ id: 'm', what: 'memory', figure, unit: 'MiB', better: 'lower', target: 300 });
const floor = (ms: number): BenchRow => ({ id: FLOOR_ROW, what: 'floor', figure: ms, unit: 'ms', better: 'lower' });

describe('the benchmark table', () => {
  it('says a target is met or missed in the direction that is better', () => {
    expect(meets(rate(5000))).toBe(true);
    expect(meets(rate(4999))).toBe(false);
    expect(meets(rss(300))).toBe(true);
    expect(meets(rss(301))).toBe(false);
    expect(meets(floor(10))).toBeUndefined();
  });

  it('calls a figure regressed only beyond 2x of its baseline', () => {
    expect(regressed(rate(2600), 5000)).toBe(false);
    expect(regressed(rate(2400), 5000)).toBe(true);
    expect(regressed(rss(390), 200)).toBe(false);
    expect(regressed(rss(410), 200)).toBe(true);
    expect(regressed(rate(1), undefined)).toBe(false);
  });

  it('scales the baseline of a timed rate by the machine speed the floor measures, and nothing else', () => {
    const baseline = { [FLOOR_ROW]: 1000, r: 6000, m: 200 };
    const slow = [floor(3000), rate(2500), rss(210)];
    const speed = machineSpeed(slow, baseline);
    expect(speed).toBeCloseTo(1 / 3);
    expect(expected(rate(2500), 6000, speed)).toBeCloseTo(2000);
    expect(regressed(rate(2500), expected(rate(2500), 6000, speed))).toBe(false);
    expect(regressed(rate(900), expected(rate(900), 6000, speed))).toBe(true);
    expect(expected(rss(210), 200, speed)).toBe(200);
    expect(machineSpeed([rate(1)], baseline)).toBe(1);
  });

  it('prints missed targets and regressions in the table', () => {
    const text = renderTable([floor(1000), rate(2000), rss(100)], { [FLOOR_ROW]: 1000, r: 6000 });
    expect(text).toMatch(/a rate .*MISSED.*REGRESSED/);
    expect(text).toMatch(/memory .*met/);
  });
});
