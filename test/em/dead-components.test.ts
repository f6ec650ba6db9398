import { describe, expect, it } from 'vitest';
import { reseedDeadComponents } from '../../src/em/dead-components.js';
import { expectedStatistics } from '../../src/em/expected-statistics.js';
import { mStep } from '../../src/em/m-step.js';
import { observedColumnMeans, pointBatch } from '../../src/em/point-batch.js';
import { SeededRandom } from '../../src/em/random.js';
import { cloneStats } from '../../src/em/sufficient-stats.js';
import { COVARIANCE_TYPES, type CovarianceType, type SufficientStats } from '../../src/em/types.js';
import { expectArrayClose, expectClose } from '../helpers/assertions.js';
import { mixtureOfType, sampleBatch } from '../helpers/fixtures.js';
import { add, dot, fromFlat, matVec, outer, powerIteration, scale, toFlat, zeros } from '../helpers/linear-algebra.js';

const D = 3;
const K = 3;

/**
 * Statistics of a real data set with soft responsibilities; component `dead` gets mass `deadMass`
 * (the rest of its responsibility moves to component 0), component 0 is the heaviest.
 */
function statsWithDead(covarianceType: CovarianceType, dead: number, deadMass: number): SufficientStats {
  const params = mixtureOfType(K, D, 'full', 1100, 2);
  const n = 120;
  const batch = sampleBatch(params, n, 1101);
  const rng = new SeededRandom(1102);
  const resp = new Float64Array(n * K);
  for (let i = 0; i < n; i++) {
    const g = [0.5 + rng.uniform(), 0.2 * rng.uniform(), 0.2 * rng.uniform()];
    const total = g[0] + g[1] + g[2];
    for (let c = 0; c < K; c++) resp[i * K + c] = g[c] / total;
    resp[i * K] += resp[i * K + dead] * (1 - deadMass);
    resp[i * K + dead] *= deadMass;
  }
  return expectedStatistics(
    batch,
    { n, k: K, resp, logLik: new Float64Array(n), partition: { completeRows: null, patterns: [] }, conditionals: [] },
    new Float64Array(K * D),
    observedColumnMeans(batch),
    covarianceType,
  );
}

/** S2 of component c (full, tied: d×d; diag: its diagonal; spherical: its trace), for sums only. */
function s2Of(s: SufficientStats, c: number): number[] {
  const { dim: d } = s;
  if (s.covarianceType === 'full' || s.covarianceType === 'tied') return Array.from(s.s2.subarray(c * d * d, (c + 1) * d * d));
  if (s.covarianceType === 'diag') return Array.from(s.s2.subarray(c * d, (c + 1) * d));
  return [s.s2[c]];
}

