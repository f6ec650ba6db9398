import { componentFactors } from './component-factors.js';
import { eStep } from './e-step.js';
import { sliceBatch } from './point-batch.js';
import type { MixtureParams, PointBatch } from './types.js';

const SCORE_CHUNK = 8192;

/**
 * Mean log-likelihood per point (nats) of `batch` under `params`, over each point's
 * observed coordinates; evaluated in chunks so memory stays bounded.
 */
export function meanLogLikelihood(params: MixtureParams, batch: PointBatch): number {
  const f = componentFactors(params);
  let total = 0;
  for (let start = 0; start < batch.n; start += SCORE_CHUNK) {
    const chunk = sliceBatch(batch, start, Math.min(batch.n, start + SCORE_CHUNK));
    const { logLik } = eStep(f, chunk);
    for (let i = 0; i < logLik.length; i++) total += logLik[i];
  }
  return total / batch.n;
}
