import { pointLength, validatePointInto, type PointRejection } from '../../em/point-validation.js';

/**
 * Checks rows as the processor will (point-validation.ts): numbers or null, finite,
 * within ±maxAbs, one coordinate at least observed, all of one dimension: `dim`, or
 * that of the first valid row. A producer refuses at the source what would only be
 * dead letters downstream.
 */
export class PointValidator {
  private current: Float64Array;

  constructor(
    private dimension: number | null,
    private readonly maxAbs: number,
  ) {
    this.current = new Float64Array(dimension ?? 0);
  }

  get dim(): number | null {
    return this.dimension;
  }

  /** The row as d float64 values (NaN where missing; overwritten by the next call), or why it is refused. */
  check(row: unknown): Float64Array | PointRejection {
    if (this.dimension === null) {
      const length = pointLength(row);
      const candidate = new Float64Array(length);
      const result = validatePointInto(row, length, this.maxAbs, candidate, 0);
      if (typeof result !== 'number') return result;
      this.dimension = length;
      this.current = candidate;
      return candidate;
    }
    const result = validatePointInto(row, this.dimension, this.maxAbs, this.current, 0);
    return typeof result === 'number' ? this.current : result;
  }
}
