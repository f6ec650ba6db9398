import { factorWithJitter, invertLowerTriangularInto, logDetFromCholesky, type RepairedFactor } from '../cholesky.js';
import type { PrecisionFactors } from './covariance-model.js';

/**
 * The M-step of one full covariance: Σ_c = S2_c/S0_c - m_c m_cᵀ + λI (m_c = S1_c/S0_c at c·d
 * in `centred`, w = S0_c), written whole into the d×d block c of `covariances`, and its
 * Cholesky factor (jitter added to that block in place where the factor fails; throws when
 * it cannot be made positive definite). It reads and writes component c alone, so the
 * components may be computed in any order, on any thread, with the same bits.
 */
export function estimateFullCovariance(
  s2: Float64Array,
  w: number,
  centred: Float64Array,
  c: number,
  d: number,
  regCovar: number,
  covariances: Float64Array,
): RepairedFactor {
  const o = c * d * d;
  const mo = c * d;
  for (let a = 0; a < d; a++) {
    for (let b = 0; b <= a; b++) {
      const v = s2[o + a * d + b] / w - centred[mo + a] * centred[mo + b];
      covariances[o + a * d + b] = v;
      covariances[o + b * d + a] = v;
    }
    // Cancellation can leave a variance slightly negative before λ is added.
    covariances[o + a * d + a] = Math.max(covariances[o + a * d + a], 0) + regCovar;
  }
  return factorWithJitter(covariances, d, o);
}

/** E-step factors of component c from Σ_c = L Lᵀ: P_c = L⁻¹ (block c), its diagonal, log|Σ_c| = 2 Σ log L_ii. */
export function fullPrecision(lower: Float64Array, c: number, d: number, out: PrecisionFactors): void {
  const { precisionCholesky, precisionDiagonal, logDet } = out;
  const po = c * d * d;
  invertLowerTriangularInto(lower, d, precisionCholesky, po);
  logDet[c] = logDetFromCholesky(lower, d);
  for (let j = 0; j < d; j++) precisionDiagonal[c * d + j] = precisionCholesky[po + j * d + j];
}
