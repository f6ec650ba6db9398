import type { BatchEmResult } from '../batch-em.js';
import type { ResolvedOptions } from '../options.js';
import type { PointBatch } from '../types.js';
import { warmStartFit } from '../warm-start-fit.js';
import { bic, freeParameters } from './bic.js';

/** What `--components auto` tried and chose; published in every snapshot. */
export interface ComponentSelection {
  readonly criterion: 'bic';
  /** One entry per K tried, K = 1…MAX: BIC (lower is better) and the mean log-likelihood per warm-up point. */
  readonly scores: readonly { readonly k: number; readonly bic: number; readonly logLikelihood: number }[];
  readonly chosen: number;
}

/**
 * Choose K on the warm-up buffer: the usual warm-start fit (screened k-means++ restarts,
 * batch EM) for K = 1…maxComponents (at most one component per point), the one of least BIC
 * wins (the smaller K on a tie). Returns the winner's fit, to start the stream from.
 */
export function selectComponents(buffer: PointBatch, o: ResolvedOptions, maxComponents: number, seed: number): { fit: BatchEmResult; selection: ComponentSelection } {
  const top = Math.max(1, Math.min(maxComponents, buffer.n));
  const scores: { k: number; bic: number; logLikelihood: number }[] = [];
  let best: { fit: BatchEmResult; k: number; bic: number } | null = null;
  for (let k = 1; k <= top; k++) {
    const fit = warmStartFit(buffer, { ...o, components: k }, seed);
    const score = bic(fit.logLik, buffer.n, freeParameters(k, buffer.dim, o.covarianceType));
    scores.push({ k, bic: score, logLikelihood: fit.logLik });
    if (!best || score < best.bic) best = { fit, k, bic: score };
  }
  return { fit: best!.fit, selection: { criterion: 'bic', scores, chosen: best!.k } };
}
