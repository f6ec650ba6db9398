import { describe, expect, it } from 'vitest';
import { argmaxComponents } from '../../src/score/argmax-components.js';

describe('argmaxComponents', () => {
  it('picks the largest responsibility of each row', () => {
    const resp = Float64Array.from([0.1, 0.7, 0.2, 0.5, 0.2, 0.3, 0, 0, 1]);
    expect(Array.from(argmaxComponents(resp, 3, 3))).toEqual([1, 0, 2]);
  });

  it('breaks ties by the lowest index and gives -1 for a row of NaN', () => {
    const resp = [0.5, 0.5, NaN, NaN, NaN, 1];
    expect(Array.from(argmaxComponents(resp, 3, 2))).toEqual([0, -1, 1]);
  });

  it('reads only the first n×k values and refuses too few', () => {
    expect(Array.from(argmaxComponents([0, 1, 1, 0, 9, 9], 2, 2))).toEqual([1, 0]);
    expect(() => argmaxComponents([0, 1, 1], 2, 2)).toThrow(RangeError);
  });
});
