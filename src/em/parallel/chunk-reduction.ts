import { COVARIANCE_MODELS } from '../covariance/covariance-models.js';
import type { SlotLayout } from './slot-layout.js';

/**
 * ŝ = (1/n)·Σ_chunks, into `out` (layout.length): the chunks' partial statistics (`count`
 * unmirrored slots, one after another) added in chunk order over each component's ranges,
 * whichever thread computed them, then scaled and mirrored. One chunk gives exactly
 * today's single sum (0 + x = x); mirroring a sum equals summing mirrored slots.
 */
export function reduceChunks(partials: Float64Array, count: number, layout: SlotLayout, n: number, out: Float64Array): void {
  reduceComponents(partials, count, layout, n, out, 0, layout.k);
}

/** Groups a pool's reduction is cut into: two per thread, so that a thread whose last chunk ends late still finds a share. */
export function reduceGroups(k: number, threads: number): number {
  return Math.min(k, 2 * threads);
}

/** The components [from, to) of reduce group g of `groups`. */
export function groupComponents(g: number, groups: number, k: number): readonly [number, number] {
  return [Math.floor((g * k) / groups), Math.floor(((g + 1) * k) / groups)];
}

/**
 * reduceChunks for components [from, to) alone: each entry of ŝ depends on its own entries
 * of the slots only, so threads can reduce disjoint components at once, with the same bits.
 */
export function reduceComponents(partials: Float64Array, count: number, layout: SlotLayout, n: number, out: Float64Array, from: number, to: number): void {
  const { length, componentRanges, dim: d, s2Offset, s2Length } = layout;
  const model = COVARIANCE_MODELS[layout.covarianceType];
  const inv = n > 0 ? 1 / n : 0;
  for (let c = from; c < to; c++) {
    const ranges = componentRanges[c];
    for (let r = 0; r < ranges.length; r += 2) {
      const start = ranges[r];
      const end = ranges[r + 1];
      // 0 + x, as a zeroed sum's first addition gives (it turns -0 into 0).
      for (let i = start; i < end; i++) out[i] = 0 + partials[i];
      for (let chunk = 1; chunk < count; chunk++) {
        const o = chunk * length;
        for (let i = start; i < end; i++) out[i] += partials[o + i];
      }
      for (let i = start; i < end; i++) out[i] *= inv;
    }
    model.symmetrise(out.subarray(s2Offset + c * s2Length, s2Offset + (c + 1) * s2Length), 1, d);
  }
}
