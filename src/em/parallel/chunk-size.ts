import { COVARIANCE_MODELS } from '../covariance/covariance-models.js';
import type { CovarianceType } from '../types.js';

/**
 * Multiply-adds of one chunk: enough that a default 200-point minibatch of a compute-bound
 * model (d = 16 or 32, K = 8, full) splits into a few chunks, and no more.
 */
const CHUNK_WORK = 2 ** 18;
/**
 * A full-covariance chunk's partial statistics hold K·d² numbers, against ~K·d² multiply-adds
 * per point to compute: chunks of fewer points spend too much on zeroing, mirroring and
 * adding them (at 16 points, ~15% of the work at d = 32, K = 16).
 */
const MIN_CHUNK_POINTS = 64;
const MAX_CHUNK_POINTS = 4096;

/**
 * Points per chunk of a minibatch: fixed by the model's shape alone, never by the thread
 * count, so that every --threads computes the same chunks and reduces them in the same order.
 */
export function chunkPoints(k: number, d: number, covarianceType: CovarianceType): number {
  const perPoint = k * COVARIANCE_MODELS[covarianceType].iterationWork(d);
  const points = 16 * Math.ceil(CHUNK_WORK / perPoint / 16);
  return Math.min(MAX_CHUNK_POINTS, Math.max(MIN_CHUNK_POINTS, points));
}

/** How n points are cut: ceil(n / target) chunks of near-equal size (the last may be smaller), so the threads get even shares. */
export function chunkLayout(n: number, target: number): { readonly count: number; readonly size: number } {
  const count = Math.max(1, Math.ceil(n / target));
  return { count, size: Math.ceil(n / count) };
}
