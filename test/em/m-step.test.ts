import { describe, expect, it } from 'vitest';
import { componentFactors } from '../../src/em/component-factors.js';
import { eStep } from '../../src/em/e-step.js';
import { expectedStatistics } from '../../src/em/expected-statistics.js';
import { mStep } from '../../src/em/m-step.js';
import { observedColumnMeans, pointBatch } from '../../src/em/point-batch.js';
import { SeededRandom } from '../../src/em/random.js';
import { blendStats, zeroStats } from '../../src/em/sufficient-stats.js';
import { COVARIANCE_TYPES, type CovarianceType, type PointBatch } from '../../src/em/types.js';
import { expectAllFinite, expectArrayClose, expectClose, expectSpdCovariances } from '../helpers/assertions.js';
import { collinearPoints, gaussianCloud, mixtureOfType, punchMissing, sampleBatch } from '../helpers/fixtures.js';
import { naiveBatchMStep, naiveEStep, naiveStats, twoPassMoments } from '../helpers/naive-gmm.js';

const REG = 1e-6;

/** Tied: (Σ_k S2_k[a][b] - Σ_k S0_k m_ka m_kb) / Σ_k S0_k with m_k = S1_k/S0_k, from naive statistics. */
function pooledCovariance(s: { s0: Float64Array; s1: Float64Array; s2: Float64Array }, d: number, K: number, a: number, b: number): number {
  let num = 0;
  let total = 0;
  for (let c = 0; c < K; c++) {
    const w = s.s0[c];
    num += s.s2[c * d * d + a * d + b] - (s.s1[c * d + a] * s.s1[c * d + b]) / w;
    total += w;
  }
  return num / total;
}

describe('one stepwise update with η = 1 on the whole data set is one batch-EM iteration', () => {
  for (const covarianceType of COVARIANCE_TYPES) {
    for (const d of [1, 2, 5]) {
      it(`${covarianceType}, d = ${d}`, () => {
        const params = mixtureOfType(3, d, covarianceType, 800 + d, 1.5);
        const n = 80;
        const batch = sampleBatch(params, n, 801 + d);
        const reference = observedColumnMeans(batch);
        // Stepwise: arbitrary previous statistics, fully replaced by η = 1.
        const s = zeroStats(3, d, covarianceType, reference);
        const rng = new SeededRandom(802);
        for (const arr of [s.s0, s.s1, s.s2]) for (let i = 0; i < arr.length; i++) arr[i] = 5 + rng.uniform();
        const sHat = expectedStatistics(batch, eStep(componentFactors(params), batch), params.means, reference, covarianceType);
        blendStats(s, sHat, 1);
        const m = mStep(s, REG);
        // Naive batch EM: naive responsibilities, then weighted means and covariances directly.
        const naive = naiveBatchMStep(batch.data, n, d, naiveEStep(params, batch.data, n).resp, covarianceType, REG);
        expect(m.params.covarianceType).toBe(covarianceType);
        expectArrayClose(m.params.weights, naive.weights, { atol: 1e-12 }, 'π');
        expectArrayClose(m.params.means, naive.means, { atol: 1e-11, rtol: 1e-11 }, 'μ');
        expectArrayClose(m.params.covariances, naive.covariances, { atol: 1e-11, rtol: 1e-10 }, 'Σ');
        expect(m.jitterEvents).toBe(0);
        if (covarianceType === 'full' || covarianceType === 'tied') {
          expect(m.choleskyFactors).not.toBeNull();
          expect(m.choleskyFactors!.length).toBe(3);
        } else {
          expect(m.choleskyFactors).toBeNull();
        }
      });
    }
  }

  for (const covarianceType of COVARIANCE_TYPES) {
    it(`${covarianceType}: with missing coordinates, θ̄(ŝ) is the EM update with conditional expectations`, () => {
      const d = 3;
      const params = mixtureOfType(2, d, covarianceType, 810, 1.5);
      const n = 50;
      const data = punchMissing(sampleBatch(params, n, 811).data, n, d, 0.35, 812);
      const batch = pointBatch(data, d);
      const reference = observedColumnMeans(batch);
      const sHat = expectedStatistics(batch, eStep(componentFactors(params), batch), params.means, reference, covarianceType);
      const m = mStep(sHat, REG);
      // Naive: π = S0/ΣS0, μ = c + S1/S0, Σ = E[(x-μ)(x-μ)ᵀ] from the naive conditional moments.
      const naive = naiveStats(params, data, n, reference, covarianceType);
      for (let c = 0; c < 2; c++) {
        const w = naive.s0[c];
        expectClose(m.params.weights[c], w / (naive.s0[0] + naive.s0[1]), { atol: 1e-12 }, 'π');
        const mu = Array.from({ length: d }, (_, j) => naive.s1[c * d + j] / w);
        expectArrayClose(m.params.means.subarray(c * d, c * d + d), mu.map((v, j) => v + reference[j]), { atol: 1e-11 }, 'μ');
        for (let a = 0; a < d; a++) {
          for (let b = 0; b < d; b++) {
            let expected: number;
            if (covarianceType === 'tied') expected = pooledCovariance(naive, reference.length, 2, a, b);
            else if (covarianceType === 'full') expected = naive.s2[c * d * d + a * d + b] / w - mu[a] * mu[b];
            else if (a !== b) expected = 0;
            else if (covarianceType === 'diag') expected = naive.s2[c * d + a] / w - mu[a] * mu[a];
            else expected = (naive.s2[c] / w - mu.reduce((s, v) => s + v * v, 0)) / d;
            if (a === b) expected += REG;
            expectClose(m.params.covariances[c * d * d + a * d + b], expected, { atol: 1e-11 }, `Σ[${c}][${a}][${b}]`);
          }
        }
      }
    });
  }
});

