import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../src/em/random.js';
import { AnomalyThreshold, defaultAnomalyWindow, type AnomalyRule, type AnomalyThresholdState } from '../../src/score/anomaly-threshold.js';

/** Log-likelihood-like values: mostly about -3, a heavy lower tail, a few positive and exact zeros. */
function logLikelihoods(n: number, seed: number): number[] {
  const rng = new SeededRandom(seed);
  return Array.from({ length: n }, (_, i) => (i % 997 === 0 ? 0 : -3 + rng.normal() - (rng.uniform() < 0.02 ? 20 * rng.uniform() : 0) + (rng.uniform() < 0.05 ? 4 : 0)));
}

/** Flags and the threshold in force after each point. */
function run(threshold: AnomalyThreshold, values: readonly number[]): { flags: boolean[]; thresholds: (number | null)[] } {
  const flags: boolean[] = [];
  const thresholds: (number | null)[] = [];
  for (const v of values) {
    flags.push(threshold.observe(v));
    thresholds.push(threshold.summary().threshold);
  }
  return { flags, thresholds };
}

const roundTrip = (state: AnomalyThresholdState): AnomalyThresholdState => JSON.parse(JSON.stringify(state)) as AnomalyThresholdState;

describe('defaultAnomalyWindow', () => {
  it('is 20,000 points, or enough for 25 tail points in each quarter', () => {
    expect([defaultAnomalyWindow(0.01), defaultAnomalyWindow(0.001), defaultAnomalyWindow(0.0001)]).toEqual([20_000, 100_000, 1_000_000]);
  });
});

describe('AnomalyThreshold, fixed rule', () => {
  it('flags exactly the values below the threshold (not equal ones), from the first point on', () => {
    const t = -4.25;
    const values = [...logLikelihoods(12_000, 1), t, -4.250000000000001, -4.249999999999999, -Infinity, -0, 0];
    const threshold = new AnomalyThreshold({ kind: 'fixed', threshold: t });
    const { flags, thresholds } = run(threshold, values);
    expect(flags).toEqual(values.map((v) => v < t));
    expect(flags.slice(-6)).toEqual([false, true, false, true, false, false]);
    expect(new Set(thresholds)).toEqual(new Set([t]));
    const flagged = values.filter((v) => v < t).length;
    expect(flagged).toBeGreaterThan(100);
    expect(threshold.summary()).toMatchObject({ threshold: t, quantile: null, flagged });
  });

  it('reports the flagged rate of the recent blocks of 5,000 points', () => {
    const threshold = new AnomalyThreshold({ kind: 'fixed', threshold: 0 });
    // 20,000 points at -1 (flagged), then 5,000 at 1: the window is the last three full blocks and the new one.
    run(threshold, [...new Array<number>(20_000).fill(-1), ...new Array<number>(5_000).fill(1)]);
    expect(threshold.summary()).toEqual({ threshold: 0, quantile: null, rate: 10_000 / 15_000, flagged: 20_000 });
  });

  it('restores its flagged count and rate from a JSON round trip of its state', () => {
    const values = logLikelihoods(13_000, 2);
    const whole = new AnomalyThreshold({ kind: 'fixed', threshold: -5 });
    const uninterrupted = run(whole, values);
    const first = new AnomalyThreshold({ kind: 'fixed', threshold: -5 });
    const before = run(first, values.slice(0, 6_500));
    const resumed = new AnomalyThreshold({ kind: 'fixed', threshold: -5 }, roundTrip(first.state()));
    const after = run(resumed, values.slice(6_500));
    expect([...before.flags, ...after.flags]).toEqual(uninterrupted.flags);
    expect(resumed.summary()).toEqual(whole.summary());
    expect(whole.summary().flagged).toBeGreaterThan(100);
  });
});

