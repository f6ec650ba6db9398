import { COVARIANCE_MODELS } from '../covariance/covariance-models.js';
import type { CovarianceType } from '../types.js';

/**
 * A chunk's slot of partial statistics: s0 (K) | s1 (K×d) | s2 (K × the type's length),
 * `length` entries, of which accumulating writes only some: by component, s0[c], s1's row c
 * and c's accumulated s2 entries (full: its upper triangle). The reduction adds only those,
 * component by component, and mirrors each sum once: about half the adding of whole slots,
 * and one mirroring per minibatch instead of one per chunk, for the same bits.
 */
export interface SlotLayout {
  readonly k: number;
  readonly dim: number;
  readonly covarianceType: CovarianceType;
  readonly length: number;
  /** Per component, the entries accumulated, as [start, end) pairs: s0[c], s1's row c, then c's s2 ranges. */
  readonly componentRanges: readonly Int32Array[];
  /** Where s2 starts in a slot, and the length of one component's s2 block. */
  readonly s2Offset: number;
  readonly s2Length: number;
}

const layouts = new Map<string, SlotLayout>();
/** Shapes kept: a process fits a few (keyed models mostly share one). */
const MAX_LAYOUTS = 64;

/** The layout of (K, d, type), built once per shape (looked up once per minibatch). */
export function slotLayout(k: number, d: number, covarianceType: CovarianceType): SlotLayout {
  const key = `${covarianceType}:${k}:${d}`;
  let layout = layouts.get(key);
  if (!layout) {
    if (layouts.size >= MAX_LAYOUTS) layouts.clear();
    layout = buildLayout(k, d, covarianceType);
    layouts.set(key, layout);
  }
  return layout;
}

function buildLayout(k: number, d: number, covarianceType: CovarianceType): SlotLayout {
  const model = COVARIANCE_MODELS[covarianceType];
  const s2Offset = k + k * d;
  const s2Ranges = model.accumulatedRanges(k, d);
  const s2Length = model.statisticLength(d);
  const componentRanges = Array.from({ length: k }, (_, c) => {
    const own = [c, c + 1, k + c * d, k + (c + 1) * d];
    // c's share of each accumulated range (diag's and spherical's one range spans every component).
    for (let r = 0; r < s2Ranges.length; r += 2) {
      const start = Math.max(s2Ranges[r], c * s2Length);
      const end = Math.min(s2Ranges[r + 1], (c + 1) * s2Length);
      if (end > start) own.push(s2Offset + start, s2Offset + end);
    }
    return Int32Array.from(own);
  });
  return { k, dim: d, covarianceType, length: s2Offset + k * s2Length, componentRanges, s2Offset, s2Length };
}
