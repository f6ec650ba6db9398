import type { PointBatch } from './types.js';

/** A batch over `data` (n×dim), counting rows with missing (NaN) coordinates. */
export function pointBatch(data: Float64Array, dim: number, n = data.length / dim): PointBatch {
  return { n, dim, data, rowsWithMissing: countRowsWithMissing(data, n, dim) };
}

/** Rows [start, end) of a batch, sharing its memory. */
export function sliceBatch(batch: PointBatch, start: number, end: number): PointBatch {
  const data = batch.data.subarray(start * batch.dim, end * batch.dim);
  const n = end - start;
  const rowsWithMissing = batch.rowsWithMissing === 0 ? 0 : countRowsWithMissing(data, n, batch.dim);
  return { n, dim: batch.dim, data, rowsWithMissing };
}

export function concatBatches(batches: readonly PointBatch[], dim: number): PointBatch {
  let n = 0;
  for (const b of batches) n += b.n;
  const data = new Float64Array(n * dim);
  let offset = 0;
  let rowsWithMissing = 0;
  for (const b of batches) {
    data.set(b.data.subarray(0, b.n * dim), offset);
    offset += b.n * dim;
    rowsWithMissing += b.rowsWithMissing;
  }
  return { n, dim, data, rowsWithMissing };
}

export function countRowsWithMissing(data: Float64Array, n: number, dim: number): number {
  let count = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) {
      if (Number.isNaN(data[i * dim + j])) {
        count++;
        break;
      }
    }
  }
  return count;
}

/** Column means over observed values (0 for a column with none): the reference point c. */
export function observedColumnMeans(batch: PointBatch): Float64Array {
  const { n, dim: d, data } = batch;
  const sums = new Float64Array(d);
  const counts = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const v = data[i * d + j];
      if (!Number.isNaN(v)) {
        sums[j] += v;
        counts[j]++;
      }
    }
  }
  for (let j = 0; j < d; j++) sums[j] = counts[j] > 0 ? sums[j] / counts[j] : 0;
  return sums;
}

/** A copy with every missing coordinate replaced by the given column values. */
export function imputeMissing(batch: PointBatch, values: Float64Array): Float64Array {
  const out = batch.data.slice(0, batch.n * batch.dim);
  if (batch.rowsWithMissing === 0) return out;
  for (let i = 0; i < out.length; i++) if (Number.isNaN(out[i])) out[i] = values[i % batch.dim];
  return out;
}
