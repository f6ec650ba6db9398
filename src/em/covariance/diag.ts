import type { CovarianceModel } from './covariance-model.js';
import { DIAGONAL_MATRIX, writeDiagonalCovariances } from './diagonal-matrix.js';

/** Diagonal covariances: S2_k = E[γ_k (x-c)∘(x-c)], the diagonal of the full statistic. */
export const DIAG: CovarianceModel = {
  type: 'diag',
  statisticLength: (d) => d,
  parameterCount: (k, d) => k * d,
  iterationWork: (d) => 2 * d,
  accumulatePoint,
  accumulateConditional(s2, c, d, g, xc, missing, C, co) {
    accumulatePoint(s2, c, d, g, xc);
    const q = missing.length;
    for (let a = 0; a < q; a++) s2[c * d + missing[a]] += g * C[co + a * q + a];
  },
  symmetrise() {},
  accumulatedRanges: (k, d) => Int32Array.of(0, k * d),
  estimateCovariances(stats, centred, means, regCovar, covariances) {
    const { k, dim: d, s0, s2 } = stats;
    const jitterEvents = writeDiagonalCovariances(k, d, means, regCovar, covariances, (c, out) => {
      for (let j = 0; j < d; j++) out[j] = variance(s2, c, d, s0[c], centred[c * d + j], j);
    });
    return { jitterEvents, choleskyFactors: null };
  },
  ...DIAGONAL_MATRIX,
  covarianceFromStatistic(s2, c, d, w, mean) {
    const cov = new Float64Array(d * d);
    for (let j = 0; j < d; j++) cov[j * d + j] = variance(s2, c, d, w, mean[j], j);
    return cov;
  },
  writeStatistic(s2, c, d, w, mean, cov) {
    for (let j = 0; j < d; j++) s2[c * d + j] = w * (cov[j * d + j] + mean[j] * mean[j]);
  },
};

function accumulatePoint(s2: Float64Array, c: number, d: number, g: number, xc: Float64Array): void {
  const o = c * d;
  for (let j = 0; j < d; j++) s2[o + j] += g * xc[j] * xc[j];
}

/** σ²_kj = max(S2_kj/S0_k - m_j², 0): cancellation can leave it slightly negative. */
function variance(s2: Float64Array, c: number, d: number, w: number, m: number, j: number): number {
  return Math.max(s2[c * d + j] / w - m * m, 0);
}
