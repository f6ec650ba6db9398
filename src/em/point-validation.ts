import type { PointBatch } from './types.js';

/** Why a point was refused; the code is stable, the message is for people. */
export type RejectionCode =
  | 'not-an-array'
  | 'empty'
  | 'wrong-dimension'
  | 'not-a-number'
  | 'non-finite'
  | 'out-of-range'
  | 'all-missing'
  | 'undecodable';

export interface PointRejection {
  readonly code: RejectionCode;
  readonly message: string;
}

/**
 * Stands in the rows for input an adapter already refused (invalid JSON, a truncated
 * binary message, or a point validated elsewhere), so it is counted and reported with
 * the other points.
 */
export class RefusedPoint implements PointRejection {
  constructor(
    readonly message: string,
    readonly code: RejectionCode = 'undecodable',
  ) {}
}

/** A rejection and the position of the refused point in its input. */
export interface IndexedRejection extends PointRejection {
  readonly index: number;
}

/** Largest accepted |x|: keeps every second moment (x-c)² finite in float64. */
export const DEFAULT_MAX_ABS_VALUE = 1e15;

/**
 * Check one point (an array of numbers, with null or NaN for a missing coordinate)
 * and copy it into `out` at `offset` (as NaN where missing). Returns the number of
 * missing coordinates, or the reason the point is refused. `dim` is the model's
 * dimension, which every point must match.
 */
export function validatePointInto(
  value: unknown,
  dim: number,
  maxAbs: number,
  out: Float64Array,
  offset: number,
): number | PointRejection {
  if (value instanceof RefusedPoint) return { code: value.code, message: value.message };
  if (!isPointLike(value)) {
    return { code: 'not-an-array', message: `a point must be an array of numbers, got ${describe(value)}` };
  }
  const row = value;
  if (row.length === 0) return { code: 'empty', message: 'a point must have at least one coordinate' };
  if (row.length !== dim) {
    return { code: 'wrong-dimension', message: `expected ${dim} coordinates, got ${row.length}` };
  }
  let missing = 0;
  for (let j = 0; j < dim; j++) {
    const v = row[j];
    if (v === null || (typeof v === 'number' && Number.isNaN(v))) {
      out[offset + j] = NaN;
      missing++;
      continue;
    }
    if (typeof v !== 'number') {
      return { code: 'not-a-number', message: `coordinate ${j} is ${describe(v)}, not a number or null` };
    }
    if (!Number.isFinite(v) || Math.abs(v) > maxAbs) return numberProblem(v, j, maxAbs)!;
    out[offset + j] = v;
  }
  if (missing === dim) return { code: 'all-missing', message: 'every coordinate is missing' };
  return missing;
}

/** The length of a row that may be a point (an array or a typed array, as validatePointInto takes), else 0. */
export function pointLength(row: unknown): number {
  return isPointLike(row) ? row.length : 0;
}

function isPointLike(row: unknown): row is ArrayLike<unknown> {
  return Array.isArray(row) || row instanceof Float64Array || row instanceof Float32Array;
}

/** Dimension of the first point that would be valid on its own, or null. */
export function inferDimension(rows: readonly unknown[], maxAbs: number): number | null {
  for (const row of rows) {
    const length = pointLength(row);
    if (length === 0) continue;
    if (typeof validatePointInto(row, length, maxAbs, new Float64Array(length), 0) === 'number') return length;
  }
  return null;
}

export interface ValidatedRows {
  readonly batch: PointBatch;
  readonly rejected: readonly IndexedRejection[];
}

/** Validate a list of points of the model's dimension into one batch plus rejections. */
export function validateRows(rows: readonly unknown[], dim: number, maxAbs: number): ValidatedRows {
  const data = new Float64Array(rows.length * dim);
  const rejected: IndexedRejection[] = [];
  let n = 0;
  let rowsWithMissing = 0;
  for (let i = 0; i < rows.length; i++) {
    const result = validatePointInto(rows[i], dim, maxAbs, data, n * dim);
    if (typeof result !== 'number') {
      rejected.push({ index: i, ...result });
      continue;
    }
    if (result > 0) rowsWithMissing++;
    n++;
  }
  return { batch: { n, dim, data: data.subarray(0, n * dim), rowsWithMissing }, rejected };
}

/**
 * Validate n×dim float64 rows (the binary fast path) in place: rows with ±Infinity,
 * out-of-range values or no observed coordinate are dropped and reported.
 */
export function validateFloat64Rows(data: Float64Array, dim: number, maxAbs: number): ValidatedRows {
  const n = Math.floor(data.length / dim);
  const rejected: IndexedRejection[] = [];
  let kept = 0;
  let rowsWithMissing = 0;
  // Finite even if maxAbs is not, so that ±Infinity never passes the test below.
  const limit = Math.min(maxAbs, Number.MAX_VALUE);
  for (let i = 0; i < n; i++) {
    let missing = 0;
    let problem: PointRejection | null = null;
    for (let j = 0; j < dim; j++) {
      const v = data[i * dim + j];
      // One comparison for the usual value: false for NaN (missing), ±Infinity and beyond maxAbs alike.
      if (Math.abs(v) <= limit) continue;
      problem = numberProblem(v, j, maxAbs);
      if (problem) break;
      missing++;
    }
    if (!problem && missing === dim) problem = { code: 'all-missing', message: 'every coordinate is missing' };
    if (problem) {
      rejected.push({ index: i, ...problem });
      continue;
    }
    if (missing > 0) rowsWithMissing++;
    if (kept !== i) data.copyWithin(kept * dim, i * dim, (i + 1) * dim);
    kept++;
  }
  return { batch: { n: kept, dim, data: data.subarray(0, kept * dim), rowsWithMissing }, rejected };
}

/** Why coordinate j's value v (not a finite number within ±maxAbs) refuses its point: null for NaN, a missing coordinate. */
function numberProblem(v: number, j: number, maxAbs: number): PointRejection | null {
  if (Number.isNaN(v)) return null;
  if (!Number.isFinite(v)) return { code: 'non-finite', message: `coordinate ${j} is ${v}` };
  return { code: 'out-of-range', message: `coordinate ${j} is ${v}, beyond the accepted magnitude ${maxAbs}` };
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v)}`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}
