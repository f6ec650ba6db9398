import { COVARIANCE_MODELS } from '../covariance/covariance-models.js';
import type { CovarianceType } from '../types.js';

/** Free parameters of a K-component mixture: K-1 weights, K·d means and the covariances of the type. */
export function freeParameters(k: number, d: number, covarianceType: CovarianceType): number {
  return k - 1 + k * d + COVARIANCE_MODELS[covarianceType].parameterCount(k, d);
}

/** BIC = -2 n ℓ̄ + p ln n for a mean log-likelihood ℓ̄ per point over n points (lower is better), as scikit-learn's `bic`. */
export function bic(meanLogLikelihood: number, n: number, parameters: number): number {
  return -2 * n * meanLogLikelihood + parameters * Math.log(n);
}
