import { determinant as mlDeterminant, inverse as mlInverse, Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { componentFactors, LOG_2PI, NotPositiveDefiniteError } from '../../src/em/component-factors.js';
import { COVARIANCE_TYPES } from '../../src/em/types.js';
import { expectArrayClose, expectClose } from '../helpers/assertions.js';
import { mixtureOfType } from '../helpers/fixtures.js';
import { fromFlat, gaussInverse, logAbsDeterminant, matMul, toFlat, transpose } from '../helpers/linear-algebra.js';
import { componentCovariance } from '../helpers/naive-gmm.js';

describe('the naive reference helpers agree with ml-matrix', () => {
  it('Gauss–Jordan inverse and LU determinant match ml-matrix inverse/determinant', () => {
    const params = mixtureOfType(2, 5, 'full', 3);
    for (let c = 0; c < 2; c++) {
      const cov = componentCovariance(params, c);
      const ml = new Matrix(cov);
      expectArrayClose(toFlat(gaussInverse(cov)), Float64Array.from(mlInverse(ml).to1DArray()), { atol: 1e-12, rtol: 1e-10 }, 'inverse');
      expectClose(logAbsDeterminant(cov).logAbs, Math.log(mlDeterminant(ml)), { atol: 1e-12 }, 'log det');
    }
  });
});

describe('componentFactors', () => {
  for (const covarianceType of COVARIANCE_TYPES) {
    for (const d of [1, 2, 5, 16]) {
      it(`${covarianceType}, d = ${d}: PᵀP = Σ⁻¹, logNorm = -½(d log 2π + log|Σ|), logWeights = log π`, () => {
        const params = mixtureOfType(3, d, covarianceType, 40 + d);
        const f = componentFactors(params);
        for (let c = 0; c < 3; c++) {
          const cov = componentCovariance(params, c);
          const p = fromFlat(f.precisionCholesky, d, c * d * d);
          // P lower-triangular.
          for (let a = 0; a < d; a++) for (let b = a + 1; b < d; b++) expect(p[a][b]).toBe(0);
          expectArrayClose(toFlat(matMul(transpose(p), p)), toFlat(gaussInverse(cov)), { atol: 1e-10, rtol: 1e-9 }, 'PᵀP');
          expectClose(f.logNorm[c], -0.5 * (d * Math.log(2 * Math.PI) + logAbsDeterminant(cov).logAbs), { atol: 1e-11 }, 'logNorm');
          expectClose(f.logWeights[c], Math.log(params.weights[c]), { atol: 1e-15 }, 'log π');
          for (let j = 0; j < d; j++) expect(f.precisionDiagonal[c * d + j]).toBe(p[j][j]);
        }
      });
    }
  }

  it('LOG_2PI is log 2π', () => {
    expectClose(LOG_2PI, 1.8378770664093453, { atol: 1e-15 });
  });

  it('throws NotPositiveDefiniteError naming the component for a bad covariance (tied: the shared one, 0)', () => {
    for (const covarianceType of COVARIANCE_TYPES) {
      const params = mixtureOfType(2, 2, covarianceType, 5);
      const covariances = params.covariances.slice();
      // Tied: one matrix, held by every component, so both copies are bad.
      for (const c of covarianceType === 'tied' ? [0, 1] : [1]) {
        covariances[4 * c] = -1; // [0][0]
        covariances[4 * c + 3] = -1; // [1][1]
      }
      let caught: unknown;
      try {
        componentFactors({ ...params, covariances });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(NotPositiveDefiniteError);
      expect((caught as NotPositiveDefiniteError).component).toBe(covarianceType === 'tied' ? 0 : 1);
    }
  });
});
