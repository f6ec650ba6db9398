import { describe, expect, it } from 'vitest';
import { componentFactors } from '../../src/em/component-factors.js';
import { conditionalFactors, partitionByMissingPattern } from '../../src/em/missing-patterns.js';
import { pointBatch } from '../../src/em/point-batch.js';
import { COVARIANCE_TYPES } from '../../src/em/types.js';
import { expectArrayClose, expectClose } from '../helpers/assertions.js';
import { mixtureOfType } from '../helpers/fixtures.js';
import { fromFlat, gaussInverse, logAbsDeterminant, matMul, submatrix, toFlat, transpose } from '../helpers/linear-algebra.js';
import { componentCovariance, naiveConditional } from '../helpers/naive-gmm.js';

describe('partitionByMissingPattern', () => {
  it('groups rows by their exact set of missing coordinates, in first-seen order', () => {
    const N = NaN;
    // prettier-ignore
    const data = Float64Array.from([
      1, 2, 3,   // 0 complete
      N, 2, 3,   // 1 missing {0}
      1, N, N,   // 2 missing {1,2}
      4, 5, 6,   // 3 complete
      N, 7, 8,   // 4 missing {0}
      9, N, N,   // 5 missing {1,2}
      1, 2, N,   // 6 missing {2}
    ]);
    const p = partitionByMissingPattern(pointBatch(data, 3));
    expect(Array.from(p.completeRows!)).toEqual([0, 3]);
    expect(p.patterns.map((g) => ({ missing: Array.from(g.missing), observed: Array.from(g.observed), rows: Array.from(g.rows) }))).toEqual([
      { missing: [0], observed: [1, 2], rows: [1, 4] },
      { missing: [1, 2], observed: [0], rows: [2, 5] },
      { missing: [2], observed: [0, 1], rows: [6] },
    ]);
  });

  it('every row lands in exactly one group, and each group really has that pattern (random data)', () => {
    const n = 200;
    const d = 4;
    const data = new Float64Array(n * d);
    let state = 12345;
    for (let i = 0; i < data.length; i++) {
      state = (state * 1103515245 + 12345) >>> 0;
      data[i] = state % 3 === 0 ? NaN : i;
    }
    for (let i = 0; i < n; i++) data[i * d + (i % d)] = 1; // never all missing
    const p = partitionByMissingPattern(pointBatch(data, d));
    const seen = new Array<number>(n).fill(0);
    for (const i of p.completeRows!) {
      seen[i]++;
      for (let j = 0; j < d; j++) expect(Number.isNaN(data[i * d + j])).toBe(false);
    }
    const keys = new Set<string>();
    for (const g of p.patterns) {
      const key = Array.from(g.missing).join(',');
      expect(keys.has(key)).toBe(false);
      keys.add(key);
      expect(g.observed.length + g.missing.length).toBe(d);
      for (const i of g.rows) {
        seen[i]++;
        for (let j = 0; j < d; j++) expect(Number.isNaN(data[i * d + j])).toBe(g.missing.includes(j));
      }
    }
    expect(seen.every((s) => s === 1)).toBe(true);
  });

  it('takes the fast path (no partition) when the batch has no missing rows', () => {
    const p = partitionByMissingPattern(pointBatch(Float64Array.from([1, 2, 3, 4]), 2));
    expect(p.completeRows).toBeNull();
    expect(p.patterns).toEqual([]);
  });
});

describe('conditionalFactors against brute-force Gaussian conditioning', () => {
  const cases: { d: number; missing: number[] }[] = [
    { d: 2, missing: [1] },
    { d: 2, missing: [0] },
    { d: 5, missing: [0, 3] },
    { d: 5, missing: [1, 2, 4] },
    { d: 5, missing: [0, 1, 2, 3] },
    { d: 8, missing: [2, 5, 6] },
  ];
  for (const covarianceType of COVARIANCE_TYPES) {
    for (const { d, missing } of cases) {
      it(`${covarianceType}, d = ${d}, missing {${missing.join(',')}}`, () => {
        const params = mixtureOfType(3, d, covarianceType, 500 + d + missing.length);
        const observed = [...Array(d).keys()].filter((j) => !missing.includes(j));
        const f = componentFactors(params);
        const cf = conditionalFactors(f, {
          observed: Int32Array.from(observed),
          missing: Int32Array.from(missing),
          rows: Int32Array.from([0]),
        });
        const p = observed.length;
        const q = missing.length;
        for (let c = 0; c < 3; c++) {
          const cov = componentCovariance(params, c);
          const { B, C } = naiveConditional(cov, observed, missing);
          expectArrayClose(cf.regression.subarray(c * q * p, (c + 1) * q * p), toFlat(B), { atol: 1e-12, rtol: 1e-10 }, `B[${c}]`);
          expectArrayClose(cf.conditionalCovariance.subarray(c * q * q, (c + 1) * q * q), toFlat(C), { atol: 1e-12, rtol: 1e-10 }, `C[${c}]`);
          // The marginal's precision Cholesky and normaliser.
          const soo = submatrix(cov, observed, observed);
          const P = fromFlat(cf.precisionCholesky, p, c * p * p);
          expectArrayClose(toFlat(matMul(transpose(P), P)), toFlat(gaussInverse(soo)), { atol: 1e-12, rtol: 1e-10 }, `PᵀP[${c}]`);
          expectClose(cf.logNorm[c], -0.5 * (p * Math.log(2 * Math.PI) + logAbsDeterminant(soo).logAbs), { atol: 1e-12 }, 'logNorm');
          if (covarianceType === 'diag' || covarianceType === 'spherical') {
            // Diagonal Σ: nothing to regress on.
            expect(Array.from(cf.regression.subarray(c * q * p, (c + 1) * q * p)).every((v) => v === 0)).toBe(true);
          }
        }
      });
    }
  }
});
