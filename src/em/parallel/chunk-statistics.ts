import type { ComponentFactors } from '../component-factors.js';
import { eStepInto } from '../e-step.js';
import { accumulateRowsUnmirrored } from '../partial-statistics.js';
import { countRowsWithMissing } from '../point-batch.js';
import type { SufficientStats } from '../types.js';

/**
 * One chunk, rows [start, end) of a minibatch: its E-step into rows start… of `resp` (n×K)
 * and `logLik`, and its unnormalised, unmirrored partial statistics about `reference` into
 * `slot` (zeroed here; only the layout's ranges are written, and reduceChunks adds those and
 * mirrors the sum). The same code on whichever thread, so the same bits.
 * `anyMissing` false skips looking for missing coordinates (the minibatch has none).
 */
export function chunkStatistics(
  f: ComponentFactors,
  reference: Float64Array,
  data: Float64Array,
  start: number,
  end: number,
  anyMissing: boolean,
  resp: Float64Array,
  logLik: Float64Array,
  slot: Float64Array,
): void {
  const { k: K, dim: d } = f;
  const n = end - start;
  const rows = data.subarray(start * d, end * d);
  const batch = { n, dim: d, data: rows, rowsWithMissing: anyMissing ? countRowsWithMissing(rows, n, d) : 0 };
  const e = eStepInto(f, batch, resp.subarray(start * K, end * K), logLik.subarray(start, end));
  // The whole slot at once: one fill is several times faster than a fill per range.
  slot.fill(0);
  accumulateRowsUnmirrored(slotStatistics(slot, f, reference), batch, e, f.means, 0, n);
}

/** The s0 | s1 | s2 views of one chunk's slot (or of the reduced sum) as statistics about `reference`. */
export function slotStatistics(slot: Float64Array, f: Pick<ComponentFactors, 'k' | 'dim' | 'covarianceType'>, reference: Float64Array): SufficientStats {
  const { k, dim: d, covarianceType } = f;
  return {
    k,
    dim: d,
    covarianceType,
    reference,
    s0: slot.subarray(0, k),
    s1: slot.subarray(k, k + k * d),
    s2: slot.subarray(k + k * d),
  };
}
