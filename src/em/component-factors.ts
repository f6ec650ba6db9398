import type { PrecisionFactors } from './covariance/covariance-model.js';
import { COVARIANCE_MODELS } from './covariance/covariance-models.js';
import type { CovarianceType, MixtureParams } from './types.js';

export { NotPositiveDefiniteError } from './errors.js';

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

/**
 * Precompute the E-step factors; throws NotPositiveDefiniteError on a bad covariance.
 * `choleskyFactors`, when the M-step already has them, saves factoring again.
 */
export function componentFactors(params: MixtureParams, choleskyFactors?: readonly Float64Array[] | null): ComponentFactors {
  const { k, dim: d, covarianceType } = params;
  const precision = { precisionCholesky: new Float64Array(k * d * d), precisionDiagonal: new Float64Array(k * d), logDet: new Float64Array(k) };
  COVARIANCE_MODELS[covarianceType].precision(params.covariances, k, d, choleskyFactors, precision);
  return factorsFromPrecision(params, precision);
}

/** The factors of `params` given its precisions (which they keep): log π_k and logNorm_k = -½(d log 2π + log|Σ_k|). */
export function factorsFromPrecision(params: MixtureParams, precision: PrecisionFactors): ComponentFactors {
  const { k, dim: d, covarianceType } = params;
  const logNorm = new Float64Array(k);
  const logWeights = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    logWeights[c] = Math.log(params.weights[c]);
    logNorm[c] = -0.5 * (d * LOG_2PI + precision.logDet[c]);
  }
  return {
    k,
    dim: d,
    covarianceType,
    logWeights,
    means: params.means,
    precisionCholesky: precision.precisionCholesky,
    precisionDiagonal: precision.precisionDiagonal,
    logNorm,
    covariances: params.covariances,
  };
}
