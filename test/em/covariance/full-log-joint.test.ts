import { describe, expect, it } from 'vitest';
import { componentFactors } from '../../../src/em/component-factors.js';
import { FULL } from '../../../src/em/covariance/full.js';
import { randomMixture, sampleMixture } from '../../../src/synthetic/mixture-generator.js';
import { gaussianCloud } from '../../helpers/fixtures.js';
import { naiveLogJoint, rowOf } from '../../helpers/naive-gmm.js';

/**
 * The full-covariance kernel takes rows in pairs: each row must get the bits it gets alone
 * (a call of one row), whatever its partner, with the early stop on negligible components
 * reached by one row of a pair and not the other; and the values of direct computation.
 */
describe('FULL.logJoint', () => {
  it.each([
    [5, 4, 201],
    [16, 8, 200],
    [3, 6, 7],
  ])('d = %i, K = %i, %i rows: each row as it is alone, pairs of near and far points alike', (d, k, n) => {
    const mixture = randomMixture({ k, dim: d, seed: d + k });
    const f = componentFactors(mixture);
    const constant = Float64Array.from({ length: k }, (_, c) => f.logWeights[c] + f.logNorm[c]);
    // Half the rows far out (most components negligible, the early stop at work), interleaved with near ones.
    const near = sampleMixture(mixture, n, 3).data;
    const far = gaussianCloud(n, d, 4, 1, 40);
    const data = near.map((v, i) => (Math.floor(i / d) % 3 === 1 ? far[i] : v));
    const together = new Float64Array(n * k);
    FULL.logJoint(f, constant, data, null, n, together);
    const alone = new Float64Array(n * k);
    for (let i = 0; i < n; i++) FULL.logJoint(f, constant, data, Int32Array.of(i), 1, alone);
    expect(together).toStrictEqual(alone);
    // Through a row list too (the missing-data partition passes one), odd and even.
    const rows = Int32Array.from({ length: n - 1 }, (_, i) => n - 1 - i);
    const listed = new Float64Array(n * k);
    FULL.logJoint(f, constant, data, rows, rows.length, listed);
    for (const i of rows) expect(listed.subarray(i * k, i * k + k)).toStrictEqual(alone.subarray(i * k, i * k + k));
    expect(together.some((v) => v === -Infinity)).toBe(true);
    // Against direct computation (the explicit inverse and determinant) where not negligible.
    for (let i = 0; i < n; i++) {
      const direct = naiveLogJoint(mixture, rowOf(data, d, i));
      for (let c = 0; c < k; c++) {
        const v = together[i * k + c];
        if (v !== -Infinity) expect(Math.abs(v - direct[c])).toBeLessThan(1e-9 * Math.max(1, Math.abs(direct[c])));
      }
    }
  });
});
