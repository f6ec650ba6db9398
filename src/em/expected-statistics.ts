import type { EStepResult } from './e-step.js';
import { accumulateRows } from './partial-statistics.js';
import { zeroStats } from './sufficient-stats.js';
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
  // The sums of all rows (as partialStatistics adds them), scaled in place: the same bits, no copies.
  const stats = zeroStats(e.k, batch.dim, covarianceType, reference);
  accumulateRows(stats, batch, e, means, 0, batch.n);
  const inv = batch.n > 0 ? 1 / batch.n : 0;
  for (const a of [stats.s0, stats.s1, stats.s2]) for (let i = 0; i < a.length; i++) a[i] *= inv;
  return stats;
}
