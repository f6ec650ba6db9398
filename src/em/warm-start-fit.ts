import { fitBatchEm, type BatchEmResult } from './batch-em.js';
import { COVARIANCE_MODELS } from './covariance/covariance-models.js';
import type { ResolvedOptions } from './options.js';
import type { StatisticsExecutor } from './parallel/statistics-executor.js';
import type { CovarianceType, PointBatch, SufficientStats } from './types.js';

/** Restarts are screened on a subsample this large, by this many EM iterations; the best few run on. */
const INIT_SCREEN_SAMPLE = 3000;
/**
 * Tied EM moves its shared covariance slowly, so its basins part late: on bench's synthetic
 * d = 5, K = 4 set (4,000-point warm-up) 3 screening iterations kept a start 0.2 nats/point
 * below the best basin for 2 seeds of 6 (30 restarts), 20 for none.
 */
const INIT_SCREEN_ITERATIONS: Readonly<Record<CovarianceType, number>> = { full: 3, diag: 3, spherical: 3, tied: 20 };
const INIT_SCREEN_KEEP = 2;

/**
 * Multiply-adds the warm-up EM may spend on running to convergence (about a second):
 * a small warm-up converges fully, while a large one (d = 32, K = 16: 20,000 points)
 * stops early and leaves the rest to the stream, instead of taking tens of seconds.
 */
const INIT_WORK_BUDGET = 1.5e9;
const MIN_INIT_ITERATIONS = 5;

/** Iterations of the warm-up EM: initMaxIter, or fewer when the work budget says so. */
function initIterations(o: ResolvedOptions, n: number, d: number): number {
  const perComponent = COVARIANCE_MODELS[o.covarianceType].iterationWork(d);
  const perIteration = n * o.components * perComponent;
  return Math.min(o.initMaxIter, Math.max(MIN_INIT_ITERATIONS, Math.floor(INIT_WORK_BUDGET / perIteration)));
}

/**
 * The most multiply-adds `warmStartFit` spends on n points: the screening of the restarts,
 * then the finalists (and the best of any given starts) run to their iteration cap.
 */
export function warmStartWork(o: ResolvedOptions, n: number, d: number, withStarts = false): number {
  const perPoint = o.components * COVARIANCE_MODELS[o.covarianceType].iterationWork(d);
  const screening = o.restarts * INIT_SCREEN_ITERATIONS[o.covarianceType] * Math.min(n, INIT_SCREEN_SAMPLE) * perPoint;
  const finalists = (INIT_SCREEN_KEEP + (withStarts ? 1 : 0)) * initIterations(o, n, d) * n * perPoint;
  return screening + finalists;
}

/**
 * The fit a model starts from: batch EM on a buffer of points, from k-means++ restarts
 * screened on a subsample. The warm-up uses it, and so does a challenger after a change.
 * With an `executor`, every E-step on the whole buffer runs in its chunks (on its threads);
 * `starts` join the restarts (see BatchEmOptions).
 */
export function warmStartFit(buffer: PointBatch, o: ResolvedOptions, seed: number, executor?: StatisticsExecutor, starts?: readonly SufficientStats[]): BatchEmResult {
  return fitBatchEm(buffer, {
    k: o.components,
    covarianceType: o.covarianceType,
    regCovar: o.regCovar,
    restarts: o.restarts,
    maxIter: initIterations(o, buffer.n, buffer.dim),
    tol: o.initTol,
    seed,
    minWeight: o.minWeight,
    screening: { sampleSize: INIT_SCREEN_SAMPLE, iterations: INIT_SCREEN_ITERATIONS[o.covarianceType], keep: INIT_SCREEN_KEEP },
    ...(executor ? { executor } : {}),
    ...(starts ? { starts } : {}),
  });
}
