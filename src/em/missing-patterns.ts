import { LOG_2PI, type ComponentFactors } from './component-factors.js';
import { COVARIANCE_MODELS } from './covariance/covariance-models.js';
import type { PointBatch } from './types.js';

/** Rows of a batch that share one set of missing coordinates. */
export interface MissingPattern {
  readonly observed: Int32Array;
  readonly missing: Int32Array;
  readonly rows: Int32Array;
}

/** The rows of a batch split into complete rows and groups by missing pattern. */
export interface RowPartition {
  /** null when every row is complete (the fast path iterates 0..n-1). */
  readonly completeRows: Int32Array | null;
  readonly patterns: readonly MissingPattern[];
}

export function partitionByMissingPattern(batch: PointBatch): RowPartition {
  if (batch.rowsWithMissing === 0) return { completeRows: null, patterns: [] };
  const { n, dim: d, data } = batch;
  const complete: number[] = [];
  const groups = new Map<string, { missing: number[]; rows: number[] }>();
  const missing: number[] = [];
  for (let i = 0; i < n; i++) {
    missing.length = 0;
    for (let j = 0; j < d; j++) if (Number.isNaN(data[i * d + j])) missing.push(j);
    if (missing.length === 0) {
      complete.push(i);
      continue;
    }
    const key = missing.join(',');
    let group = groups.get(key);
    if (!group) {
      group = { missing: missing.slice(), rows: [] };
      groups.set(key, group);
    }
    group.rows.push(i);
  }
  const patterns: MissingPattern[] = [];
  for (const group of groups.values()) {
    const isMissing = new Uint8Array(d);
    for (const j of group.missing) isMissing[j] = 1;
    const observed: number[] = [];
    for (let j = 0; j < d; j++) if (!isMissing[j]) observed.push(j);
    patterns.push({
      observed: Int32Array.from(observed),
      missing: Int32Array.from(group.missing),
      rows: Int32Array.from(group.rows),
    });
  }
  return { completeRows: Int32Array.from(complete), patterns };
}

/**
 * Per component, what the E-step needs for one missing pattern (o observed, m missing):
 * the marginal N(x_o; μ_o, Σ_oo) through the precision Cholesky of Σ_oo, the regression
 * B = Σ_mo Σ_oo⁻¹ giving x̂_m = μ_m + B (x_o - μ_o), and the conditional covariance
 * C = Σ_mm - B Σ_om that E[x xᵀ] adds on the missing block.
 */
export interface ConditionalFactors {
  readonly observed: Int32Array;
  readonly missing: Int32Array;
  /** K×p×p lower-triangular precision Cholesky of Σ_oo. */
  readonly precisionCholesky: Float64Array;
  readonly logNorm: Float64Array;
  /** K×q×p. */
  readonly regression: Float64Array;
  /** K×q×q. */
  readonly conditionalCovariance: Float64Array;
}

export function conditionalFactors(f: ComponentFactors, pattern: MissingPattern): ConditionalFactors {
  const { k, dim: d } = f;
  const { observed, missing } = pattern;
  const p = observed.length;
  const q = missing.length;
  const precisionCholesky = new Float64Array(k * p * p);
  const logDet = new Float64Array(k);
  const regression = new Float64Array(k * q * p);
  const conditionalCovariance = new Float64Array(k * q * q);
  COVARIANCE_MODELS[f.covarianceType].conditional(f.covariances, k, d, observed, missing, {
    precisionCholesky,
    logDet,
    regression,
    conditionalCovariance,
  });
  const logNorm = new Float64Array(k);
  for (let c = 0; c < k; c++) logNorm[c] = -0.5 * (p * LOG_2PI + logDet[c]);
  return { observed, missing, precisionCholesky, logNorm, regression, conditionalCovariance };
}
