import { describe, expect, it } from 'vitest';
import { OnlineEm } from '../../src/em/online-em.js';
import { CheckpointFormatError, decodeCheckpoint, decodePointer, encodeCheckpoint, encodePointer } from '../../src/kafka/checkpoint.js';
import { randomMixture, sampleMixture } from '../../src/synthetic/mixture-generator.js';

describe('checkpoint codec', () => {
  it('round-trips the engine state bit for bit, so a restore continues exactly', () => {
    const data = sampleMixture(randomMixture({ k: 2, dim: 3, seed: 1 }), 3_050, 2).data;
    const engine = new OnlineEm({ components: 2, warmup: 1000, batchSize: 100 });
    engine.ingestFloat64(data.slice(0, 2_050 * 3), 3);
    const checkpoint = {
      version: 1 as const,
      model: 'm',
      engine: engine.exportState(),
      counters: { messages: 5, deadLettered: 1, snapshotsPublished: 2, checkpoints: 3 },
      offsets: [{ topic: 't', partition: 0, offset: '5' }],
      createdAt: '2026-11-25T00:00:00.000Z',
    };
    const decoded = decodeCheckpoint(encodeCheckpoint(checkpoint));
    expect(decoded.counters).toEqual(checkpoint.counters);
    expect(decoded.offsets).toEqual(checkpoint.offsets);
    const restored = OnlineEm.restore({ components: 2, warmup: 1000, batchSize: 100 }, decoded.engine);
    engine.ingestFloat64(data.slice(2_050 * 3), 3);
    restored.ingestFloat64(data.slice(2_050 * 3), 3);
    const { createdAt: _a, ...a } = engine.snapshot(new Date(0))!;
    const { createdAt: _b, ...b } = restored.snapshot(new Date(0))!;
    expect(b).toEqual(a);
    for (const [x, y] of [[a.means.flat(), b.means.flat()], [a.covariances.flat(2), b.covariances.flat(2)]]) {
      x.forEach((v, i) => expect(Object.is(v, y[i])).toBe(true));
    }
  });

  it('refuses bytes that are not a checkpoint', () => {
    expect(() => decodeCheckpoint(Buffer.from('{"version": 2}'))).toThrow(CheckpointFormatError);
    expect(() => decodeCheckpoint(Buffer.from('garbage'))).toThrow(CheckpointFormatError);
  });

  it('points at the checkpoint from the offsets metadata, and ignores foreign metadata', () => {
    expect(decodePointer(encodePointer({ partition: 0, offset: '12345678901234' }))).toEqual({ partition: 0, offset: '12345678901234' });
    expect(decodePointer(null)).toBeNull();
    expect(decodePointer('')).toBeNull();
    expect(decodePointer('someone else:0:1')).toBeNull();
    expect(decodePointer('online-em-checkpoint:x:1')).toBeNull();
  });
});
