import { choleskyLower, invertLowerTriangular, logDetFromCholesky } from './cholesky.js';
import type { CovarianceType, MixtureParams } from './types.js';

export const LOG_2PI = Math.log(2 * Math.PI);

/**
 * What the E-step needs of each component, computed once per M-step:
 * log π_k, μ_k, the precision Cholesky P_k = L_k⁻¹ (Σ_k = L_k L_kᵀ) and the
 * log normaliser -½(d log 2π + log|Σ_k|), so that
 * log π_k N(x; μ_k, Σ_k) = logWeight_k + logNorm_k - ½‖P_k (x - μ_k)‖².
 */
export interface ComponentFactors {
  readonly k: number;
  readonly dim: number;
  readonly covarianceType: CovarianceType;
  readonly logWeights: Float64Array;
  readonly means: Float64Array;
  /** K×d×d lower-triangular P_k (full); for diag/spherical only the diagonal 1/σ is set. */
  readonly precisionCholesky: Float64Array;
  /** K×d: 1/σ_kj, the diagonal of P_k (used by the diag/spherical kernel). */
  readonly precisionDiagonal: Float64Array;
  readonly logNorm: Float64Array;
  /** The covariances themselves, needed to condition on observed coordinates. */
  readonly covariances: Float64Array;
}

export class NotPositiveDefiniteError extends Error {
  constructor(readonly component: number) {
    super(`covariance of component ${component} is not positive definite`);
    this.name = 'NotPositiveDefiniteError';
  }
}

/**
 * Precompute the E-step factors; throws NotPositiveDefiniteError on a bad covariance.
 * `choleskyFactors`, when the M-step already has them, saves factoring again.
 */
export function componentFactors(params: MixtureParams, choleskyFactors?: readonly Float64Array[] | null): ComponentFactors {
  const { k, dim: d, covarianceType } = params;
  const dd = d * d;
  const precisionCholesky = new Float64Array(k * dd);
  const precisionDiagonal = new Float64Array(k * d);
  const logNorm = new Float64Array(k);
  const logWeights = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    logWeights[c] = Math.log(params.weights[c]);
    let logDet: number;
    if (covarianceType === 'full') {
      const lower = choleskyFactors?.[c] ?? choleskyLower(params.covariances, d, c * dd);
      if (!lower) throw new NotPositiveDefiniteError(c);
      precisionCholesky.set(invertLowerTriangular(lower, d), c * dd);
      logDet = logDetFromCholesky(lower, d);
      for (let j = 0; j < d; j++) precisionDiagonal[c * d + j] = precisionCholesky[c * dd + j * d + j];
    } else {
      logDet = 0;
      for (let j = 0; j < d; j++) {
        const v = params.covariances[c * dd + j * d + j];
        if (!(v > 0) || !Number.isFinite(v)) throw new NotPositiveDefiniteError(c);
        const p = 1 / Math.sqrt(v);
        precisionDiagonal[c * d + j] = p;
        precisionCholesky[c * dd + j * d + j] = p;
        logDet += Math.log(v);
      }
    }
    logNorm[c] = -0.5 * (d * LOG_2PI + logDet);
  }
  return {
    k,
    dim: d,
    covarianceType,
    logWeights,
    means: params.means,
    precisionCholesky,
    precisionDiagonal,
    logNorm,
    covariances: params.covariances,
  };
}
