import { describe, expect, it } from 'vitest';
import { decodeJsonPoints } from '../../src/io/json-points.js';

describe('decodeJsonPoints', () => {
  it.each([
    ['[1, 2, 3]', [[1, 2, 3]]],
    ['[[1, 2], [3, null]]', [[1, 2], [3, null]]],
    ['{"points": [[1, 2]]}', [[1, 2]]],
    ['{"points": []}', []],
    ['[null, 2]', [[null, 2]]],
    // Rows are validated later, point by point: a bad row still decodes.
    ['[[1, 2], "x"]', [[1, 2], 'x']],
  ])('decodes %s', (text, rows) => {
    expect(decodeJsonPoints(text)).toEqual({ ok: true, rows });
  });

  it.each([
    ['[1, 2', 'invalid-json'],
    ['', 'invalid-json'],
    ['"text"', 'not-points'],
    ['42', 'not-points'],
    ['null', 'not-points'],
    ['[]', 'not-points'],
    ['{"x": 1}', 'not-points'],
    ['{"points": 3}', 'not-points'],
  ])('refuses %j as %s with a reason', (text, code) => {
    const result = decodeJsonPoints(text);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.code).toBe(code);
    expect(!result.ok && result.message.length).toBeGreaterThan(10);
  });
});
