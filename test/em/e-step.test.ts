import { describe, expect, it } from 'vitest';
import { componentFactors } from '../../src/em/component-factors.js';
import { eStep } from '../../src/em/e-step.js';
import { pointBatch } from '../../src/em/point-batch.js';
import { COVARIANCE_TYPES, type CovarianceType, type MixtureParams } from '../../src/em/types.js';
import { expectArrayClose, expectClose } from '../helpers/assertions.js';
import { mixtureOfType, punchMissing, sampleBatch } from '../helpers/fixtures.js';
import { componentCovariance, componentMean, naiveEStep } from '../helpers/naive-gmm.js';

const DIMS = [1, 2, 5, 16];
const K = 3;

function checkAgainstNaive(params: MixtureParams, data: Float64Array, n: number): void {
  const batch = pointBatch(data, params.dim, n);
  const e = eStep(componentFactors(params), batch);
  const naive = naiveEStep(params, data, n);
  // log p(x): absolute 1e-9 on values of order 10-100 nats (d ≤ 16, condition ≲ 30).
  expectArrayClose(e.logLik, naive.logLik, { atol: 1e-9, rtol: 1e-11 }, 'log p(x)');
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let c = 0; c < params.k; c++) {
      const g = e.resp[i * params.k + c];
      expect(g).toBeGreaterThanOrEqual(0);
      expect(g).toBeLessThanOrEqual(1);
      sum += g;
      // log π_k N_k = log γ_k + log p(x), wherever γ_k has not underflowed.
      if (g > 1e-250) expectClose(Math.log(g) + e.logLik[i], naive.logJoint[i][c], { atol: 1e-9, rtol: 1e-11 }, `log π N [${i},${c}]`);
    }
    expectClose(sum, 1, { atol: 1e-14 }, `Σγ row ${i}`);
  }
  expectArrayClose(e.resp, naive.resp.flat(), { atol: 1e-11 }, 'responsibilities');
}

describe('eStep log-densities against explicit inverse and determinant', () => {
  for (const covarianceType of COVARIANCE_TYPES) {
    for (const d of DIMS) {
      it(`${covarianceType}, d = ${d}`, () => {
        // Separation 1 keeps the components overlapping so no responsibility underflows.
        const params = mixtureOfType(K, d, covarianceType, 100 + d, 1);
        const n = 40;
        const { data } = sampleBatch(params, n, 200 + d);
        checkAgainstNaive(params, data, n);
      });
    }
  }

  it('the log joint of each component is log π_k + log N_k exactly as the naive formula (well-separated, some γ underflow)', () => {
    const params = mixtureOfType(4, 5, 'full', 7, 8);
    const { data } = sampleBatch(params, 60, 8);
    checkAgainstNaive(params, data, 60);
  });
});

describe('eStep responsibilities for points far from every component', () => {
  for (const covarianceType of COVARIANCE_TYPES) {
    for (const d of [1, 2, 16]) {
      it(`${covarianceType}, d = ${d}: a point 1e4 sigmas away has a finite log-likelihood and normalised responsibilities`, () => {
        const params = mixtureOfType(K, d, covarianceType, 31 + d, 2);
        const mean0 = componentMean(params, 0);
        const sigma0 = Math.sqrt(componentCovariance(params, 0)[0][0]);
        const rows: number[] = [];
        for (const sign of [1, -1]) {
          const far = mean0.slice();
          far[0] += sign * 1e4 * sigma0;
          rows.push(...far);
        }
        // Every coordinate far away too.
        rows.push(...mean0.map((m) => m + 1e4 * sigma0));
        const data = Float64Array.from(rows);
        const n = rows.length / d;
        const e = eStep(componentFactors(params), pointBatch(data, d, n));
        const naive = naiveEStep(params, data, n);
        for (let i = 0; i < n; i++) {
          // Every unnormalised density underflows: exp(log π N) is 0 for every component.
          for (let c = 0; c < K; c++) expect(Math.exp(naive.logJoint[i][c])).toBe(0);
          expect(Number.isFinite(e.logLik[i])).toBe(true);
          expectClose(e.logLik[i], naive.logLik[i], { rtol: 1e-10 }, `far log p(x) row ${i}`);
          let sum = 0;
          for (let c = 0; c < K; c++) {
            const g = e.resp[i * K + c];
            expect(Number.isNaN(g)).toBe(false);
            expect(g).toBeGreaterThanOrEqual(0);
            expect(g).toBeLessThanOrEqual(1);
            sum += g;
          }
          expectClose(sum, 1, { atol: 1e-14 }, 'Σγ');
          expectArrayClose(e.resp.subarray(i * K, (i + 1) * K), naive.resp[i], { atol: 1e-12 }, `far γ row ${i}`);
        }
      });
    }
  }
});

describe('eStep with missing coordinates: the marginal density over the observed ones', () => {
  for (const covarianceType of COVARIANCE_TYPES) {
    for (const d of [2, 5]) {
      it(`${covarianceType}, d = ${d}`, () => {
        const params = mixtureOfType(K, d, covarianceType, 300 + d, 1.5);
        const n = 60;
        const complete = sampleBatch(params, n, 301 + d).data;
        const data = punchMissing(complete, n, d, 0.4, 302 + d);
        const batch = pointBatch(data, d, n);
        expect(batch.rowsWithMissing).toBeGreaterThan(5);
        expect(batch.rowsWithMissing).toBeLessThan(n);
        checkAgainstNaive(params, data, n);
        const e = eStep(componentFactors(params), batch);
        // One conditional factorisation per distinct pattern.
        expect(e.conditionals.length).toBe(e.partition.patterns.length);
      });
    }
  }

  it('a row missing coordinates scores differently from the complete row (the marginal is really used)', () => {
    const params = mixtureOfType(2, 3, 'full', 9, 1);
    const data = Float64Array.from([0.3, -0.2, 1.1, 0.3, NaN, 1.1]);
    const e = eStep(componentFactors(params), pointBatch(data, 3));
    const naive = naiveEStep(params, data, 2);
    expectArrayClose(e.logLik, naive.logLik, { atol: 1e-12 }, 'log p');
    expect(Math.abs(e.logLik[0] - e.logLik[1])).toBeGreaterThan(0.1);
  });
});

describe('eStep shapes', () => {
  it('returns an n×K responsibility matrix and an empty partition for complete data', () => {
    const params = mixtureOfType(2, 2, 'diag' as CovarianceType, 1);
    const { data } = sampleBatch(params, 5, 2);
    const e = eStep(componentFactors(params), pointBatch(data, 2));
    expect(e.n).toBe(5);
    expect(e.k).toBe(2);
    expect(e.resp.length).toBe(10);
    expect(e.logLik.length).toBe(5);
    expect(e.partition.completeRows).toBeNull();
    expect(e.conditionals).toEqual([]);
  });
});
