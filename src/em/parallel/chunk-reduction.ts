import { COVARIANCE_MODELS } from '../covariance/covariance-models.js';
import type { SlotLayout } from './slot-layout.js';

/**
 * ŝ = (1/n)·Σ_chunks, into `out` (layout.length): the chunks' partial statistics (`count`
 * unmirrored slots, one after another) added in chunk order over the layout's ranges,
 * whichever thread computed them, then scaled and mirrored. One chunk gives exactly
 * today's single sum (0 + x = x); mirroring a sum equals summing mirrored slots.
 */
export function reduceChunks(partials: Float64Array, count: number, layout: SlotLayout, n: number, out: Float64Array): void {
  const { length, ranges, k, dim: d } = layout;
  out.fill(0);
  const inv = n > 0 ? 1 / n : 0;
  for (let r = 0; r < ranges.length; r += 2) {
    const start = ranges[r];
    const end = ranges[r + 1];
    for (let c = 0; c < count; c++) {
      const o = c * length;
      for (let i = start; i < end; i++) out[i] += partials[o + i];
    }
    for (let i = start; i < end; i++) out[i] *= inv;
  }
  COVARIANCE_MODELS[layout.covarianceType].symmetrise(out.subarray(k + k * d), k, d);
}