describe('mStep basics', () => {
  it('throws for a component without mass (dead components must be re-seeded first)', () => {
    const s = zeroStats(2, 2, 'full', new Float64Array(2));
    s.s0[0] = 1;
    s.s2[0] = 1;
    s.s2[3] = 1;
    expect(() => mStep(s, REG)).toThrow(/component 1 has no mass/);
  });

  it('weights sum to 1 and means are c + S1/S0 about a non-zero reference', () => {
    const reference = Float64Array.from([100, -50]);
    const s = zeroStats(2, 2, 'diag', reference);
    s.s0.set([0.25, 0.75]);
    s.s1.set([0.25 * 1, 0.25 * 2, 0.75 * -1, 0.75 * 0.5]);
    s.s2.set([0.25 * (1 + 4), 0.25 * (4 + 9), 0.75 * (1 + 1), 0.75 * (0.25 + 2)]);
    const { params } = mStep(s, 0);
    expectArrayClose(params.weights, [0.25, 0.75], { atol: 1e-15 });
    expectArrayClose(params.means, [101, -48, 99, -49.5], { atol: 1e-12 });
    expectArrayClose(params.covariances, [4, 0, 0, 9, 1, 0, 0, 2], { atol: 1e-12 });
  });
});

/** Statistics of `batch` with soft random responsibilities for 2 components, about the observed column means. */
function softStats(batch: PointBatch, covarianceType: CovarianceType, seed: number) {
  const rng = new SeededRandom(seed);
  const resp = new Float64Array(batch.n * 2);
  for (let i = 0; i < batch.n; i++) {
    const g = 0.1 + 0.8 * rng.uniform();
    resp[i * 2] = g;
    resp[i * 2 + 1] = 1 - g;
  }
  return expectedStatistics(
    batch,
    { n: batch.n, k: 2, resp, logLik: new Float64Array(batch.n), partition: { completeRows: null, patterns: [] }, conditionals: [] },
    new Float64Array(2 * batch.dim),
    observedColumnMeans(batch),
    covarianceType,
  );
}

