import type { OnlineEm, UpdateListener } from '../em/online-em.js';
import { inferDimension, type IndexedRejection } from '../em/point-validation.js';
import { isFloat64Input, rowsOf, type Float64RowsInput, type PointInput } from './point-input.js';

/**
 * Ingest one input item into `engine` in pieces that end exactly at the minibatch where
 * `nextDue()` says a snapshot falls due, calling `atBoundary` there. Without the cuts a
 * count cadence could only be checked between items, so a large item carried it past its
 * boundary (snapshots at 20, 41, 61 for every 20). A piece never holds more rows than the
 * points still needed, and refused rows only make it fall short, so it never overshoots.
 * Returns the item's rejections, indexed within the whole item.
 */
export function ingestCutAtBoundaries<P>(
  engine: OnlineEm,
  input: PointInput<P>,
  nextDue: () => number | null,
  atBoundary: () => void,
  onUpdate?: UpdateListener,
): IndexedRejection[] {
  const float64 = isFloat64Input(input) ? input : null;
  const rows = float64 ? null : rowsOf(input as Exclude<PointInput<P>, Float64RowsInput<P>>);
  const count = float64 ? Math.floor(float64.data.length / float64.dim) : rows!.length;
  // Fix the dimension from the whole item first, as one ingest call would: a piece must not infer its own.
  if (engine.dimension === null) {
    const dim = float64 ? float64.dim : inferDimension(rows!, engine.options.maxAbsValue);
    if (dim !== null) engine.setDimension(dim);
  }
  const ingest = (from: number, to: number): readonly IndexedRejection[] =>
    float64
      ? engine.ingestFloat64(float64.data.subarray(from * float64.dim, to * float64.dim), float64.dim, onUpdate)
      : engine.ingestRows(from === 0 && to === count ? rows! : rows!.slice(from, to), onUpdate);
  const rejections: IndexedRejection[] = [];
  for (let from = 0; from < count; ) {
    const due = nextDue();
    const needed = due === null ? null : engine.pointsUntilBatch(due);
    const to = needed === null ? count : Math.min(count, from + Math.max(1, needed));
    for (const r of ingest(from, to)) rejections.push(from === 0 ? r : { ...r, index: r.index + from });
    from = to;
    if (due !== null && engine.counters.batches >= due) atBoundary();
  }
  return rejections;
}
