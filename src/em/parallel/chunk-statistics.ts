import type { ComponentFactors } from '../component-factors.js';
import { eStepInto, type EStepResult } from '../e-step.js';
import { partitionByMissingPattern } from '../missing-patterns.js';
import { accumulateRowsUnmirrored } from '../partial-statistics.js';
import { countRowsWithMissing } from '../point-batch.js';
import type { SufficientStats } from '../types.js';
import type { KnownScores } from './statistics-executor.js';

/**
 * One chunk, rows [start, end) of a minibatch: its E-step into rows start… of `resp` (n×K)
 * and `logLik`, and its unnormalised, unmirrored partial statistics about `reference` into
 * `slot` (zeroed here; only the layout's ranges are written, and reduceChunks adds those and
 * mirrors the sum). The same code on whichever thread, so the same bits.
 * `anyMissing` false skips looking for missing coordinates (the minibatch has none).
 * `knownRows`: rows [0, knownRows) of `resp` and `logLik` already hold their E-step (0 when
 * the minibatch has missing coordinates: takeKnownRows); only the chunk's other rows are computed.
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
  knownRows = 0,
): void {
  const { k: K, dim: d } = f;
  const n = end - start;
  const rows = data.subarray(start * d, end * d);
  const batch = { n, dim: d, data: rows, rowsWithMissing: anyMissing ? countRowsWithMissing(rows, n, d) : 0 };
  const e = knownRows > start ? partlyKnownEStep(f, batch, start, Math.min(end, knownRows), resp, logLik) : eStepInto(f, batch, resp.subarray(start * K, end * K), logLik.subarray(start, end));
  // The whole slot at once: one fill is several times faster than a fill per range.
  slot.fill(0);
  accumulateRowsUnmirrored(slotStatistics(slot, f, reference), batch, e, f.means, 0, n);
}

/**
 * The E-step of a chunk without missing coordinates whose rows before `known` (minibatch
 * indexes) are already in `resp` and `logLik`: the rest is computed in place.
 */
function partlyKnownEStep(
  f: ComponentFactors,
  chunk: { readonly n: number; readonly dim: number; readonly data: Float64Array; readonly rowsWithMissing: number },
  start: number,
  known: number,
  resp: Float64Array,
  logLik: Float64Array,
): EStepResult {
  const { k: K, dim: d } = f;
  const end = start + chunk.n;
  if (known < end) {
    const rest = { n: end - known, dim: d, data: chunk.data.subarray((known - start) * d), rowsWithMissing: 0 };
    eStepInto(f, rest, resp.subarray(known * K, end * K), logLik.subarray(known, end));
  }
  return { n: chunk.n, k: K, resp: resp.subarray(start * K, end * K), logLik: logLik.subarray(start, end), partition: partitionByMissingPattern(chunk), conditionals: [] };
}

/**
 * The rows of `known` a minibatch of n rows takes (none when it has missing coordinates: each
 * chunk factors its missing patterns in its own E-step), copied into the run's `resp` and
 * `logLik`; returns how many, the `knownRows` of its chunks.
 */
export function takeKnownRows(known: KnownScores | null, anyMissing: boolean, n: number, k: number, resp: Float64Array, logLik: Float64Array): number {
  const rows = known !== null && !anyMissing ? Math.min(known.rows, n) : 0;
  if (rows > 0) {
    resp.set(known!.resp.subarray(0, rows * k));
    logLik.set(known!.logLik.subarray(0, rows));
  }
  return rows;
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
