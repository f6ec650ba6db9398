import { describe, expect, it } from 'vitest';
import { RefusedPoint } from '../../../src/em/point-validation.js';
import { decodeMessage } from '../../../src/kafka/message-format.js';
import { PointMessageBatcher, type PointMessage } from '../../../src/kafka/tools/point-messages.js';
import { PointValidator } from '../../../src/kafka/tools/point-validator.js';

const position = { topic: 't', partition: 0, offset: '0' };

function decoded(message: PointMessage): unknown {
  const input = decodeMessage(message.value, message.headers, position, 1 << 20);
  if ('data' in input) return { dim: input.dim, data: Array.from(input.data) };
  return (input as { points: unknown }).points;
}

describe('PointMessageBatcher', () => {
  it('groups points per key into messages of N, each key in order, the partial ones at flush in first-seen order', () => {
    const batcher = new PointMessageBatcher('json', 2, 2);
    const out: PointMessage[] = [];
    const add = (x: number, key: string | null): void => void out.push(...batcher.add(Float64Array.of(x, x === 3 ? NaN : -x), key));
    add(1, 'a');
    add(2, 'b');
    expect(out).toEqual([]);
    add(3, 'a');
    expect(out.map((m) => [m.key, m.points, decoded(m)])).toEqual([['a', 2, [[1, -1], [3, null]]]]);
    add(4, null);
    add(5, 'a');
    out.push(...batcher.flush());
    expect(out.map((m) => [m.key, decoded(m)])).toEqual([
      ['a', [[1, -1], [3, null]]],
      ['b', [[2, -2]]],
      [null, [[4, -4]]],
      ['a', [[5, -5]]],
    ]);
    expect(batcher.flush()).toEqual([]);
  });

  it('binary: little-endian float64 rows with the dimension header, NaN where missing, as the processor decodes them', () => {
    const batcher = new PointMessageBatcher('binary', 3, 2);
    batcher.add(Float64Array.of(1, 2), 'k');
    const [message] = batcher.add(Float64Array.of(NaN, 4), 'k').concat(batcher.flush());
    expect(message.points).toBe(2);
    expect(decoded(message)).toEqual({ dim: 2, data: [1, 2, NaN, 4] });
  });
});

describe('PointValidator', () => {
  it('takes the dimension of the first valid row, refuses the others as the engine would', () => {
    const validator = new PointValidator(null, 1e15);
    expect(validator.check('x')).toMatchObject({ code: 'not-an-array' });
    expect(validator.check(new RefusedPoint('invalid-json: no'))).toEqual({ code: 'undecodable', message: 'invalid-json: no' });
    expect(validator.check([null, null])).toMatchObject({ code: 'all-missing' });
    expect(validator.dim).toBeNull();
    expect(Array.from(validator.check([1, null]) as Float64Array)).toEqual([1, NaN]);
    expect(validator.dim).toBe(2);
    expect(validator.check([1, 2, 3])).toMatchObject({ code: 'wrong-dimension' });
    expect(validator.check([1, 2e15])).toMatchObject({ code: 'out-of-range' });
    expect(Array.from(validator.check([3, 4]) as Float64Array)).toEqual([3, 4]);
  });

  it('with a dimension given, a stray first row is refused instead of setting it', () => {
    const validator = new PointValidator(3, 1e15);
    expect(validator.check([1, 2])).toMatchObject({ code: 'wrong-dimension' });
    expect(Array.from(validator.check([1, 2, 3]) as Float64Array)).toEqual([1, 2, 3]);
  });
});
