import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_ABS_VALUE,
  inferDimension,
  RefusedPoint,
  validateFloat64Rows,
  validatePointInto,
  validateRows,
  type PointRejection,
} from '../../src/em/point-validation.js';

const MAX = DEFAULT_MAX_ABS_VALUE;

function check(value: unknown, dim = 2): number | PointRejection {
  return validatePointInto(value, dim, MAX, new Float64Array(dim), 0);
}

describe('validatePointInto', () => {
  it('accepts numbers and copies them at the offset', () => {
    const out = new Float64Array(5);
    expect(validatePointInto([1.5, -2], 2, MAX, out, 3)).toBe(0);
    expect(Array.from(out)).toEqual([0, 0, 0, 1.5, -2]);
    expect(validatePointInto(Float64Array.from([1, 2]), 2, MAX, out, 0)).toBe(0);
    expect(validatePointInto(Float32Array.from([1, 2]), 2, MAX, out, 0)).toBe(0);
  });

  it('null and NaN are missing coordinates (NaN in the output), counted', () => {
    const out = new Float64Array(3);
    expect(validatePointInto([null, 2, NaN], 3, MAX, out, 0)).toBe(2);
    expect(Number.isNaN(out[0])).toBe(true);
    expect(out[1]).toBe(2);
    expect(Number.isNaN(out[2])).toBe(true);
  });

  const rejections: [string, unknown, number, PointRejection['code'], RegExp][] = [
    ['a string', '1,2', 2, 'not-an-array', /array of numbers, got the string "1,2"/],
    ['an object', { x: 1, y: 2 }, 2, 'not-an-array', /got an object/],
    ['null', null, 2, 'not-an-array', /got null/],
    ['undefined', undefined, 2, 'not-an-array', /got undefined/],
    ['a number', 5, 2, 'not-an-array', /got number 5/],
    ['an empty array', [], 2, 'empty', /at least one coordinate/],
    ['too few coordinates', [1], 2, 'wrong-dimension', /expected 2 coordinates, got 1/],
    ['too many coordinates', [1, 2, 3], 2, 'wrong-dimension', /expected 2 coordinates, got 3/],
    ['a numeric string coordinate', [1, '2'], 2, 'not-a-number', /coordinate 1 is the string "2"/],
    ['a nested array', [[1, 2], [3, 4]], 2, 'not-a-number', /coordinate 0 is an array/],
    ['a boolean', [true, 1], 2, 'not-a-number', /coordinate 0 is boolean true/],
    ['undefined coordinate', [1, undefined], 2, 'not-a-number', /coordinate 1/],
    ['an object coordinate', [1, {}], 2, 'not-a-number', /coordinate 1 is an object/],
    ['+Infinity', [Infinity, 1], 2, 'non-finite', /coordinate 0 is Infinity/],
    ['-Infinity', [1, -Infinity], 2, 'non-finite', /coordinate 1 is -Infinity/],
    ['1e308', [1e308, 1], 2, 'out-of-range', /coordinate 0 is 1e\+308, beyond the accepted magnitude 1000000000000000/],
    ['-1e16', [0, -1e16], 2, 'out-of-range', /coordinate 1/],
    ['all null', [null, null], 2, 'all-missing', /every coordinate is missing/],
    ['all NaN', [NaN, NaN], 2, 'all-missing', /every coordinate is missing/],
  ];
  for (const [name, value, dim, code, message] of rejections) {
    it(`rejects ${name} as ${code}`, () => {
      const r = check(value, dim);
      expect(typeof r).toBe('object');
      expect((r as PointRejection).code).toBe(code);
      expect((r as PointRejection).message).toMatch(message);
    });
  }

  it('refuses a RefusedPoint stand-in as undecodable with its message', () => {
    const r = check(new RefusedPoint('line 7: Unexpected token'));
    expect(r).toEqual({ code: 'undecodable', message: 'line 7: Unexpected token' });
  });

  it('accepts values up to the limit and honours a custom limit', () => {
    expect(check([1e15, -1e15])).toBe(0);
    expect((validatePointInto([11, 0], 2, 10, new Float64Array(2), 0) as PointRejection).code).toBe('out-of-range');
  });
});

