/**
 * What the online-EM operator accepts, one item per point or batch of points:
 * - one point, an array of numbers with null (or NaN) where missing;
 * - an array of points, each such an array
 *   (a `RefusedPoint` stands for input the adapter could not decode);
 * - `{ points, position }`, the same with an opaque position (an offset, a line number)
 *   that snapshots and rejections carry back;
 * - `{ data, dim, position }`, n×dim float64 rows (NaN where missing): the fast path.
 */
export type PointInput<P = unknown> = readonly unknown[] | PointRowsInput<P> | Float64RowsInput<P>;

interface InputBase<P> {
  readonly position?: P;
}

export interface PointRowsInput<P = unknown> extends InputBase<P> {
  readonly points: readonly unknown[];
}

export interface Float64RowsInput<P = unknown> extends InputBase<P> {
  readonly data: Float64Array;
  readonly dim: number;
}

export function isFloat64Input<P>(input: PointInput<P>): input is Float64RowsInput<P> {
  return !Array.isArray(input) && (input as Float64RowsInput<P>).data instanceof Float64Array;
}

/**
 * A bare item that is one point rather than a batch: non-empty, every element a number or
 * null. No batch looks like that (its elements are arrays), so the two never collide; an
 * all-null item is one point with every coordinate missing, refused as such.
 */
export function isSinglePoint(item: readonly unknown[]): boolean {
  return item.length > 0 && item.every((v) => v === null || typeof v === 'number');
}

/** The rows of an item that is not float64 rows: a single point becomes a batch of one. */
export function rowsOf<P>(input: Exclude<PointInput<P>, Float64RowsInput<P>>): readonly unknown[] {
  if (!Array.isArray(input)) return (input as PointRowsInput<P>).points;
  return isSinglePoint(input) ? [input] : input;
}

/** Rows in one input item. */
export function rowCount<P>(input: PointInput<P>): number {
  if (isFloat64Input(input)) return input.data.length / input.dim;
  return rowsOf(input).length;
}

export function positionOf<P>(input: PointInput<P>): P | undefined {
  return Array.isArray(input) ? undefined : (input as InputBase<P>).position;
}
