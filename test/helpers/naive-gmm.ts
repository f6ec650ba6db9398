/**
 * Naive reference implementations of the Gaussian-mixture formulas (DESIGN.md §2),
 * written straight from the definitions with explicit inverses and determinants
 * (Gauss–Jordan / LU in ./linear-algebra.ts), never through src/em's Cholesky kernels.
 */
import type { CovarianceType, MixtureParams } from '../../src/em/types.js';
import {
  add,
  dot,
  fromFlat,
  gaussInverse,
  logAbsDeterminant,
  matMul,
  matVec,
  outer,
  submatrix,
  subtract,
  transpose,
  zeros,
  type Mat,
} from './linear-algebra.js';

export const LOG_2PI_NAIVE = Math.log(2 * Math.PI);

export function componentMean(params: MixtureParams, c: number): number[] {
  return Array.from(params.means.subarray(c * params.dim, (c + 1) * params.dim));
}

export function componentCovariance(params: MixtureParams, c: number): Mat {
  return fromFlat(params.covariances, params.dim, c * params.dim * params.dim);
}

/** log N(x; μ, Σ) = -½(d log 2π + log|Σ| + (x-μ)ᵀ Σ⁻¹ (x-μ)) with an explicit inverse and determinant. */
export function naiveLogGaussian(x: readonly number[], mean: readonly number[], cov: Mat): number {
  const d = x.length;
  const inv = gaussInverse(cov);
  const { logAbs, sign } = logAbsDeterminant(cov);
  if (sign <= 0) throw new Error('covariance is not positive definite');
  const diff = x.map((v, j) => v - mean[j]);
  const quad = dot(diff, matVec(inv, diff));
  return -0.5 * (d * LOG_2PI_NAIVE + logAbs + quad);
}

export function observedIndices(row: ArrayLike<number>): { observed: number[]; missing: number[] } {
  const observed: number[] = [];
  const missing: number[] = [];
  for (let j = 0; j < row.length; j++) (Number.isNaN(row[j]) ? missing : observed).push(j);
  return { observed, missing };
}

/** log π_k + log N(x_o; μ_o, Σ_oo) for every component, over the observed coordinates of x. */
export function naiveLogJoint(params: MixtureParams, row: ArrayLike<number>): number[] {
  const { observed } = observedIndices(row);
  const out: number[] = [];
  for (let c = 0; c < params.k; c++) {
    const mean = componentMean(params, c);
    const cov = componentCovariance(params, c);
    const xo = observed.map((j) => row[j]);
    const mo = observed.map((j) => mean[j]);
    const soo = submatrix(cov, observed, observed);
    out.push(Math.log(params.weights[c]) + naiveLogGaussian(xo, mo, soo));
  }
  return out;
}

export function logSumExp(values: readonly number[]): number {
  const max = Math.max(...values);
  if (max === -Infinity) return -Infinity;
  let s = 0;
  for (const v of values) s += Math.exp(v - max);
  return max + Math.log(s);
}

export interface NaiveEStep {
  readonly logJoint: number[][];
  readonly resp: number[][];
  readonly logLik: number[];
}

export function rowOf(data: Float64Array, d: number, i: number): number[] {
  return Array.from(data.subarray(i * d, (i + 1) * d));
}

/** Responsibilities as the softmax of the log joint densities; log p(x) by log-sum-exp. */
export function naiveEStep(params: MixtureParams, data: Float64Array, n: number): NaiveEStep {
  const logJoint: number[][] = [];
  const resp: number[][] = [];
  const logLik: number[] = [];
  for (let i = 0; i < n; i++) {
    const lj = naiveLogJoint(params, rowOf(data, params.dim, i));
    const ll = logSumExp(lj);
    logJoint.push(lj);
    logLik.push(ll);
    resp.push(lj.map((v) => Math.exp(v - ll)));
  }
  return { logJoint, resp, logLik };
}

export function naiveMeanLogLikelihood(params: MixtureParams, data: Float64Array, n: number): number {
  const { logLik } = naiveEStep(params, data, n);
  return logLik.reduce((s, v) => s + v, 0) / n;
}

/**
 * Brute-force Gaussian conditioning of x_m on x_o: the regression B = Σ_mo Σ_oo⁻¹
 * and the conditional covariance C = Σ_mm - Σ_mo Σ_oo⁻¹ Σ_om, with an explicit inverse.
 */
export function naiveConditional(cov: Mat, observed: readonly number[], missing: readonly number[]): { B: Mat; C: Mat } {
  const inv = gaussInverse(submatrix(cov, observed, observed));
  const smo = submatrix(cov, missing, observed);
  const B = matMul(smo, inv);
  const C = subtract(submatrix(cov, missing, missing), matMul(B, transpose(smo)));
  return { B, C };
}

/**
 * Under component c given the observed coordinates of `row`: x̂ = E[x] and the
 * conditional covariance Cov[x] (zero outside the missing block), so E[x xᵀ] = x̂x̂ᵀ + Cov[x].
 */
export function naiveConditionalMoments(params: MixtureParams, c: number, row: ArrayLike<number>): { xhat: number[]; condCov: Mat } {
  const d = params.dim;
  const mean = componentMean(params, c);
  const cov = componentCovariance(params, c);
  const { observed, missing } = observedIndices(row);
  const xhat = Array.from(row, (v) => v);
  const extra = zeros(d, d);
  if (missing.length > 0) {
    const { B, C } = naiveConditional(cov, observed, missing);
    const centred = observed.map((j) => row[j] - mean[j]);
    const shift = matVec(B, centred);
    missing.forEach((j, a) => {
      xhat[j] = mean[j] + shift[a];
    });
    missing.forEach((ja, a) => missing.forEach((jb, b) => (extra[ja][jb] = C[a][b])));
  }
  return { xhat, condCov: extra };
}

