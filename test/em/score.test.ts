import { describe, expect, it } from 'vitest';
import { pointBatch } from '../../src/em/point-batch.js';
import { meanLogLikelihood } from '../../src/em/score.js';
import { COVARIANCE_TYPES } from '../../src/em/types.js';
import { expectClose } from '../helpers/assertions.js';
import { mixtureOfType, punchMissing, sampleBatch } from '../helpers/fixtures.js';
import { naiveMeanLogLikelihood } from '../helpers/naive-gmm.js';

describe('meanLogLikelihood', () => {
  for (const covarianceType of COVARIANCE_TYPES) {
    it(`${covarianceType}: equals the naive mean log density (with missing coordinates)`, () => {
      const params = mixtureOfType(3, 4, covarianceType, 1600, 1.5);
      const n = 120;
      const data = punchMissing(sampleBatch(params, n, 1601).data, n, 4, 0.25, 1602);
      expectClose(meanLogLikelihood(params, pointBatch(data, 4)), naiveMeanLogLikelihood(params, data, n), { atol: 1e-11 }, 'mean log p');
    });
  }

  it('is exact across its internal chunks (n > 2·8192)', () => {
    const params = mixtureOfType(2, 1, 'diag', 1603, 1);
    const n = 2 * 8192 + 17;
    const data = sampleBatch(params, n, 1604).data;
    data[n - 1] = 40; // an outlier in the last, short chunk
    expectClose(meanLogLikelihood(params, pointBatch(data, 1)), naiveMeanLogLikelihood(params, data, n), { atol: 1e-11 }, 'mean log p');
  });

  it('a better-fitting model scores higher', () => {
    const params = mixtureOfType(2, 2, 'full', 1605, 3);
    const batch = sampleBatch(params, 200, 1606);
    const shifted = { ...params, means: params.means.map((v) => v + 2) };
    expect(meanLogLikelihood(params, batch)).toBeGreaterThan(meanLogLikelihood(shifted, batch));
  });
});