describe('mStep numerical robustness: covariances stay symmetric positive definite and finite', () => {
  const d = 3;
  const n = 40;
  const degenerate: Record<string, () => Float64Array> = {
    'all points equal': () => Float64Array.from({ length: n * d }, (_, i) => [3, -2, 7][i % d]),
    'all points equal at offset 1e9': () => Float64Array.from({ length: n * d }, (_, i) => 1e9 + [3, -2, 7][i % d]),
    'collinear points': () => collinearPoints(n, 1),
    'collinear points at scale 1e9': () => {
      const rng = new SeededRandom(2);
      const out = new Float64Array(n * d);
      for (let i = 0; i < n; i++) {
        const t = 1e9 * rng.normal();
        out.set([t, -2 * t, 0.5 * t], i * d);
      }
      return out;
    },
    'offset 1e9, unit scale': () => gaussianCloud(n, d, 3, 1, 1e9),
    'scale 1e-9': () => gaussianCloud(n, d, 4, 1e-9),
    'scale 1e9': () => gaussianCloud(n, d, 5, 1e9),
    'offset 1e9, scale 1e-9 (noise below resolution)': () => gaussianCloud(n, d, 6, 1e-9, 1e9),
  };
  for (const covarianceType of COVARIANCE_TYPES) {
    for (const [name, make] of Object.entries(degenerate)) {
      for (const regCovar of [REG, 0]) {
        it(`${covarianceType}, ${name}, reg_covar ${regCovar}`, () => {
          const batch = pointBatch(make(), d);
          const m = mStep(softStats(batch, covarianceType, 9), regCovar);
          expectAllFinite(m.params);
          expectSpdCovariances(m.params.covariances, 2, d);
          // Off-diagonals of diag/spherical stay exactly zero.
          if (covarianceType === 'diag' || covarianceType === 'spherical') {
            for (let c = 0; c < 2; c++) for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) if (a !== b) expect(m.params.covariances[c * 9 + a * d + b]).toBe(0);
          }
          // The E-step can use the result.
          const e = eStep(componentFactors(m.params, m.choleskyFactors), batch);
          expectAllFinite(e.logLik);
          expectAllFinite(e.resp);
        });
      }
    }
  }

  it('counts a jitter event when a full covariance is singular and reg_covar is 0', () => {
    const batch = pointBatch(degenerate['collinear points'](), d);
    const m = mStep(softStats(batch, 'full', 9), 0);
    expect(m.jitterEvents).toBe(2);
    const ok = mStep(softStats(pointBatch(gaussianCloud(n, d, 8), d), 'full', 9), 0);
    expect(ok.jitterEvents).toBe(0);
  });

  for (const covarianceType of COVARIANCE_TYPES) {
    it(`${covarianceType}: offset 1e9 with unit scale keeps the variance accurate (reference-point centring)`, () => {
      const rng = new SeededRandom(21);
      const m = 400;
      const data = new Float64Array(m * d);
      for (let i = 0; i < m; i++) {
        const z = [rng.normal(), rng.normal(), rng.normal()];
        data.set([1e9 + z[0], -3e9 + 2 * z[1] + 0.5 * z[0], 5e8 + 0.5 * z[2]], i * d);
      }
      const batch = pointBatch(data, d);
      const resp = new Float64Array(m).fill(1);
      const stats = expectedStatistics(
        batch,
        { n: m, k: 1, resp, logLik: new Float64Array(m), partition: { completeRows: null, patterns: [] }, conditionals: [] },
        new Float64Array(d),
        observedColumnMeans(batch),
        covarianceType,
      );
      const { params } = mStep(stats, REG);
      const { mean, cov } = twoPassMoments(data, m, d);
      expectArrayClose(params.means, mean, { rtol: 1e-15, atol: 1e-6 }, 'μ');
      const trace = cov[0][0] + cov[1][1] + cov[2][2];
      for (let a = 0; a < d; a++) {
        for (let b = 0; b < d; b++) {
          let expected = covarianceType === 'full' || covarianceType === 'tied' || a === b ? cov[a][b] : 0;
          if (covarianceType === 'spherical' && a === b) expected = trace / d;
          if (a === b) expected += REG;
          // ~1e-6 relative to the component's scale; a naive uncentred S2/S0 - μ² is off by ~1e2 here.
          expectClose(params.covariances[a * d + b], expected, { atol: 1e-6 * Math.sqrt(cov[a][a] * cov[b][b]) }, `Σ[${a}][${b}]`);
        }
      }
    });
  }
});