export interface NaiveStats {
  readonly s0: Float64Array;
  readonly s1: Float64Array;
  readonly s2: Float64Array;
}

/**
 * ŝ = (1/n) Σ_i (γ_ik, γ_ik E[x-c], γ_ik E[(x-c)(x-c)ᵀ]) (full and tied: d×d; diag: the diagonal; spherical: the trace),
 * with conditional expectations for missing coordinates. `resp` defaults to the naive E-step.
 */
export function naiveStats(
  params: MixtureParams,
  data: Float64Array,
  n: number,
  reference: ArrayLike<number>,
  covarianceType: CovarianceType,
  resp: number[][] = naiveEStep(params, data, n).resp,
): NaiveStats {
  const { k: K, dim: d } = params;
  const ref = Array.from(reference);
  const s0 = new Float64Array(K);
  const s1 = new Float64Array(K * d);
  const matrix = covarianceType === 'full' || covarianceType === 'tied';
  const s2 = new Float64Array(matrix ? K * d * d : covarianceType === 'diag' ? K * d : K);
  for (let i = 0; i < n; i++) {
    const row = rowOf(data, d, i);
    for (let c = 0; c < K; c++) {
      const g = resp[i][c];
      const { xhat, condCov } = naiveConditionalMoments(params, c, row);
      // E[(x-c)(x-c)ᵀ] = (x̂-c)(x̂-c)ᵀ + Cov[x]
      const shifted = xhat.map((v, j) => v - ref[j]);
      const centred = add(outer(shifted, shifted), condCov);
      s0[c] += g / n;
      for (let j = 0; j < d; j++) s1[c * d + j] += (g * shifted[j]) / n;
      if (matrix) {
        for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) s2[c * d * d + a * d + b] += (g * centred[a][b]) / n;
      } else if (covarianceType === 'diag') {
        for (let j = 0; j < d; j++) s2[c * d + j] += (g * centred[j][j]) / n;
      } else {
        let tr = 0;
        for (let j = 0; j < d; j++) tr += centred[j][j];
        s2[c] += (g * tr) / n;
      }
    }
  }
  return { s0, s1, s2 };
}

export interface NaiveParams {
  readonly weights: Float64Array;
  readonly means: Float64Array;
  /** K×d×d full matrices, as MixtureParams stores them. */
  readonly covariances: Float64Array;
}

/**
 * The batch M-step on complete data, computed directly: N_k = Σ_i γ_ik, π_k = N_k/n,
 * μ_k = Σ_i γ_ik x_i / N_k, Σ_k = Σ_i γ_ik (x_i-μ_k)(x_i-μ_k)ᵀ / N_k + λI
 * (diag: its diagonal; spherical: the mean of its diagonal, as scikit-learn; tied: one
 * Σ = Σ_k Σ_i γ_ik (x_i-μ_k)(x_i-μ_k)ᵀ / n + λI for all, as scikit-learn's 'tied').
 */
export function naiveBatchMStep(
  data: Float64Array,
  n: number,
  d: number,
  resp: number[][],
  covarianceType: CovarianceType,
  regCovar: number,
): NaiveParams {
  const K = resp[0].length;
  const weights = new Float64Array(K);
  const means = new Float64Array(K * d);
  const covariances = new Float64Array(K * d * d);
  const pooled = zeros(d, d);
  for (let c = 0; c < K; c++) {
    let nk = 0;
    const mu = new Array<number>(d).fill(0);
    for (let i = 0; i < n; i++) {
      nk += resp[i][c];
      for (let j = 0; j < d; j++) mu[j] += resp[i][c] * data[i * d + j];
    }
    for (let j = 0; j < d; j++) mu[j] /= nk;
    let cov = zeros(d, d);
    for (let i = 0; i < n; i++) {
      const diff = rowOf(data, d, i).map((v, j) => v - mu[j]);
      cov = add(cov, outer(diff, diff).map((r) => r.map((v) => v * resp[i][c])));
    }
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) pooled[a][b] += cov[a][b] / n;
    cov = cov.map((r) => r.map((v) => v / nk));
    weights[c] = nk / n;
    means.set(mu, c * d);
    const o = c * d * d;
    if (covarianceType === 'full') {
      for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) covariances[o + a * d + b] = cov[a][b] + (a === b ? regCovar : 0);
    } else if (covarianceType === 'diag') {
      for (let j = 0; j < d; j++) covariances[o + j * d + j] = cov[j][j] + regCovar;
    } else if (covarianceType === 'spherical') {
      let tr = 0;
      for (let j = 0; j < d; j++) tr += cov[j][j];
      for (let j = 0; j < d; j++) covariances[o + j * d + j] = tr / d + regCovar;
    }
  }
  if (covarianceType === 'tied') {
    for (let c = 0; c < K; c++) {
      for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) covariances[c * d * d + a * d + b] = pooled[a][b] + (a === b ? regCovar : 0);
    }
  }
  return { weights, means, covariances };
}

/** Sample mean and (population, /n) covariance by two passes: centre first, then square. */
export function twoPassMoments(data: Float64Array, n: number, d: number): { mean: number[]; cov: Mat } {
  const mean = new Array<number>(d).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += data[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const cov = zeros(d, d);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < d; b++) cov[a][b] += (data[i * d + a] - mean[a]) * (data[i * d + b] - mean[b]);
    }
  }
  return { mean, cov: cov.map((r) => r.map((v) => v / n)) };
}
