import type { CovarianceType } from '../types.js';

/**
 * For an M-step that runs as a job of its own (the update was not fused into the E-step's job,
 * fused-update.ts: the first after the warm-up, one after a re-seed, every one with change
 * detection on). Below these, it is computed on the calling thread: handing the components
 * out and copying their results back (3·d² numbers each, through shared memory) costs about
 * what the second thread saves. A full component costs ~d³/3 multiply-adds (its Cholesky
 * factor and the triangular inverse). Measured on 2 cores (engine at 2 threads, default
 * 200-point minibatch): d = 16, K = 8 and 16 gained nothing from the split; d = 24, K = 8 and
 * d = 32, K ≥ 4 did.
 */
const MIN_SPLIT_DIM = 20;
const MIN_SPLIT_WORK = 2 ** 14;

/**
 * Whether the M-step of this shape is split by component over the threads: full covariances
 * alone (the others' M-step is O(Kd), or one shared matrix), with work enough to pay.
 */
export function splitsMStep(k: number, d: number, covarianceType: CovarianceType): boolean {
  return covarianceType === 'full' && k >= 2 && d >= MIN_SPLIT_DIM && (k * d * d * d) / 3 >= MIN_SPLIT_WORK;
}
