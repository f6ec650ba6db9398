import { COVARIANCE_MODELS } from './covariance/covariance-models.js';
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

/** Re-seed component `to` as one half of `from`, split along its principal axis (see reseedDeadComponents). */
export function splitInto(stats: SufficientStats, from: number, to: number): void {
  const { dim: d, covarianceType, s0, s1, s2 } = stats;
  const model = COVARIANCE_MODELS[covarianceType];
  const w = s0[from];
  const mean = new Float64Array(d);
  for (let j = 0; j < d; j++) mean[j] = s1[from * d + j] / w;
  const cov = model.covarianceFromStatistic(s2, from, d, w, mean);
  const { direction, variance } = model.splitAxis(cov, d);
  const delta = 0.5 * Math.sqrt(Math.max(variance, 0));
  for (let j = 0; j < d; j++) for (let i = 0; i < d; i++) cov[i * d + j] -= delta * delta * direction[i] * direction[j];
  const half = w / 2;
  writeComponent(stats, from, half, mean.map((m, j) => m + delta * direction[j]), cov);
  writeComponent(stats, to, half, mean.map((m, j) => m - delta * direction[j]), cov);
}

/** Statistics of a component with mass w, mean m (about c) and covariance Σ: (w, w·m, w·(Σ + m mᵀ)). */
export function writeComponent(stats: SufficientStats, c: number, w: number, mean: Float64Array, cov: Float64Array): void {
  const { dim: d, covarianceType, s0, s1, s2 } = stats;
  s0[c] = w;
  for (let j = 0; j < d; j++) s1[c * d + j] = w * mean[j];
  COVARIANCE_MODELS[covarianceType].writeStatistic(s2, c, d, w, mean, cov);
}