describe('AnomalyThreshold, quantile rule', () => {
  const rule: AnomalyRule = { kind: 'quantile', quantile: 0.01, window: 8_000 };

  it('has no threshold until the first quarter of the window has filled; the point that fills it is judged without it', () => {
    const threshold = new AnomalyThreshold(rule);
    const { flags, thresholds } = run(threshold, [...new Array<number>(1_999).fill(-1), -1000, -1000]);
    expect(thresholds.slice(0, 1_999).every((t) => t === null)).toBe(true);
    expect(flags.slice(0, 2_000).some((f) => f)).toBe(false);
    expect(thresholds[1_999]).toBeCloseTo(-1, 2);
    expect(flags[2_000]).toBe(true);
    expect(threshold.summary()).toEqual({ threshold: thresholds[1_999], quantile: 0.01, rate: 1 / 2_001, flagged: 1 });
  });

  it('is the q-quantile of the last window (four quarters) within the sketch accuracy (0.5% relative)', () => {
    const values = logLikelihoods(40_000, 3);
    const threshold = new AnomalyThreshold(rule);
    const { thresholds } = run(threshold, values);
    let checked = 0;
    for (let end = 2_000; end <= 40_000; end += 2_000) {
      const window = values.slice(Math.max(0, end - 8_000), end).sort((a, b) => a - b);
      // DDSketch's rank: q·(count - 1), the lower order statistic.
      const exact = window[Math.floor(0.01 * (window.length - 1))];
      expect(Math.abs(thresholds[end - 1]! - exact)).toBeLessThanOrEqual(0.01 * Math.abs(exact));
      // Between refreshes it holds.
      if (end < 40_000) expect(thresholds[end + 999]).toBe(thresholds[end - 1]);
      checked++;
    }
    expect(checked).toBe(20);
  });

  it('follows a level shift within one window (the flagged points stay in the sketch)', () => {
    const rng = new SeededRandom(4);
    const values = [...Array.from({ length: 16_000 }, () => -3 + rng.normal()), ...Array.from({ length: 16_000 }, () => -30 + rng.normal())];
    const threshold = new AnomalyThreshold(rule);
    const { flags, thresholds } = run(threshold, values);
    // Right after the shift everything is flagged; one window later the rate is back near q.
    expect(flags.slice(16_000, 18_000).every((f) => f)).toBe(true);
    const late = flags.slice(26_000).filter((f) => f).length / 6_000;
    expect(late).toBeGreaterThan(0.005);
    expect(late).toBeLessThan(0.02);
    expect(thresholds.at(-1)!).toBeCloseTo(-30 - 2.326, 0);
  });

  it.each([
    ['mid-block', 9_321],
    ['at a block boundary', 10_000],
    ['before the first threshold', 1_234],
    ['before any point', 0],
  ])('restored from a JSON round trip of its state (%s), flags and thresholds are bit for bit those of an uninterrupted run', (_, cut) => {
    const values = logLikelihoods(30_000, 5);
    const uninterrupted = new AnomalyThreshold(rule);
    const whole = run(uninterrupted, values);
    const first = new AnomalyThreshold(rule);
    const before = run(first, values.slice(0, cut));
    const state = roundTrip(first.state());
    expect(state).toEqual(first.state());
    const resumed = new AnomalyThreshold(rule, state);
    expect(resumed.summary()).toEqual(first.summary());
    const after = run(resumed, values.slice(cut));
    expect([...before.flags, ...after.flags]).toEqual(whole.flags);
    // toEqual tells -0 from 0 and compares numbers with Object.is: bit for bit.
    expect([...before.thresholds, ...after.thresholds]).toEqual(whole.thresholds);
    expect(resumed.state()).toEqual(uninterrupted.state());
    expect(whole.flags.filter((f) => f).length).toBeGreaterThan(100);
  });
});

describe('AnomalyThreshold.observeRun', () => {
  it('flags, counts and keeps the same state as observe point by point, in runs that cross blocks', () => {
    const values = logLikelihoods(23_456, 9);
    for (const rule of [{ kind: 'quantile', quantile: 0.01, window: 4000 }, { kind: 'fixed', threshold: -6 }] as AnomalyRule[]) {
      const one = new AnomalyThreshold(rule);
      const expected = run(one, values).flags;
      const runs = new AnomalyThreshold(rule);
      const flags = new Uint8Array(values.length);
      const rng = new SeededRandom(10);
      let anomalies = 0;
      for (let i = 0; i < values.length; ) {
        const end = Math.min(values.length, i + 1 + Math.floor(rng.uniform() * 2500));
        anomalies += runs.observeRun(values, i, end, flags);
        i = end;
      }
      expect(Array.from(flags, (f) => f === 1)).toEqual(expected);
      expect(anomalies).toBe(expected.filter(Boolean).length);
      expect(runs.state()).toStrictEqual(one.state());
      expect(runs.summary()).toStrictEqual(one.summary());
    }
  });
});
