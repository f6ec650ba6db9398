/** Seeded test data: mixtures of each covariance type, samples, and missing coordinates. */
import { expectedStatistics } from '../../src/em/expected-statistics.js';
import { observedColumnMeans, pointBatch } from '../../src/em/point-batch.js';
import { SeededRandom } from '../../src/em/random.js';
import type { CovarianceType, MixtureParams, PointBatch, SufficientStats } from '../../src/em/types.js';
import { randomMixture, sampleMixture } from '../../src/synthetic/mixture-generator.js';

/**
 * The same mixture with its covariances restricted to the type: diag keeps the diagonal,
 * spherical its mean, tied gives every component the weighted mean Σ_k π_k Σ_k.
 */
export function restrictCovariance(params: MixtureParams, covarianceType: CovarianceType): MixtureParams {
  if (covarianceType === 'full') return { ...params, covarianceType };
  const { k, dim: d } = params;
  const covariances = new Float64Array(k * d * d);
  if (covarianceType === 'tied') {
    const dd = d * d;
    const shared = new Float64Array(dd);
    for (let c = 0; c < k; c++) for (let i = 0; i < dd; i++) shared[i] += params.weights[c] * params.covariances[c * dd + i];
    for (let c = 0; c < k; c++) covariances.set(shared, c * dd);
    return { ...params, covarianceType, covariances };
  }
  for (let c = 0; c < k; c++) {
    const o = c * d * d;
    let tr = 0;
    for (let j = 0; j < d; j++) tr += params.covariances[o + j * d + j];
    for (let j = 0; j < d; j++) {
      covariances[o + j * d + j] = covarianceType === 'diag' ? params.covariances[o + j * d + j] : tr / d;
    }
  }
  return { ...params, covarianceType, covariances };
}

export function mixtureOfType(k: number, dim: number, covarianceType: CovarianceType, seed: number, separation = 3): MixtureParams {
  return restrictCovariance(randomMixture({ k, dim, seed, separation }), covarianceType);
}

/** n points drawn from `params` (sampled from its full covariances). */
export function sampleBatch(params: MixtureParams, n: number, seed: number): PointBatch {
  return pointBatch(sampleMixture({ ...params, covarianceType: 'full' }, n, seed).data, params.dim);
}

/** A copy of n×d `data` with each coordinate missing (NaN) with probability `fraction`; every row keeps one observed. */
export function punchMissing(data: Float64Array, n: number, d: number, fraction: number, seed: number): Float64Array {
  const rng = new SeededRandom(seed);
  const out = data.slice(0, n * d);
  for (let i = 0; i < n; i++) {
    const keep = rng.int(d);
    for (let j = 0; j < d; j++) if (j !== keep && rng.uniform() < fraction) out[i * d + j] = NaN;
  }
  return out;
}

/** n×d standard normal values scaled by `scale` and shifted by `offset`. */
export function gaussianCloud(n: number, d: number, seed: number, scale = 1, offset = 0): Float64Array {
  const rng = new SeededRandom(seed);
  const out = new Float64Array(n * d);
  for (let i = 0; i < out.length; i++) out[i] = offset + scale * rng.normal();
  return out;
}

/** n points in 3-d on the line (1, 2, 3) + t·(1, -2, 0.5), t standard normal: rank-1 scatter. */
export function collinearPoints(n: number, seed: number): Float64Array {
  const rng = new SeededRandom(seed);
  const out = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) {
    const t = rng.normal();
    out.set([1 + t, 2 - 2 * t, 3 + 0.5 * t], i * 3);
  }
  return out;
}

/** Rows as plain arrays (the shape ingestRows takes). */
export function toRows(data: Float64Array, d: number): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < data.length / d; i++) rows.push(Array.from(data.subarray(i * d, (i + 1) * d)));
  return rows;
}

/**
 * n points of a K-component full mixture (seeded) whose component 0 lies on a plane through
 * its mean, moved 40 along every axis: its covariance is singular (rank 2), so with reg_covar
 * 0 its Cholesky factor needs jitter, and it is far enough that no other point is given to
 * it. `labels` says which component drew each point.
 */
export function mixtureWithFlatComponent(k: number, d: number, n: number, seed: number): { params: MixtureParams; data: Float64Array; labels: Int32Array } {
  const params = mixtureOfType(k, d, 'full', seed);
  const { data, labels } = sampleMixture(params, n, seed + 1);
  const m = params.means;
  for (let i = 0; i < n; i++) {
    if (labels[i] !== 0) continue;
    const u = data[i * d] - m[0];
    const v = data[i * d + 1] - m[1];
    for (let j = 2; j < d; j++) data[i * d + j] = m[j] + (j % 3) * u - 0.5 * (j % 2) * v;
    for (let j = 0; j < d; j++) data[i * d + j] += 40;
  }
  return { params, data, labels };
}

/** Full-covariance statistics of complete n×d rows, each wholly in the component `labels` gives (about the column means). */
export function labelledFullStats(data: Float64Array, labels: Int32Array, k: number, d: number): SufficientStats {
  const n = labels.length;
  const batch = pointBatch(data, d, n);
  const resp = new Float64Array(n * k);
  for (let i = 0; i < n; i++) resp[i * k + labels[i]] = 1;
  const e = { n, k, resp, logLik: new Float64Array(n), partition: { completeRows: null, patterns: [] }, conditionals: [] };
  return expectedStatistics(batch, e, new Float64Array(k * d), observedColumnMeans(batch), 'full');
}
