import type { EStepResult } from './e-step.js';
import { normaliseStatistics, partialStatistics } from './partial-statistics.js';
import type { CovarianceType, PointBatch, SufficientStats } from './types.js';

/**
 * ŝ = (1/|B|) Σ_{x∈B} (γ_k, γ_k (x-c), γ_k (x-c)(x-c)ᵀ) about the reference c:
 * the partial statistics of every row, normalised. Rows with missing coordinates
 * contribute their conditional expectations (see partialStatistics).
 */
export function expectedStatistics(
  batch: PointBatch,
  e: EStepResult,
  means: Float64Array,
  reference: Float64Array,
  covarianceType: CovarianceType,
): SufficientStats {
  return normaliseStatistics(partialStatistics(batch, e, means, reference, covarianceType));
}
