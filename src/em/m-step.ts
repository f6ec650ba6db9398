import { factorWithJitter } from './cholesky.js';
import type { MixtureParams, SufficientStats } from './types.js';

export interface MStepResult {
  readonly params: MixtureParams;
  /** Components whose covariance needed jitter beyond reg_covar to stay positive definite. */
  readonly jitterEvents: number;
  /** The Cholesky factor of each full covariance, computed here anyway; reused by the E-step. */
  readonly choleskyFactors: readonly Float64Array[] | null;
}

/**
 * Closed-form M-step θ̄(s) about the reference c:
 * π_k = S0_k / Σ_j S0_j, μ_k = c + S1_k/S0_k, Σ_k = S2_k/S0_k - m_k m_kᵀ + λI (m_k = S1_k/S0_k).
 * Every S0_k must be positive: dead components are re-seeded before this runs.
 */
export function mStep(stats: SufficientStats, regCovar: number): MStepResult {
  const { k: K, dim: d, covarianceType, reference: ref, s0, s1, s2 } = stats;
  const dd = d * d;
  let total = 0;
  for (let c = 0; c < K; c++) {
    if (!(s0[c] > 0) || !Number.isFinite(s0[c])) throw new Error(`component ${c} has no mass; re-seed it before the M-step`);
    total += s0[c];
  }
  const weights = new Float64Array(K);
  const means = new Float64Array(K * d);
  const covariances = new Float64Array(K * dd);
  const m = new Float64Array(d);
  let jitterEvents = 0;
  const choleskyFactors: Float64Array[] = [];
  for (let c = 0; c < K; c++) {
    const w = s0[c];
    weights[c] = w / total;
    for (let j = 0; j < d; j++) {
      m[j] = s1[c * d + j] / w;
      means[c * d + j] = ref[j] + m[j];
    }
    const o = c * dd;
    if (covarianceType === 'full') {
      for (let a = 0; a < d; a++) {
        for (let b = 0; b <= a; b++) {
          const v = s2[o + a * d + b] / w - m[a] * m[b];
          covariances[o + a * d + b] = v;
          covariances[o + b * d + a] = v;
        }
        // Cancellation can leave a variance slightly negative before λ is added.
        covariances[o + a * d + a] = Math.max(covariances[o + a * d + a], 0) + regCovar;
      }
      const factor = factorWithJitter(covariances, d, o);
      if (factor.jitter > 0) jitterEvents++;
      choleskyFactors.push(factor.lower);
      continue;
    }
    let jittered = false;
    let spherical = 0;
    if (covarianceType === 'spherical') {
      let sq = 0;
      for (let j = 0; j < d; j++) sq += m[j] * m[j];
      spherical = Math.max(s2[c] / w - sq, 0) / d;
    }
    for (let j = 0; j < d; j++) {
      const raw = covarianceType === 'diag' ? Math.max(s2[c * d + j] / w - m[j] * m[j], 0) : spherical;
      let v = raw + regCovar;
      if (!(v > 0)) {
        // λ = 0 and a zero variance: a jitter just above the rounding of x - μ (~1e-16·|μ|).
        v = (1e-12 * Math.max(1, Math.abs(means[c * d + j]))) ** 2;
        jittered = true;
      }
      covariances[o + j * d + j] = v;
    }
    if (jittered) jitterEvents++;
  }
  return {
    params: { k: K, dim: d, covarianceType, weights, means, covariances },
    jitterEvents,
    choleskyFactors: covarianceType === 'full' ? choleskyFactors : null,
  };
}
