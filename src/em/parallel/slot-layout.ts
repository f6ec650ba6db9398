import { COVARIANCE_MODELS } from '../covariance/covariance-models.js';
import type { CovarianceType } from '../types.js';

/**
 * A chunk's slot of partial statistics: s0 (K) | s1 (K×d) | s2 (K × the type's length),
 * `length` entries, of which accumulating writes only `ranges` ([start, end) pairs in
 * order: s0 and s1 whole, then the type's accumulated s2 entries, e.g. full's upper
 * triangles). The reduction adds only those and mirrors the sum once: about half the adding
 * of whole slots, and one mirroring per minibatch instead of one per chunk, for the same bits.
 */
export interface SlotLayout {
  readonly k: number;
  readonly dim: number;
  readonly covarianceType: CovarianceType;
  readonly length: number;
  readonly ranges: Int32Array;
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
  const ranges = new Int32Array(2 + s2Ranges.length);
  ranges[0] = 0;
  ranges[1] = s2Offset;
  for (let r = 0; r < s2Ranges.length; r++) ranges[2 + r] = s2Offset + s2Ranges[r];
  return { k, dim: d, covarianceType, length: s2Offset + k * model.statisticLength(d), ranges };
}
