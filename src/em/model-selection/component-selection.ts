import type { BatchEmResult } from '../batch-em.js';
import type { ResolvedOptions } from '../options.js';
import type { StatisticsExecutor } from '../parallel/statistics-executor.js';
import type { PointBatch } from '../types.js';
import { warmStartFit } from '../warm-start-fit.js';
import { bic, freeParameters } from './bic.js';
import { grownStarts } from './grown-starts.js';

/** What `--components auto` tried and chose; published in every snapshot. */
export interface ComponentSelection {
  readonly criterion: 'bic';
  /** One entry per K tried, K = 1…MAX: BIC (lower is better) and the mean log-likelihood per warm-up point. */
  readonly scores: readonly { readonly k: number; readonly bic: number; readonly logLikelihood: number }[];
  readonly chosen: number;
}

/**
 * Choose K on the warm-up buffer: the usual warm-start fit (screened k-means++ restarts,
 * batch EM) for K = 1…maxComponents (at most one component per point), each K also started
 * from the K-1 fit grown by one component (grown-starts.ts); the one of least BIC wins (the
 * smaller K on a tie). With an `executor`, the fits' E-steps run on its threads. Returns the
 * winner's fit, to start the stream from.
 */
export function selectComponents(buffer: PointBatch, o: ResolvedOptions, maxComponents: number, seed: number, executor?: StatisticsExecutor): { fit: BatchEmResult; selection: ComponentSelection } {
  const top = Math.max(1, Math.min(maxComponents, buffer.n));
  const scores: { k: number; bic: number; logLikelihood: number }[] = [];
  let best: { fit: BatchEmResult; k: number; bic: number } | null = null;
  let previous: BatchEmResult | null = null;
  for (let k = 1; k <= top; k++) {
    const fit = warmStartFit(buffer, { ...o, components: k }, seed, executor, previous ? grownStarts(previous, buffer) : undefined);
    previous = fit;
    const score = bic(fit.logLik, buffer.n, freeParameters(k, buffer.dim, o.covarianceType));
    scores.push({ k, bic: score, logLikelihood: fit.logLik });
    if (!best || score < best.bic) best = { fit, k, bic: score };
  }
  return { fit: best!.fit, selection: { criterion: 'bic', scores, chosen: best!.k } };
}
