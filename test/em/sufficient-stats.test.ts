import { describe, expect, it } from 'vitest';
import { componentFactors } from '../../src/em/component-factors.js';
import { eStep } from '../../src/em/e-step.js';
import { expectedStatistics } from '../../src/em/expected-statistics.js';
import { observedColumnMeans, pointBatch, sliceBatch } from '../../src/em/point-batch.js';
import { SeededRandom } from '../../src/em/random.js';
import { blendedStats, blendStats, cloneStats, mergeStats, s2Length, statsAreFinite, zeroStats } from '../../src/em/sufficient-stats.js';
import { COVARIANCE_TYPES, type CovarianceType, type SufficientStats } from '../../src/em/types.js';
import { expectArrayClose } from '../helpers/assertions.js';
import { mixtureOfType, punchMissing, sampleBatch } from '../helpers/fixtures.js';
import { naiveStats } from '../helpers/naive-gmm.js';

function randomStats(k: number, d: number, covarianceType: CovarianceType, seed: number, reference = new Float64Array(d)): SufficientStats {
  const s = zeroStats(k, d, covarianceType, reference);
  const rng = new SeededRandom(seed);
  for (const arr of [s.s0, s.s1, s.s2]) for (let i = 0; i < arr.length; i++) arr[i] = rng.normal();
  return s;
}

describe('zeroStats / s2Length', () => {
  it('sizes S2 by covariance type', () => {
    expect(s2Length(3, 4, 'full')).toBe(48);
    expect(s2Length(3, 4, 'diag')).toBe(12);
    expect(s2Length(3, 4, 'spherical')).toBe(3);
    for (const t of COVARIANCE_TYPES) {
      const s = zeroStats(3, 4, t, new Float64Array(4));
      expect([s.s0.length, s.s1.length, s.s2.length]).toEqual([3, 12, s2Length(3, 4, t)]);
      expect([...s.s0, ...s.s1, ...s.s2].every((v) => v === 0)).toBe(true);
    }
  });
});

describe('blendStats', () => {
  for (const covarianceType of COVARIANCE_TYPES) {
    it(`${covarianceType}: s ← (1-η)s + ηŝ element by element`, () => {
      const a = randomStats(3, 4, covarianceType, 1);
      const b = randomStats(3, 4, covarianceType, 2);
      const before = cloneStats(a);
      blendStats(a, b, 0.3);
      for (const key of ['s0', 's1', 's2'] as const) {
        const expected = Array.from(before[key], (v, i) => 0.7 * v + 0.3 * b[key][i]);
        expectArrayClose(a[key], expected, { atol: 1e-15, rtol: 1e-15 }, key);
      }
    });
  }

  it('η = 0 keeps s and η = 1 replaces it', () => {
    const a = randomStats(2, 3, 'full', 3);
    const b = randomStats(2, 3, 'full', 4);
    const keep = cloneStats(a);
    blendStats(keep, b, 0);
    expect(Array.from(keep.s2)).toEqual(Array.from(a.s2));
    blendStats(keep, b, 1);
    expect(Array.from(keep.s2)).toEqual(Array.from(b.s2));
  });

  it('refuses statistics about different reference points or of different shapes', () => {
    const a = randomStats(2, 3, 'full', 5, Float64Array.from([0, 0, 0]));
    expect(() => blendStats(a, randomStats(2, 3, 'full', 6, Float64Array.from([0, 1, 0])), 0.5)).toThrow(/reference/);
    expect(() => blendStats(a, randomStats(3, 3, 'full', 6), 0.5)).toThrow(/shapes/);
    expect(() => blendStats(a, randomStats(2, 3, 'diag', 6), 0.5)).toThrow(/shapes/);
  });
});

describe('blendedStats', () => {
  it.each(COVARIANCE_TYPES)('%s: the bits of cloneStats then blendStats, its input unchanged and not shared', (covarianceType) => {
    const a = randomStats(3, 4, covarianceType, 7);
    const b = randomStats(3, 4, covarianceType, 8);
    const before = cloneStats(a);
    const blended = blendedStats(a, b, 0.37);
    const expected = cloneStats(a);
    blendStats(expected, b, 0.37);
    for (const key of ['s0', 's1', 's2', 'reference'] as const) {
      expect(blended[key]).toStrictEqual(expected[key]);
      expect(a[key]).toStrictEqual(before[key]);
      expect(blended[key].buffer).not.toBe(a[key].buffer);
    }
    expect(() => blendedStats(a, randomStats(3, 4, covarianceType, 9, Float64Array.from([0, 1, 0, 0])), 0.5)).toThrow(/reference/);
  });
});

describe('mergeStats', () => {
  for (const covarianceType of COVARIANCE_TYPES) {
    it(`${covarianceType}: merging two halves' statistics with their masses equals the whole data set's`, () => {
      const d = 3;
      const params = mixtureOfType(3, d, covarianceType, 1000, 1.5);
      const n = 70;
      const data = punchMissing(sampleBatch(params, n, 1001).data, n, d, 0.2, 1002);
      const all = pointBatch(data, d);
      const reference = observedColumnMeans(all);
      const f = componentFactors(params);
      const statsOf = (b: typeof all) => expectedStatistics(b, eStep(f, b), params.means, reference, covarianceType);
      const cut = 29; // unequal halves
      const first = sliceBatch(all, 0, cut);
      const second = sliceBatch(all, cut, n);
      const merged = mergeStats(statsOf(first), first.n, statsOf(second), second.n);
      const naive = naiveStats(params, data, n, reference, covarianceType);
      expectArrayClose(merged.s0, naive.s0, { atol: 1e-13 }, 'S0');
      expectArrayClose(merged.s1, naive.s1, { atol: 1e-12, rtol: 1e-11 }, 'S1');
      expectArrayClose(merged.s2, naive.s2, { atol: 1e-12, rtol: 1e-11 }, 'S2');
      expect(Array.from(merged.reference)).toEqual(Array.from(reference));
    });
  }

  it('does not modify its inputs', () => {
    const a = randomStats(2, 2, 'diag', 7);
    const b = randomStats(2, 2, 'diag', 8);
    const a0 = cloneStats(a);
    const b0 = cloneStats(b);
    mergeStats(a, 10, b, 30);
    for (const key of ['s0', 's1', 's2'] as const) {
      expect(Array.from(a[key])).toEqual(Array.from(a0[key]));
      expect(Array.from(b[key])).toEqual(Array.from(b0[key]));
    }
  });
});

describe('cloneStats / statsAreFinite', () => {
  it('clones deeply', () => {
    const a = randomStats(2, 2, 'full', 9);
    const c = cloneStats(a);
    c.s0[0] = 123;
    c.s2[1] = 456;
    c.reference[0] = 789;
    expect(a.s0[0]).not.toBe(123);
    expect(a.s2[1]).not.toBe(456);
    expect(a.reference[0]).not.toBe(789);
  });

  it('detects NaN and ±Infinity in any array', () => {
    expect(statsAreFinite(randomStats(2, 2, 'full', 10))).toBe(true);
    for (const key of ['s0', 's1', 's2'] as const) {
      for (const bad of [NaN, Infinity, -Infinity]) {
        const s = randomStats(2, 2, 'full', 10);
        s[key][s[key].length - 1] = bad;
        expect(statsAreFinite(s)).toBe(false);
      }
    }
  });
});
