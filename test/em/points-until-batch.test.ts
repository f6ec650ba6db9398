import { describe, expect, it } from 'vitest';
import { OnlineEm } from '../../src/em/online-em.js';
import { randomMixture, sampleMixture } from '../../src/synthetic/mixture-generator.js';

const data = sampleMixture(randomMixture({ k: 2, dim: 2, seed: 1 }), 2_000, 2).data;

describe('OnlineEm.pointsUntilBatch', () => {
  it('counts the warm-up, the pending points and whole minibatches, and feeding exactly that many reaches the batch', () => {
    const engine = new OnlineEm({ components: 2, batchSize: 100, warmup: 500, restarts: 1 });
    expect(engine.pointsUntilBatch(1)).toBeNull();
    engine.ingestFloat64(data.slice(0, 2 * 130), 2);
    expect(engine.pointsUntilBatch(3)).toBe(500 - 130 + 300);
    engine.ingestFloat64(data.slice(2 * 130, 2 * 650), 2);
    expect(engine.counters.batches).toBe(1);
    expect(engine.pointsUntilBatch(1)).toBe(0);
    const needed = engine.pointsUntilBatch(4)!;
    expect(needed).toBe(300 - 50);
    engine.ingestFloat64(data.slice(2 * 650, 2 * (650 + needed - 1)), 2);
    expect(engine.counters.batches).toBe(3);
    engine.ingestFloat64(data.slice(2 * (650 + needed - 1), 2 * (650 + needed)), 2);
    expect([engine.counters.batches, engine.pointsPending]).toEqual([4, 0]);
  });
});
