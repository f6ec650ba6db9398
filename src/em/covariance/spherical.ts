import type { CovarianceModel } from './covariance-model.js';
import { DIAGONAL_MATRIX, writeDiagonalCovariances } from './diagonal-matrix.js';

/** Spherical covariances σ_k² I: S2_k = E[γ_k ‖x-c‖²], the trace of the full statistic. */
export const SPHERICAL: CovarianceModel = {
  type: 'spherical',
  statisticLength: () => 1,
  parameterCount: (k) => k,
  iterationWork: (d) => 2 * d,
  accumulatePoint(s2, c, _d, g, _xc, sq) {
    s2[c] += g * sq;
  },
  accumulateConditional(s2, c, d, g, xc, missing, C, co) {
    // E‖x-c‖² = ‖x̂-c‖² + tr C.
    const q = missing.length;
    let sq = 0;
    for (let j = 0; j < d; j++) sq += xc[j] * xc[j];
    for (let a = 0; a < q; a++) sq += C[co + a * q + a];
    s2[c] += g * sq;
  },
  symmetrise() {},
  accumulatedRanges: (k) => Int32Array.of(0, k),
  estimateCovariances(stats, centred, means, regCovar, covariances) {
    const { k, dim: d, s0, s2 } = stats;
    const jitterEvents = writeDiagonalCovariances(k, d, means, regCovar, covariances, (c, out) =>
      out.fill(variance(s2, c, d, s0[c], centred, c * d)),
    );
    return { jitterEvents, choleskyFactors: null };
  },
  ...DIAGONAL_MATRIX,
  covarianceFromStatistic(s2, c, d, w, mean) {
    const cov = new Float64Array(d * d);
    const v = variance(s2, c, d, w, mean, 0);
    for (let j = 0; j < d; j++) cov[j * d + j] = v;
    return cov;
  },
  writeStatistic(s2, c, d, w, mean, cov) {
    let total = 0;
    for (let j = 0; j < d; j++) total += cov[j * d + j] + mean[j] * mean[j];
    s2[c] = w * total;
  },
};

/** σ_k² = max(S2_k/S0_k - ‖m‖², 0)/d, m = S1_k/S0_k at `mo` in `m`. */
function variance(s2: Float64Array, c: number, d: number, w: number, m: Float64Array, mo: number): number {
  let sq = 0;
  for (let j = 0; j < d; j++) sq += m[mo + j] * m[mo + j];
  return Math.max(s2[c] / w - sq, 0) / d;
}
