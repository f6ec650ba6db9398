import { COVARIANCE_MODELS } from './covariance/covariance-models.js';
import type { MixtureParams, SufficientStats } from './types.js';

export interface MStepResult {
  readonly params: MixtureParams;
  /** Components whose covariance needed jitter beyond reg_covar to stay positive definite. */
  readonly jitterEvents: number;
  /** The Cholesky factor of each full covariance, computed here anyway; reused by the E-step. */
  readonly choleskyFactors: readonly Float64Array[] | null;
}

/** π, μ and m = μ - c of the M-step: the part every covariance type shares. */
export interface MeanParameters {
  readonly weights: Float64Array;
  readonly means: Float64Array;
  /** K×d: m_k = S1_k/S0_k, the means about the reference. */
  readonly centred: Float64Array;
}

/**
 * Closed-form M-step θ̄(s) about the reference c:
 * π_k = S0_k / Σ_j S0_j, μ_k = c + S1_k/S0_k, Σ_k = S2_k/S0_k - m_k m_kᵀ + λI (m_k = S1_k/S0_k).
 * Every S0_k must be positive: dead components are re-seeded before this runs.
 */
export function mStep(stats: SufficientStats, regCovar: number): MStepResult {
  const { k: K, dim: d, covarianceType } = stats;
  const { weights, means, centred } = meanParameters(stats);
  const covariances = new Float64Array(K * d * d);
  const { jitterEvents, choleskyFactors } = COVARIANCE_MODELS[covarianceType].estimateCovariances(
    stats,
    centred,
    means,
    regCovar,
    covariances,
  );
  return {
    params: { k: K, dim: d, covarianceType, weights, means, covariances },
    jitterEvents,
    choleskyFactors,
  };
}

/** π_k = S0_k / Σ_j S0_j, m_k = S1_k/S0_k, μ_k = c + m_k; throws when a component has no mass. */
export function meanParameters(stats: SufficientStats): MeanParameters {
  const { k: K, dim: d, reference: ref, s0, s1 } = stats;
  let total = 0;
  for (let c = 0; c < K; c++) {
    if (!(s0[c] > 0) || !Number.isFinite(s0[c])) throw new Error(`component ${c} has no mass; re-seed it before the M-step`);
    total += s0[c];
  }
  const weights = new Float64Array(K);
  const means = new Float64Array(K * d);
  const centred = new Float64Array(K * d);
  for (let c = 0; c < K; c++) {
    const w = s0[c];
    weights[c] = w / total;
    for (let j = 0; j < d; j++) {
      centred[c * d + j] = s1[c * d + j] / w;
      means[c * d + j] = ref[j] + centred[c * d + j];
    }
  }
  return { weights, means, centred };
}
