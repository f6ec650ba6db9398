import { describe, expect, it } from 'vitest';
import { fitBatchEm, mean, type BatchEmOptions } from '../../src/em/batch-em.js';
import { componentFactors } from '../../src/em/component-factors.js';
import { eStep } from '../../src/em/e-step.js';
import { expectedStatistics } from '../../src/em/expected-statistics.js';
import { observedColumnMeans, pointBatch } from '../../src/em/point-batch.js';
import { COVARIANCE_TYPES, type MixtureParams } from '../../src/em/types.js';
import { randomMixture, sampleMixture } from '../../src/synthetic/mixture-generator.js';
import { expectAllFinite, expectArrayClose, expectBitIdentical, expectClose, expectSpdCovariances } from '../helpers/assertions.js';
import { mixtureOfType, punchMissing, sampleBatch } from '../helpers/fixtures.js';
import { naiveBatchMStep, naiveEStep, naiveMeanLogLikelihood, naiveStats } from '../helpers/naive-gmm.js';

function options(over: Partial<BatchEmOptions>): BatchEmOptions {
  return { k: 3, covarianceType: 'full', regCovar: 1e-6, restarts: 1, maxIter: 100, tol: 1e-8, seed: 1, minWeight: 1e-4, ...over };
}

/** Component of `fit` nearest (by mean) to each true component; asserts it is a one-to-one match. */
function matchComponents(truth: MixtureParams, fit: MixtureParams): number[] {
  const d = truth.dim;
  const match: number[] = [];
  for (let c = 0; c < truth.k; c++) {
    let best = -1;
    let bestDist = Infinity;
    for (let f = 0; f < fit.k; f++) {
      let dist = 0;
      for (let j = 0; j < d; j++) dist += (truth.means[c * d + j] - fit.means[f * d + j]) ** 2;
      if (dist < bestDist) {
        bestDist = dist;
        best = f;
      }
    }
    match.push(best);
  }
  expect(new Set(match).size).toBe(truth.k);
  return match;
}

