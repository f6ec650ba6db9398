import { describe, expect, it } from 'vitest';
import { concatBatches, countRowsWithMissing, imputeMissing, observedColumnMeans, pointBatch, sliceBatch } from '../../src/em/point-batch.js';

const N = NaN;

describe('point batches', () => {
  const data = Float64Array.from([1, 2, N, 4, 5, N, 7, 8]);

  it('pointBatch infers n and counts rows with a missing coordinate', () => {
    const b = pointBatch(data, 2);
    expect([b.n, b.dim, b.rowsWithMissing]).toEqual([4, 2, 2]);
    expect(countRowsWithMissing(Float64Array.from([N, N, 1, 1]), 2, 2)).toBe(1);
  });

  it('sliceBatch shares memory and recounts missing rows', () => {
    const b = pointBatch(data, 2);
    const s = sliceBatch(b, 2, 4);
    expect([s.n, s.rowsWithMissing]).toEqual([2, 1]);
    expect(s.data.buffer).toBe(data.buffer);
    expect(Array.from(s.data).map(String)).toEqual(['5', 'NaN', '7', '8']);
    expect(sliceBatch(b, 3, 4).rowsWithMissing).toBe(0);
  });

  it('concatBatches joins rows in order', () => {
    const c = concatBatches([pointBatch(data.slice(0, 4), 2), pointBatch(new Float64Array(0), 2), pointBatch(data.slice(4), 2)], 2);
    expect([c.n, c.rowsWithMissing]).toEqual([4, 2]);
    expect(Array.from(c.data).map(String)).toEqual(Array.from(data).map(String));
  });

  it('observedColumnMeans skips missing values; a column with none observed gets 0', () => {
    expect(Array.from(observedColumnMeans(pointBatch(data, 2)))).toEqual([(1 + 5 + 7) / 3, (2 + 4 + 8) / 3]);
    expect(Array.from(observedColumnMeans(pointBatch(Float64Array.from([1, N, 3, N]), 2)))).toEqual([2, 0]);
  });

  it('imputeMissing fills copies of the missing coordinates with the given column values', () => {
    const out = imputeMissing(pointBatch(data, 2), Float64Array.from([-1, -2]));
    expect(Array.from(out)).toEqual([1, 2, -1, 4, 5, -2, 7, 8]);
    expect(Number.isNaN(data[2])).toBe(true);
  });
});
