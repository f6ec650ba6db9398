import { describe, expect, it } from 'vitest';
import { componentFactors } from '../../src/em/component-factors.js';
import { eStep } from '../../src/em/e-step.js';
import { expectedStatistics } from '../../src/em/expected-statistics.js';
import { observedColumnMeans, pointBatch } from '../../src/em/point-batch.js';
import { s2Length } from '../../src/em/sufficient-stats.js';
import { COVARIANCE_TYPES } from '../../src/em/types.js';
import { expectArrayClose } from '../helpers/assertions.js';
import { mixtureOfType, punchMissing, sampleBatch } from '../helpers/fixtures.js';
import { naiveStats } from '../helpers/naive-gmm.js';

describe('expectedStatistics against the naive per-point sums', () => {
  for (const covarianceType of COVARIANCE_TYPES) {
    for (const d of [1, 3, 6]) {
      it(`${covarianceType}, d = ${d}, complete rows`, () => {
        const params = mixtureOfType(3, d, covarianceType, 600 + d, 1.5);
        const n = 50;
        const batch = sampleBatch(params, n, 601 + d);
        const reference = Float64Array.from({ length: d }, (_, j) => 0.5 - j * 0.25);
        const s = expectedStatistics(batch, eStep(componentFactors(params), batch), params.means, reference, covarianceType);
        const naive = naiveStats(params, batch.data, n, reference, covarianceType);
        expect(s.s2.length).toBe(s2Length(3, d, covarianceType));
        expect(Array.from(s.reference)).toEqual(Array.from(reference));
        expectArrayClose(s.s0, naive.s0, { atol: 1e-13 }, 'S0');
        expectArrayClose(s.s1, naive.s1, { atol: 1e-12, rtol: 1e-11 }, 'S1');
        expectArrayClose(s.s2, naive.s2, { atol: 1e-12, rtol: 1e-11 }, 'S2');
      });
    }
  }

  for (const covarianceType of COVARIANCE_TYPES) {
    for (const d of [2, 4]) {
      it(`${covarianceType}, d = ${d}, rows with missing coordinates: x̂ and E[xxᵀ] = x̂x̂ᵀ + C`, () => {
        const params = mixtureOfType(3, d, covarianceType, 700 + d, 1.5);
        const n = 60;
        const complete = sampleBatch(params, n, 701 + d).data;
        const data = punchMissing(complete, n, d, 0.45, 702 + d);
        const batch = pointBatch(data, d);
        expect(batch.rowsWithMissing).toBeGreaterThan(10);
        const reference = observedColumnMeans(batch);
        const s = expectedStatistics(batch, eStep(componentFactors(params), batch), params.means, reference, covarianceType);
        const naive = naiveStats(params, data, n, reference, covarianceType);
        expectArrayClose(s.s0, naive.s0, { atol: 1e-13 }, 'S0');
        expectArrayClose(s.s1, naive.s1, { atol: 1e-12, rtol: 1e-11 }, 'S1');
        expectArrayClose(s.s2, naive.s2, { atol: 1e-12, rtol: 1e-11 }, 'S2');
      });
    }
  }

  it('a single missing row with given responsibilities contributes exactly γ·(x̂, x̂x̂ᵀ + C) (full, d = 3)', () => {
    const params = mixtureOfType(2, 3, 'full', 11, 1);
    const data = Float64Array.from([0.4, NaN, -0.7]);
    const batch = pointBatch(data, 3);
    const e = eStep(componentFactors(params), batch);
    const reference = new Float64Array(3);
    const s = expectedStatistics(batch, e, params.means, reference, 'full');
    const resp = [[e.resp[0], e.resp[1]]];
    const naive = naiveStats(params, data, 1, reference, 'full', resp);
    expectArrayClose(s.s1, naive.s1, { atol: 1e-13 }, 'S1');
    expectArrayClose(s.s2, naive.s2, { atol: 1e-13 }, 'S2');
    // The missing coordinate's second moment exceeds x̂² by the conditional variance (C > 0).
    for (let c = 0; c < 2; c++) {
      const xhat = s.s1[c * 3 + 1] / s.s0[c];
      expect(s.s2[c * 9 + 4] / s.s0[c]).toBeGreaterThan(xhat * xhat + 1e-3);
    }
  });

  it('S2 (full) is exactly symmetric', () => {
    const params = mixtureOfType(2, 4, 'full', 12, 1);
    const n = 30;
    const data = punchMissing(sampleBatch(params, n, 13).data, n, 4, 0.3, 14);
    const batch = pointBatch(data, 4);
    const s = expectedStatistics(batch, eStep(componentFactors(params), batch), params.means, observedColumnMeans(batch), 'full');
    for (let c = 0; c < 2; c++) {
      for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) expect(Object.is(s.s2[c * 16 + a * 4 + b], s.s2[c * 16 + b * 4 + a])).toBe(true);
    }
  });
});