describe('inferDimension', () => {
  it('takes the first row that is valid on its own', () => {
    expect(inferDimension(['x', [], [NaN, null], [1, 'a'], [Infinity], [1, 2, 3], [1, 2]], MAX)).toBe(3);
    expect(inferDimension(['x', null, [], [null]], MAX)).toBeNull();
    expect(inferDimension([], MAX)).toBeNull();
    expect(inferDimension([Float32Array.from([NaN]), Float64Array.from([1, 2])], MAX)).toBe(2);
  });
});

describe('validateRows', () => {
  it('packs valid rows, counts rows with missing coordinates, and indexes rejections', () => {
    const { batch, rejected } = validateRows([[1, 2], 'x', [null, 4], [5, 6, 7], [NaN, NaN], [8, 9]], 2, MAX);
    expect(batch.n).toBe(3);
    expect(batch.dim).toBe(2);
    expect(Array.from(batch.data).map(String)).toEqual(['1', '2', 'NaN', '4', '8', '9']);
    expect(batch.rowsWithMissing).toBe(1);
    expect(rejected.map((r) => [r.index, r.code])).toEqual([
      [1, 'not-an-array'],
      [3, 'wrong-dimension'],
      [4, 'all-missing'],
    ]);
  });
});

describe('validateFloat64Rows', () => {
  it('drops rows with ±Infinity, out-of-range values or nothing observed, compacting in place', () => {
    const N = NaN;
    // prettier-ignore
    const data = Float64Array.from([
      1, 2,          // 0 kept
      Infinity, 0,   // 1 non-finite
      3, N,          // 2 kept, missing
      N, N,          // 3 all-missing
      4, -1e300,     // 4 out-of-range
      5, 6,          // 5 kept
      0, -Infinity,  // 6 non-finite
    ]);
    const { batch, rejected } = validateFloat64Rows(data, 2, MAX);
    expect(batch.n).toBe(3);
    expect(batch.rowsWithMissing).toBe(1);
    expect(Array.from(batch.data).map(String)).toEqual(['1', '2', '3', 'NaN', '5', '6']);
    expect(batch.data.buffer).toBe(data.buffer); // in place
    expect(rejected.map((r) => [r.index, r.code])).toEqual([
      [1, 'non-finite'],
      [3, 'all-missing'],
      [4, 'out-of-range'],
      [6, 'non-finite'],
    ]);
    expect(rejected[0].message).toBe('coordinate 0 is Infinity');
    expect(rejected[3].message).toBe('coordinate 1 is -Infinity');
  });

  it('refuses ±Infinity even with no magnitude limit, and keeps values exactly at the limit', () => {
    const data = Float64Array.from([Infinity, 1, -Number.MAX_VALUE, 2, NaN, -Infinity]);
    const { batch, rejected } = validateFloat64Rows(data, 2, Infinity);
    expect(Array.from(batch.data)).toEqual([-Number.MAX_VALUE, 2]);
    expect(rejected.map((r) => [r.index, r.code])).toEqual([
      [0, 'non-finite'],
      [2, 'non-finite'],
    ]);
    const atLimit = validateFloat64Rows(Float64Array.from([MAX, -MAX, NaN, MAX * 1.0000001]), 2, MAX);
    expect(atLimit.batch.n).toBe(1);
    expect(atLimit.rejected.map((r) => r.code)).toEqual(['out-of-range']);
  });

  it('keeps everything when all rows are valid', () => {
    const data = Float64Array.from([1, 2, 3, 4, 5, 6]);
    const { batch, rejected } = validateFloat64Rows(data, 3, MAX);
    expect(rejected).toEqual([]);
    expect(batch.n).toBe(2);
    expect(Array.from(batch.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
