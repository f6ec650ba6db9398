import { countRowsWithMissing, sliceBatch } from './point-batch.js';
import type { PointBatch } from './types.js';

/**
 * Cuts the stream of accepted points into minibatches of exactly `size` points in
 * arrival order, whatever the sizes of the batches pushed in. Boundaries are thus a
 * function of the input sequence alone, which makes a fit reproducible across
 * restarts. The remainder waits here (and is part of a checkpoint).
 */
export class MinibatchAssembler {
  private readonly buffer: Float64Array;
  private fill = 0;

  constructor(
    readonly dim: number,
    readonly size: number,
  ) {
    this.buffer = new Float64Array(dim * size);
  }

  get pendingCount(): number {
    return this.fill;
  }

  /** Emit every completed minibatch to `onFull`; an emitted batch is valid only during the call. */
  push(batch: PointBatch, onFull: (minibatch: PointBatch) => void): void {
    const { size } = this;
    let start = 0;
    if (this.fill > 0) {
      const take = Math.min(size - this.fill, batch.n);
      this.append(batch, 0, take);
      start = take;
      if (this.fill === size) {
        this.fill = 0;
        onFull(this.bufferBatch(size));
      }
    }
    while (batch.n - start >= size) {
      onFull(sliceBatch(batch, start, start + size));
      start += size;
    }
    if (start < batch.n) this.append(batch, start, batch.n);
  }

  /** The points waiting for a full minibatch, copied. */
  pending(): PointBatch {
    const data = this.buffer.slice(0, this.fill * this.dim);
    return { n: this.fill, dim: this.dim, data, rowsWithMissing: countRowsWithMissing(data, this.fill, this.dim) };
  }

  /** Waiting points [from, to), sharing the buffer: valid until the next push. */
  pendingRows(from: number, to: number): PointBatch {
    const data = this.buffer.subarray(from * this.dim, to * this.dim);
    return { n: to - from, dim: this.dim, data, rowsWithMissing: countRowsWithMissing(data, to - from, this.dim) };
  }

  /** Remove and return the waiting points (to flush a last, partial minibatch). */
  takePending(): PointBatch {
    const out = this.pending();
    this.fill = 0;
    return out;
  }

  private append(batch: PointBatch, from: number, to: number): void {
    this.buffer.set(batch.data.subarray(from * this.dim, to * this.dim), this.fill * this.dim);
    this.fill += to - from;
  }

  private bufferBatch(n: number): PointBatch {
    const data = this.buffer.subarray(0, n * this.dim);
    return { n, dim: this.dim, data, rowsWithMissing: countRowsWithMissing(data, n, this.dim) };
  }
}
