import { COVARIANCE_MODELS } from '../covariance/covariance-models.js';
import type { CovarianceType } from '../types.js';

/**
 * Multiply-adds of one chunk: a chunk's partial statistics (K·(1 + d + S2 length) numbers)
 * then cost a few per cent of computing them to reduce, and a default 200-point minibatch
 * of a compute-bound model (d = 32, K = 8, full: 32-point chunks) still splits over threads.
 */
const CHUNK_WORK = 2 ** 18;
const MIN_CHUNK_POINTS = 16;
const MAX_CHUNK_POINTS = 4096;

/**
 * Points per chunk of a minibatch: fixed by the model's shape alone, never by the thread
 * count, so that every --threads computes the same chunks and reduces them in the same order.
 */
export function chunkPoints(k: number, d: number, covarianceType: CovarianceType): number {
  const perPoint = k * COVARIANCE_MODELS[covarianceType].iterationWork(d);
  const points = MIN_CHUNK_POINTS * Math.ceil(CHUNK_WORK / perPoint / MIN_CHUNK_POINTS);
  return Math.min(MAX_CHUNK_POINTS, Math.max(MIN_CHUNK_POINTS, points));
}

/** Entries of one chunk's partial statistics: s0 (K), s1 (K×d), s2 (K × the type's length), in that order. */
export function partialLength(k: number, d: number, covarianceType: CovarianceType): number {
  return k * (1 + d + COVARIANCE_MODELS[covarianceType].statisticLength(d));
}
