/**
 * What the online-EM operator accepts, one item per batch of points:
 * - an array of points, each an array of numbers with null (or NaN) where missing
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

/** Rows in one input item. */
export function rowCount<P>(input: PointInput<P>): number {
  if (isFloat64Input(input)) return input.data.length / input.dim;
  return Array.isArray(input) ? input.length : (input as PointRowsInput<P>).points.length;
}

export function positionOf<P>(input: PointInput<P>): P | undefined {
  return Array.isArray(input) ? undefined : (input as InputBase<P>).position;
}
