import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { registerZstdCodec } from '../../../src/kafka/compression/zstd-codec.js';
import { encodeBinaryScores } from '../../../src/kafka/scores/scores-record.js';
import type { ItemScores } from '../../../src/stream/item-scoring.js';
import { SeededRandom } from '../../../src/em/random.js';

/** A binary scores record of n points, k components, with near one-hot responsibilities (as a fitted mixture gives). */
function scoresRecord(n: number, k: number, seed: number): Buffer {
  const rng = new SeededRandom(seed);
  const responsibilities = new Float64Array(n * k);
  const component = new Int32Array(n);
  const logLikelihood = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    component[i] = Math.floor(rng.uniform() * k);
    const other = (component[i] + 1) % k;
    const share = rng.uniform() < 0.1 ? rng.uniform() * 0.5 : 0;
    responsibilities[i * k + component[i]] = 1 - share;
    responsibilities[i * k + other] = share;
    logLikelihood[i] = -10 + rng.normal();
  }
  const scores: ItemScores = { n, k, logLikelihood, component, responsibilities, anomaly: new Uint8Array(n), refused: new Map(), scored: n, anomalies: 0 };
  return encodeBinaryScores(scores);
}

describe('the zstd codec for kafkajs', () => {
  registerZstdCodec();
  const codec = kafkajs.CompressionCodecs[kafkajs.CompressionTypes.ZSTD]();

  it('writes real zstd frames (magic 28 b5 2f fd) that round-trip byte for byte', async () => {
    const record = scoresRecord(1000, 6, 1);
    const compressed: Buffer = await codec.compress({ buffer: record });
    expect([...compressed.subarray(0, 4)]).toEqual([0x28, 0xb5, 0x2f, 0xfd]);
    expect((await codec.decompress(compressed)).equals(record)).toBe(true);
  });

  it('round-trips outputs larger than its first chunk: incompressible bytes, and 12 MiB of zeros', async () => {
    const rng = new SeededRandom(4);
    const noise = Buffer.from(Float64Array.from({ length: 40_000 }, () => rng.normal()).buffer);
    const zeros = Buffer.alloc(12 * 2 ** 20);
    for (const input of [noise, zeros]) {
      const compressed: Buffer = await codec.compress({ buffer: input });
      expect((await codec.decompress(compressed)).equals(input)).toBe(true);
    }
  });

  it('makes a binary scores record at least 3× smaller', async () => {
    const record = scoresRecord(1000, 6, 2);
    const compressed: Buffer = await codec.compress({ buffer: record });
    expect(compressed.length * 3).toBeLessThan(record.length);
  });

  it('refuses a corrupt frame with an error, not a crash', async () => {
    const compressed: Buffer = await codec.compress({ buffer: scoresRecord(100, 3, 3) });
    compressed[compressed.length >> 1] ^= 0xff;
    compressed.writeUInt32LE(0, compressed.length - 4);
    await expect(codec.decompress(compressed.subarray(0, compressed.length - 7))).rejects.toThrow();
  });
});