describe('reseedDeadComponents', () => {
  for (const covarianceType of COVARIANCE_TYPES) {
    for (const deadMass of [0, 1e-9]) {
      it(`${covarianceType}: a dead component (mass ${deadMass}) is re-seeded by splitting the heaviest, preserving its statistics`, () => {
        const s = statsWithDead(covarianceType, 2, deadMass);
        const before = cloneStats(s);
        expect(before.s0[0]).toBeGreaterThan(before.s0[1]);
        const count = reseedDeadComponents(s, 1e-4);
        expect(count).toBe(1);
        // Component 1 (alive, not the heaviest) is untouched.
        expect(s.s0[1]).toBe(before.s0[1]);
        expect(Array.from(s.s1.subarray(D, 2 * D))).toEqual(Array.from(before.s1.subarray(D, 2 * D)));
        expect(s2Of(s, 1)).toEqual(s2Of(before, 1));
        // The pair (0, 2) has the parent's mass and first and second moments: S0, S1, S2 add up to the parent's.
        expectClose(s.s0[0] + s.s0[2], before.s0[0], { rtol: 1e-15 }, 'mass');
        expectClose(s.s0[0], s.s0[2], { rtol: 1e-15 }, 'equal halves');
        const s1Sum = Array.from({ length: D }, (_, j) => s.s1[j] + s.s1[2 * D + j]);
        expectArrayClose(s1Sum, before.s1.subarray(0, D), { rtol: 1e-13, atol: 1e-15 }, 'S1 of the pair');
        const s2Sum = s2Of(s, 0).map((v, i) => v + s2Of(s, 2)[i]);
        expectArrayClose(s2Sum, s2Of(before, 0), { rtol: 1e-13, atol: 1e-15 }, 'S2 of the pair');
        // The halves sit apart, at the parent's mean ± δv.
        const m0 = Array.from(s.s1.subarray(0, D), (v) => v / s.s0[0]);
        const m2 = Array.from(s.s1.subarray(2 * D, 3 * D), (v) => v / s.s0[2]);
        expect(Math.hypot(...m0.map((v, j) => v - m2[j]))).toBeGreaterThan(0.1);
        // The M-step accepts the result.
        expect(() => mStep(s, 1e-6)).not.toThrow();
      });
    }
  }

  it('full: the split is along the principal axis with δ = ½√λ₁, and the pair keeps the parent covariance (mixture moments)', () => {
    const s = statsWithDead('full', 2, 0);
    const before = cloneStats(s);
    reseedDeadComponents(s, 1e-4);
    const w = before.s0[0];
    const mean = Array.from(before.s1.subarray(0, D), (v) => v / w);
    const parentCov = add(scale(fromFlat(before.s2, D, 0), 1 / w), scale(outer(mean, mean), -1));
    const { value: lambda1, vector } = powerIteration(parentCov);
    const m0 = Array.from(s.s1.subarray(0, D), (v) => v / s.s0[0]);
    const m2 = Array.from(s.s1.subarray(2 * D, 3 * D), (v) => v / s.s0[2]);
    const gap = m0.map((v, j) => v - m2[j]);
    // |m₀ - m₂| = 2δ = √λ₁, along the top eigenvector.
    expectClose(Math.hypot(...gap), Math.sqrt(lambda1), { rtol: 1e-9 }, '|gap|');
    expectClose(Math.abs(dot(gap, vector)) / Math.hypot(...gap), 1, { atol: 1e-9 }, 'direction');
    // Mixture of the two halves (equal weights): mean and covariance of the parent.
    const { params } = mStep(s, 0);
    let mixCov = zeros(D, D);
    const mixMean = new Array<number>(D).fill(0);
    for (const c of [0, 2]) {
      const mu = Array.from(params.means.subarray(c * D, (c + 1) * D));
      for (let j = 0; j < D; j++) mixMean[j] += 0.5 * mu[j];
    }
    for (const c of [0, 2]) {
      const mu = Array.from(params.means.subarray(c * D, (c + 1) * D));
      const dev = mu.map((v, j) => v - mixMean[j]);
      mixCov = add(mixCov, scale(add(fromFlat(params.covariances, D, c * D * D), outer(dev, dev)), 0.5));
    }
    expectArrayClose(mixMean, mean.map((v, j) => v + before.reference[j]), { atol: 1e-12 }, 'mixture mean');
    expectArrayClose(toFlat(mixCov), toFlat(parentCov), { atol: 1e-12, rtol: 1e-12 }, 'mixture covariance');
    // Each half's covariance Σ - δ²vvᵀ is still positive definite.
    for (const c of [0, 2]) {
      const cov = fromFlat(params.covariances, D, c * D * D);
      expect(dot(vector, matVec(cov, vector))).toBeGreaterThan(0);
    }
  });

  it('diag and spherical split along the axis of largest variance and stay diagonal', () => {
    for (const covarianceType of ['diag', 'spherical'] as const) {
      const s = statsWithDead(covarianceType, 1, 0);
      reseedDeadComponents(s, 1e-4);
      const m0 = Array.from(s.s1.subarray(0, D), (v) => v / s.s0[0]);
      const m1 = Array.from(s.s1.subarray(D, 2 * D), (v) => v / s.s0[1]);
      const moved = m0.map((v, j) => Math.abs(v - m1[j]) > 1e-12);
      expect(moved.filter(Boolean).length).toBe(1);
      const { params } = mStep(s, 1e-6);
      for (let c = 0; c < K; c++) for (let a = 0; a < D; a++) for (let b = 0; b < D; b++) if (a !== b) expect(params.covariances[c * 9 + a * 3 + b]).toBe(0);
    }
  });

  it('does nothing when every component carries enough mass, and for K = 1', () => {
    const s = statsWithDead('full', 2, 0.5);
    const before = cloneStats(s);
    expect(reseedDeadComponents(s, 1e-4)).toBe(0);
    for (const key of ['s0', 's1', 's2'] as const) expect(Array.from(s[key])).toEqual(Array.from(before[key]));
    const batch = pointBatch(Float64Array.from([1, 2, 3, 4]), 2);
    const one = expectedStatistics(
      batch,
      { n: 2, k: 1, resp: Float64Array.from([1, 1]), logLik: new Float64Array(2), partition: { completeRows: null, patterns: [] }, conditionals: [] },
      new Float64Array(2),
      new Float64Array(2),
      'full',
    );
    one.s0[0] = 0;
    expect(reseedDeadComponents(one, 0.1)).toBe(0);
  });

  it('re-seeds every dead component (two at once) and counts each', () => {
    const s = statsWithDead('full', 2, 0);
    s.s0[1] = 0;
    expect(reseedDeadComponents(s, 1e-4)).toBe(2);
    for (let c = 0; c < K; c++) expect(s.s0[c]).toBeGreaterThan(0);
    expect(() => mStep(s, 1e-6)).not.toThrow();
  });

  it('uses the weight share S0_k/ΣS0 against minWeight', () => {
    const s = statsWithDead('diag', 2, 0.05);
    const share = s.s0[2] / (s.s0[0] + s.s0[1] + s.s0[2]);
    expect(reseedDeadComponents(cloneStats(s), share * 0.99)).toBe(0);
    expect(reseedDeadComponents(cloneStats(s), share * 1.01)).toBe(1);
  });
});
