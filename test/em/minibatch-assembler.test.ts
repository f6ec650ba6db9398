import { describe, expect, it } from 'vitest';
import { MinibatchAssembler } from '../../src/em/minibatch-assembler.js';
import { pointBatch } from '../../src/em/point-batch.js';
import { SeededRandom } from '../../src/em/random.js';
import type { PointBatch } from '../../src/em/types.js';

const D = 3;

function points(n: number): Float64Array {
  const data = new Float64Array(n * D);
  for (let i = 0; i < data.length; i++) data[i] = i % 7 === 3 ? NaN : i; // some missing coordinates
  return data;
}

interface Emitted {
  readonly rows: number[];
  readonly n: number;
  readonly rowsWithMissing: number;
}

/** Push `data` in chunks of the given sizes; record each emitted minibatch (copied: it is valid only during the call). */
function run(data: Float64Array, size: number, chunks: number[]): { emitted: Emitted[]; pending: PointBatch } {
  const assembler = new MinibatchAssembler(D, size);
  const emitted: Emitted[] = [];
  let start = 0;
  for (const m of chunks) {
    assembler.push(pointBatch(data.slice(start * D, (start + m) * D), D), (b) =>
      emitted.push({ rows: Array.from(b.data.subarray(0, b.n * D)), n: b.n, rowsWithMissing: b.rowsWithMissing }),
    );
    start += m;
  }
  expect(start).toBe(data.length / D);
  return { emitted, pending: assembler.pending() };
}

function randomChunks(total: number, seed: number, max: number): number[] {
  const rng = new SeededRandom(seed);
  const out: number[] = [];
  let left = total;
  while (left > 0) {
    const m = Math.min(left, rng.int(max + 1)); // includes empty pushes
    out.push(m);
    left -= m;
  }
  return out;
}

describe('MinibatchAssembler', () => {
  const n = 103;
  const size = 10;
  const data = points(n);

  it('cuts minibatches of exactly `size` points in arrival order', () => {
    const { emitted, pending } = run(data, size, [n]);
    expect(emitted.length).toBe(10);
    emitted.forEach((b, t) => {
      expect(b.n).toBe(size);
      expect(b.rows.map(String)).toEqual(Array.from(data.subarray(t * size * D, (t + 1) * size * D)).map(String));
      // rowsWithMissing recounted per minibatch
      let expected = 0;
      for (let i = 0; i < size; i++) if (b.rows.slice(i * D, i * D + D).some(Number.isNaN)) expected++;
      expect(b.rowsWithMissing).toBe(expected);
    });
    expect(pending.n).toBe(3);
    expect(Array.from(pending.data).map(String)).toEqual(Array.from(data.subarray(100 * D)).map(String));
  });

  it('boundaries do not depend on how the points are chunked', () => {
    const reference = run(data, size, [n]);
    const chunkings = [
      new Array<number>(n).fill(1),
      [9, 1, 10, 11, 0, 19, 21, 32],
      [3, 100],
      randomChunks(n, 1, 7),
      randomChunks(n, 2, 25),
      randomChunks(n, 3, 60),
    ];
    for (const chunks of chunkings) {
      const r = run(data, size, chunks);
      expect(r.emitted.map((b) => b.rows.map(String))).toEqual(reference.emitted.map((b) => b.rows.map(String)));
      expect(r.emitted.map((b) => b.rowsWithMissing)).toEqual(reference.emitted.map((b) => b.rowsWithMissing));
      expect(Array.from(r.pending.data).map(String)).toEqual(Array.from(reference.pending.data).map(String));
      expect(r.pending.rowsWithMissing).toBe(reference.pending.rowsWithMissing);
    }
  });

  it('takePending returns the waiting points and empties the buffer; pending copies', () => {
    const assembler = new MinibatchAssembler(D, size);
    assembler.push(pointBatch(data.slice(0, 4 * D), D), () => expect.fail('nothing is full yet'));
    expect(assembler.pendingCount).toBe(4);
    const copy = assembler.pending();
    copy.data[0] = 999;
    const taken = assembler.takePending();
    expect(taken.n).toBe(4);
    expect(taken.data[0]).toBe(data[0]);
    expect(assembler.pendingCount).toBe(0);
    expect(assembler.pending().n).toBe(0);
  });
});

describe('MinibatchAssembler.pendingRows', () => {
  it('is a view of waiting rows [from, to) with their missing-row count', () => {
    const data = points(10);
    const assembler = new MinibatchAssembler(D, 8);
    assembler.push(pointBatch(data.slice(0, 5 * D), D), () => expect.fail('nothing is full yet'));
    assembler.push(pointBatch(data.slice(5 * D, 10 * D), D), () => undefined);
    expect(assembler.pendingCount).toBe(2);
    const rows = assembler.pendingRows(1, 2);
    expect([rows.n, rows.dim]).toEqual([1, D]);
    expect(Array.from(rows.data)).toEqual(Array.from(data.subarray(9 * D, 10 * D)));
    const withMissing = (row: number): number => (Array.from(data.subarray(row * D, (row + 1) * D)).some(Number.isNaN) ? 1 : 0);
    expect([withMissing(8), withMissing(9)]).toEqual([1, 0]);
    expect(rows.rowsWithMissing).toBe(0);
    expect(assembler.pendingRows(0, 1).rowsWithMissing).toBe(1);
    expect(assembler.pendingRows(0, 0).n).toBe(0);
    const both = assembler.pendingRows(0, 2);
    expect([Array.from(both.data), both.rowsWithMissing]).toEqual([Array.from(data.subarray(8 * D, 10 * D)), 1]);
  });
});
