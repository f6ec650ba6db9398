/** A buffer that grows to the largest size asked for and is reused after (no allocation per minibatch). */
export class GrowableBuffer {
  private buffer = new Float64Array(0);

  /** A view of `length` entries (the contents are not kept when it grows). */
  view(length: number): Float64Array {
    if (this.buffer.length < length) this.buffer = new Float64Array(Math.max(length, Math.ceil(this.buffer.length * 1.5)));
    return this.buffer.subarray(0, length);
  }
}
