import { describe, expect, it } from 'vitest';
import { OnlineEm } from '../../../src/em/online-em.js';
import { SeededRandom } from '../../../src/em/random.js';
import { decodeMessage, isJsonMessage } from '../../../src/kafka/message-format.js';
import { uniformJsonRows } from '../../../src/kafka/message-decode/uniform-json-rows.js';
import type { PointInput } from '../../../src/stream/point-input.js';
import { randomMixture, sampleMixture } from '../../../src/synthetic/mixture-generator.js';
import { FUZZ_DIM, FuzzGenerator } from '../support/fuzz-messages.js';

/**
 * The decode thread's rows (uniformJsonRows) against decodeMessage's rows: fed to two
 * engines message by message, every message gives the same rejections (index, code,
 * message), and the engines the same counters and model, over thousands of seeded good
 * and malformed messages (the fuzz test's generator), from before the dimension is known.
 */
const MAX_ABS = 1e15;
const position = { topic: 't', partition: 0, offset: '0' };

function threadInput(value: Buffer, headers: Parameters<typeof decodeMessage>[1]): PointInput<typeof position> {
  if (!isJsonMessage(value, headers, 16_384)) return decodeMessage(value, headers, position, 16_384);
  const out = new Float64Array(Math.ceil(value.length / 2));
  const rows = uniformJsonRows(value.toString('utf8'), MAX_ABS, out, 0);
  return rows ? { data: out.subarray(0, rows.n * rows.dim), dim: rows.dim, position } : decodeMessage(value, headers, position, 16_384);
}

function ingest(engine: OnlineEm, input: PointInput<typeof position>) {
  return 'data' in input ? engine.ingestFloat64(input.data, input.dim) : engine.ingestRows((input as { points: readonly unknown[] }).points);
}

describe('uniformJsonRows', () => {
  it('leaves the engine as decodeMessage does, message by message, on seeded good and malformed messages', () => {
    const rng = new SeededRandom(5);
    const goodPoints = sampleMixture(randomMixture({ k: 3, dim: FUZZ_DIM, seed: 6 }), 20_000, 7).data;
    const fuzz = new FuzzGenerator({ seed: 8, maxMessageBytes: 16_384, goodPoints });
    // Malformed ones first too: the dimension is not known when they come.
    const messages = [...Array.from({ length: 30 }, () => fuzz.bad()), ...Array.from({ length: 4000 }, () => (rng.uniform() < 0.5 ? fuzz.good(1 + rng.int(30)) : fuzz.bad()))];
    const here = new OnlineEm({ components: 3, warmup: 500, seed: 1 });
    const thread = new OnlineEm({ components: 3, warmup: 500, seed: 1 });
    let fast = 0;
    for (const m of messages) {
      const value = m.value ?? null;
      const input = value === null ? decodeMessage(null, m.headers, position, 16_384) : threadInput(value, m.headers);
      if ('data' in input && isJsonMessage(value, m.headers, 16_384)) fast++;
      expect(ingest(thread, input)).toStrictEqual(ingest(here, decodeMessage(value, m.headers, position, 16_384)));
    }
    expect(thread.counters).toStrictEqual(here.counters);
    expect(thread.snapshot(new Date(0))).toStrictEqual(here.snapshot(new Date(0)));
    expect(fast).toBeGreaterThan(1000);
  });

  it('takes uniform rows of numbers and nulls, and leaves every other shape to decodeMessage', () => {
    const out = new Float64Array(64);
    expect(uniformJsonRows('[1, null, 3]', MAX_ABS, out, 0)).toStrictEqual({ n: 1, dim: 3 });
    expect(Array.from(out.subarray(0, 3))).toStrictEqual([1, NaN, 3]);
    expect(uniformJsonRows('{"points": [[1, 2], [3e999, 4]]}', MAX_ABS, out, 4)).toStrictEqual({ n: 2, dim: 2 });
    expect(Array.from(out.subarray(4, 8))).toStrictEqual([1, 2, Infinity, 4]);
    for (const text of ['[[1, 2], [3]]', '[1, "2"]', '[[1e999, 2]]', '[null, null]', '[]', '[[]]', '{"points": 1}', '{bad', '"x"', '[[1, 2], 3]', '\uFEFF[1, 2]', '[1, 2e16]']) {
      expect(uniformJsonRows(text, MAX_ABS, out, 0)).toBeNull();
    }
  });
});
