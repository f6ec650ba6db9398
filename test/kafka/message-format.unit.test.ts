import { describe, expect, it } from 'vitest';
import { RefusedPoint } from '../../src/em/point-validation.js';
import { BINARY_CONTENT_TYPE, binaryHeaders, decodeMessage, encodeBinaryPoints } from '../../src/kafka/message-format.js';
import { isFloat64Input, type PointInput } from '../../src/stream/point-input.js';

const position = { topic: 't', partition: 0, offset: '7' };
const refusal = (input: PointInput) => {
  const rows = (input as { points: unknown[] }).points;
  return rows.length === 1 && rows[0] instanceof RefusedPoint ? rows[0].message : null;
};

describe('decodeMessage', () => {
  it('decodes JSON by default and carries the position', () => {
    const input = decodeMessage(Buffer.from('[[1, 2], [3, null]]'), undefined, position, 1000);
    expect(input).toEqual({ points: [[1, 2], [3, null]], position });
  });

  it('decodes binary float64 rows exactly, NaN kept as missing', () => {
    const data = new Float64Array([1.5, -2.25, NaN, 1e-300, Math.PI, -0]);
    const input = decodeMessage(encodeBinaryPoints(data), binaryHeaders(3), position, 1000);
    expect(isFloat64Input(input)).toBe(true);
    expect(isFloat64Input(input) && input.dim).toBe(3);
    expect(isFloat64Input(input) && Array.from(input.data)).toEqual(Array.from(data));
  });

  it('decodes binary values that sit at an odd offset of their buffer', () => {
    const bytes = Buffer.concat([Buffer.from([0]), encodeBinaryPoints(new Float64Array([1, 2]))]).subarray(1);
    const input = decodeMessage(bytes, binaryHeaders(2), position, 1000);
    expect(isFloat64Input(input) && Array.from(input.data)).toEqual([1, 2]);
  });

  it.each([
    ['no value', null, undefined, /empty/],
    ['an empty value', Buffer.alloc(0), undefined, /empty/],
    ['an oversized value', Buffer.alloc(2000, 32), undefined, /oversized.*2000 bytes.*1000/],
    ['an unknown content-type', Buffer.from('[1]'), { 'content-type': 'text/csv' }, /unsupported content-type "text\/csv"/],
    ['binary without dimension', Buffer.alloc(16), { 'content-type': BINARY_CONTENT_TYPE }, /dimension/],
    ['binary with dimension 0', Buffer.alloc(16), { 'content-type': BINARY_CONTENT_TYPE, dimension: '0' }, /dimension/],
    ['binary of a broken length', Buffer.alloc(20), binaryHeaders(2), /20 bytes is not a whole number of rows of 2/],
    ['invalid JSON', Buffer.from('[1, 2'), undefined, /invalid-json/],
  ])('refuses %s with a reason', (_name, value, headers, reason) => {
    const input = decodeMessage(value as Buffer | null, headers as never, position, 1000);
    expect(refusal(input)).toMatch(reason);
    expect((input as { position: unknown }).position).toEqual(position);
  });
});