describe('fitBatchEm', () => {
  // Overlapping components so EM takes many iterations.
  const truth = mixtureOfType(3, 2, 'full', 1200, 1.2);
  const batch = sampleBatch(truth, 300, 1201);

  for (const covarianceType of COVARIANCE_TYPES) {
    it(`${covarianceType}: the log-likelihood never decreases over iterations (no re-seeding, λ = 0)`, () => {
      const lls: number[] = [];
      for (let maxIter = 0; maxIter <= 12; maxIter++) {
        const fit = fitBatchEm(batch, options({ covarianceType, maxIter, tol: 0, regCovar: 0, minWeight: 0 }));
        expect(fit.iterations).toBe(maxIter);
        expect(fit.reseeds).toBe(0);
        // The reported value is the naive mean log-likelihood of the returned parameters.
        expectClose(fit.logLik, naiveMeanLogLikelihood(fit.params, batch.data, batch.n), { atol: 1e-10 }, 'logLik');
        lls.push(fit.logLik);
      }
      for (let i = 1; i < lls.length; i++) expect(lls[i], `iteration ${i}`).toBeGreaterThanOrEqual(lls[i - 1] - 1e-12);
      expect(lls[lls.length - 1]).toBeGreaterThan(lls[0] + 1e-3); // it did move
    });

    it(`${covarianceType}: each iteration is the naive EM update of the previous parameters`, () => {
      const o = options({ covarianceType, tol: 0, regCovar: 1e-6, minWeight: 0 });
      const before = fitBatchEm(batch, { ...o, maxIter: 3 });
      const after = fitBatchEm(batch, { ...o, maxIter: 4 });
      const naive = naiveBatchMStep(batch.data, batch.n, 2, naiveEStep(before.params, batch.data, batch.n).resp, covarianceType, 1e-6);
      expectArrayClose(after.params.weights, naive.weights, { atol: 1e-12 }, 'π');
      expectArrayClose(after.params.means, naive.means, { atol: 1e-11 }, 'μ');
      expectArrayClose(after.params.covariances, naive.covariances, { atol: 1e-11 }, 'Σ');
      // And `stats` are the E-step statistics under the returned parameters.
      const naiveS = naiveStats(after.params, batch.data, batch.n, after.stats.reference, covarianceType);
      expectArrayClose(after.stats.s1, naiveS.s1, { atol: 1e-12 }, 'S1');
      expectArrayClose(after.stats.s2, naiveS.s2, { atol: 1e-11 }, 'S2');
    });
  }

  it('recovers a well-separated mixture', () => {
    const generating = randomMixture({ k: 3, dim: 2, seed: 1300, separation: 12 });
    const n = 1500;
    const data = sampleMixture(generating, n, 1301).data;
    const fit = fitBatchEm(pointBatch(data, 2), options({ restarts: 3, seed: 5 }));
    expect(fit.converged).toBe(true);
    const match = matchComponents(generating, fit.params);
    for (let c = 0; c < 3; c++) {
      const f = match[c];
      expectClose(fit.params.weights[f], generating.weights[c], { atol: 0.04 }, `π ${c}`);
      expectArrayClose(fit.params.means.subarray(f * 2, f * 2 + 2), generating.means.subarray(c * 2, c * 2 + 2), { atol: 0.15 }, `μ ${c}`);
      expectArrayClose(fit.params.covariances.subarray(f * 4, f * 4 + 4), generating.covariances.subarray(c * 4, c * 4 + 4), { atol: 0.25, rtol: 0.2 }, `Σ ${c}`);
    }
    // Better than the generating parameters on their own sample, up to sampling noise.
    expect(fit.logLik).toBeGreaterThanOrEqual(naiveMeanLogLikelihood(generating, data, n) - 1e-9);
  });

  it('is deterministic under a seed (also with screening and missing data), and the seed matters', () => {
    const generating = mixtureOfType(3, 3, 'full', 1400, 2);
    const n = 400;
    const data = punchMissing(sampleBatch(generating, n, 1401).data, n, 3, 0.1, 1402);
    const b = pointBatch(data, 3);
    const o = options({ restarts: 4, maxIter: 30, screening: { sampleSize: 150, iterations: 2, keep: 2 }, seed: 9 });
    const a1 = fitBatchEm(b, o);
    const a2 = fitBatchEm(b, o);
    expectBitIdentical(a2, a1);
    expectAllFinite(a1.params);
    const other = fitBatchEm(b, { ...o, seed: 10, maxIter: 0 });
    const same = fitBatchEm(b, { ...o, maxIter: 0 });
    expect(Array.from(other.params.means)).not.toEqual(Array.from(same.params.means));
  });

  it('keeps the best restart by log-likelihood', () => {
    const o = options({ maxIter: 5, tol: 0 });
    const best = fitBatchEm(batch, { ...o, restarts: 4 });
    // Restart r of a 4-restart run is the same draw sequence as the first r+1 restarts; none beats the best.
    for (let r = 1; r <= 4; r++) expect(fitBatchEm(batch, { ...o, restarts: r }).logLik).toBeLessThanOrEqual(best.logLik);
    expect(best.bestRestart).toBeGreaterThanOrEqual(0);
    expect(best.bestRestart).toBeLessThan(4);
  });

  it('with missing data: the likelihood is the naive marginal one, statistics use conditional expectations', () => {
    const generating = mixtureOfType(2, 3, 'full', 1500, 3);
    const n = 150;
    const data = punchMissing(sampleBatch(generating, n, 1501).data, n, 3, 0.3, 1502);
    const b = pointBatch(data, 3);
    const fit = fitBatchEm(b, options({ k: 2, maxIter: 20 }));
    expectAllFinite(fit);
    expectSpdCovariances(fit.params.covariances, 2, 3);
    expectClose(fit.logLik, naiveMeanLogLikelihood(fit.params, data, n), { atol: 1e-10 }, 'logLik');
    const naiveS = naiveStats(fit.params, data, n, fit.stats.reference, 'full');
    expectArrayClose(fit.stats.s2, naiveS.s2, { atol: 1e-11 }, 'S2');
    expectArrayClose(fit.stats.reference, observedColumnMeans(b), { atol: 0 }, 'reference');
  });

  it('uses a given reference point for the statistics', () => {
    const reference = Float64Array.from([5, -5]);
    const fit = fitBatchEm(batch, options({ maxIter: 2, reference }));
    expect(Array.from(fit.stats.reference)).toEqual([5, -5]);
    const e = eStep(componentFactors(fit.params), batch);
    const s = expectedStatistics(batch, e, fit.params.means, reference, 'full');
    expectArrayClose(fit.stats.s1, s.s1, { atol: 1e-14 }, 'S1');
  });

  it('refuses an empty batch; mean() of an empty array is NaN', () => {
    expect(() => fitBatchEm(pointBatch(new Float64Array(0), 2), options({}))).toThrow(/at least one point/);
    expect(mean(new Float64Array(0))).toBeNaN();
    expect(mean(Float64Array.from([1, 2, 6]))).toBe(3);
  });
});
