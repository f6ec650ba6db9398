import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { SufficientStats } from './types.js';

/**
 * Re-seed every component whose share of the mass S0_k/ΣS0 fell below `minWeight`
 * by splitting the heaviest component along its principal axis: the two halves sit
 * at m ± δv (δ = ½√λ₁) with covariance Σ - δ²vvᵀ, so the pair keeps the parent's
 * mass, mean and covariance exactly. Mutates `stats`; returns how many were re-seeded.
 */
export function reseedDeadComponents(stats: SufficientStats, minWeight: number): number {
  const { k: K, s0 } = stats;
  if (K < 2) return 0;
  let reseeded = 0;
  for (let c = 0; c < K; c++) {
    let total = 0;
    for (let j = 0; j < K; j++) total += s0[j];
    if (s0[c] > 0 && s0[c] >= minWeight * total) continue;
    let heaviest = c === 0 ? 1 : 0;
    for (let j = 0; j < K; j++) if (j !== c && s0[j] > s0[heaviest]) heaviest = j;
    splitInto(stats, heaviest, c);
    reseeded++;
  }
  return reseeded;
}

function splitInto(stats: SufficientStats, from: number, to: number): void {
  const { dim: d, covarianceType, s0, s1 } = stats;
  const w = s0[from];
  const mean = new Float64Array(d);
  for (let j = 0; j < d; j++) mean[j] = s1[from * d + j] / w;
  const cov = componentCovariance(stats, from, mean);
  const { direction, variance } = principalAxis(cov, d, covarianceType);
  const delta = 0.5 * Math.sqrt(Math.max(variance, 0));
  for (let j = 0; j < d; j++) for (let i = 0; i < d; i++) cov[i * d + j] -= delta * delta * direction[i] * direction[j];
  const half = w / 2;
  writeComponent(stats, from, half, mean.map((m, j) => m + delta * direction[j]), cov);
  writeComponent(stats, to, half, mean.map((m, j) => m - delta * direction[j]), cov);
}

/** Σ = S2/S0 - m mᵀ as a full d×d matrix (without regularisation). */
function componentCovariance(stats: SufficientStats, c: number, mean: Float64Array): Float64Array {
  const { dim: d, covarianceType, s0, s2 } = stats;
  const w = s0[c];
  const cov = new Float64Array(d * d);
  if (covarianceType === 'full') {
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) cov[a * d + b] = s2[c * d * d + a * d + b] / w - mean[a] * mean[b];
  } else if (covarianceType === 'diag') {
    for (let j = 0; j < d; j++) cov[j * d + j] = Math.max(s2[c * d + j] / w - mean[j] * mean[j], 0);
  } else {
    let sq = 0;
    for (let j = 0; j < d; j++) sq += mean[j] * mean[j];
    const v = Math.max(s2[c] / w - sq, 0) / d;
    for (let j = 0; j < d; j++) cov[j * d + j] = v;
  }
  return cov;
}

function principalAxis(
  cov: Float64Array,
  d: number,
  covarianceType: SufficientStats['covarianceType'],
): { direction: Float64Array; variance: number } {
  const direction = new Float64Array(d);
  if (covarianceType !== 'full') {
    let best = 0;
    for (let j = 1; j < d; j++) if (cov[j * d + j] > cov[best * d + best]) best = j;
    direction[best] = 1;
    // A spherical component must stay spherical: split along one axis by the shared variance.
    return { direction, variance: cov[best * d + best] };
  }
  const m = new Matrix(d, d);
  for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) m.set(a, b, 0.5 * (cov[a * d + b] + cov[b * d + a]));
  const evd = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const values = evd.realEigenvalues;
  let best = 0;
  for (let j = 1; j < d; j++) if (values[j] > values[best]) best = j;
  for (let j = 0; j < d; j++) direction[j] = evd.eigenvectorMatrix.get(j, best);
  return { direction, variance: values[best] };
}

/** Statistics of a component with mass w, mean m (about c) and covariance Σ: (w, w·m, w·(Σ + m mᵀ)). */
function writeComponent(stats: SufficientStats, c: number, w: number, mean: Float64Array, cov: Float64Array): void {
  const { dim: d, covarianceType, s0, s1, s2 } = stats;
  s0[c] = w;
  for (let j = 0; j < d; j++) s1[c * d + j] = w * mean[j];
  if (covarianceType === 'full') {
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) s2[c * d * d + a * d + b] = w * (cov[a * d + b] + mean[a] * mean[b]);
  } else if (covarianceType === 'diag') {
    for (let j = 0; j < d; j++) s2[c * d + j] = w * (cov[j * d + j] + mean[j] * mean[j]);
  } else {
    let total = 0;
    for (let j = 0; j < d; j++) total += cov[j * d + j] + mean[j] * mean[j];
    s2[c] = w * total;
  }
}
