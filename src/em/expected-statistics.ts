import type { EStepResult } from './e-step.js';
import type { ConditionalFactors, MissingPattern } from './missing-patterns.js';
import { zeroStats } from './sufficient-stats.js';
import type { CovarianceType, PointBatch, SufficientStats } from './types.js';

/**
 * Responsibilities this small contribute nothing measurable (their total is below
 * 1e-14 of the batch mass) and skipping them saves most of the work when
 * components are well separated.
 */
const NEGLIGIBLE_RESPONSIBILITY = 1e-14;

/**
 * ŝ = (1/|B|) Σ_{x∈B} (γ_k, γ_k (x-c), γ_k (x-c)(x-c)ᵀ) about the reference c.
 * Rows with missing coordinates contribute their conditional expectations:
 * x̂ = (x_o, μ_m + B(x_o - μ_o)) and E[xxᵀ] = x̂x̂ᵀ + C on the missing block.
 */
export function expectedStatistics(
  batch: PointBatch,
  e: EStepResult,
  means: Float64Array,
  reference: Float64Array,
  covarianceType: CovarianceType,
): SufficientStats {
  const stats = zeroStats(e.k, batch.dim, covarianceType, reference);
  accumulateComplete(batch, e, reference, stats);
  e.partition.patterns.forEach((pattern, idx) =>
    accumulateMissing(batch, e, means, pattern, e.conditionals[idx], reference, stats),
  );
  finish(stats, batch.n);
  return stats;
}

function accumulateComplete(batch: PointBatch, e: EStepResult, ref: Float64Array, stats: SufficientStats): void {
  const { dim: d, data } = batch;
  const { k: K, resp } = e;
  const rows = e.partition.completeRows;
  const nRows = rows ? rows.length : batch.n;
  const { s0, s1, s2, covarianceType } = stats;
  const dd = d * d;
  const xc = new Float64Array(d);
  for (let r = 0; r < nRows; r++) {
    const i = rows ? rows[r] : r;
    let sq = 0;
    for (let j = 0; j < d; j++) {
      const v = data[i * d + j] - ref[j];
      xc[j] = v;
      sq += v * v;
    }
    for (let c = 0; c < K; c++) {
      const g = resp[i * K + c];
      if (g < NEGLIGIBLE_RESPONSIBILITY) continue;
      s0[c] += g;
      const o1 = c * d;
      for (let j = 0; j < d; j++) s1[o1 + j] += g * xc[j];
      if (covarianceType === 'full') {
        const o2 = c * dd;
        for (let a = 0; a < d; a++) {
          const ga = g * xc[a];
          const ro = o2 + a * d;
          for (let b = a; b < d; b++) s2[ro + b] += ga * xc[b];
        }
      } else if (covarianceType === 'diag') {
        for (let j = 0; j < d; j++) s2[o1 + j] += g * xc[j] * xc[j];
      } else {
        s2[c] += g * sq;
      }
    }
  }
}

function accumulateMissing(
  batch: PointBatch,
  e: EStepResult,
  means: Float64Array,
  pattern: MissingPattern,
  cf: ConditionalFactors,
  ref: Float64Array,
  stats: SufficientStats,
): void {
  const { dim: d, data } = batch;
  const { k: K, resp } = e;
  const { observed, missing, regression: B, conditionalCovariance: C } = cf;
  const p = observed.length;
  const q = missing.length;
  const { s0, s1, s2, covarianceType } = stats;
  const dd = d * d;
  const xc = new Float64Array(d);
  const obsDiff = new Float64Array(p);
  for (const i of pattern.rows) {
    // The observed coordinates about the reference are the same for every component.
    for (let a = 0; a < p; a++) {
      const j = observed[a];
      xc[j] = data[i * d + j] - ref[j];
    }
    for (let c = 0; c < K; c++) {
      const g = resp[i * K + c];
      if (g < NEGLIGIBLE_RESPONSIBILITY) continue;
      const mo = c * d;
      for (let a = 0; a < p; a++) {
        const j = observed[a];
        obsDiff[a] = data[i * d + j] - means[mo + j];
      }
      const bo = c * q * p;
      for (let a = 0; a < q; a++) {
        let s = means[mo + missing[a]];
        for (let b = 0; b < p; b++) s += B[bo + a * p + b] * obsDiff[b];
        xc[missing[a]] = s - ref[missing[a]];
      }
      s0[c] += g;
      for (let j = 0; j < d; j++) s1[mo + j] += g * xc[j];
      const co = c * q * q;
      if (covarianceType === 'full') {
        const o2 = c * dd;
        for (let a = 0; a < d; a++) {
          const ga = g * xc[a];
          for (let b = a; b < d; b++) s2[o2 + a * d + b] += ga * xc[b];
        }
        for (let a = 0; a < q; a++) {
          for (let b = 0; b < q; b++) {
            const ja = missing[a];
            const jb = missing[b];
            if (jb >= ja) s2[o2 + ja * d + jb] += g * C[co + a * q + b];
          }
        }
      } else if (covarianceType === 'diag') {
        for (let j = 0; j < d; j++) s2[mo + j] += g * xc[j] * xc[j];
        for (let a = 0; a < q; a++) s2[mo + missing[a]] += g * C[co + a * q + a];
      } else {
        let sq = 0;
        for (let j = 0; j < d; j++) sq += xc[j] * xc[j];
        for (let a = 0; a < q; a++) sq += C[co + a * q + a];
        s2[c] += g * sq;
      }
    }
  }
}

/** Divide by the batch size and mirror the accumulated upper triangles. */
function finish(stats: SufficientStats, n: number): void {
  const inv = n > 0 ? 1 / n : 0;
  const { s0, s1, s2, dim: d, k: K } = stats;
  for (const arr of [s0, s1, s2]) for (let i = 0; i < arr.length; i++) arr[i] *= inv;
  if (stats.covarianceType !== 'full') return;
  for (let c = 0; c < K; c++) {
    const o = c * d * d;
    for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) s2[o + a * d + b] = s2[o + b * d + a];
  }
}
