import { describe, expect, it } from 'vitest';
import { OnlineEm } from '../../src/em/online-em.js';
import { fitWarmupWhileHeartbeating } from '../../src/kafka/warmup-off-loop.js';
import { mixtureOfType, sampleBatch, toRows } from '../helpers/fixtures.js';

const heartbeats = () => {
  const beats = { count: 0, beat: async () => void beats.count++ };
  return beats;
};

describe('fitWarmupWhileHeartbeating', () => {
  const data = sampleBatch(mixtureOfType(3, 6, 'full', 51), 4000, 52).data;

  it('fits a costly warm-up on a worker thread, heartbeating meanwhile, and the engine starts from that fit', async () => {
    const options = { components: 'auto:4' as const, warmup: 4000, seed: 1 };
    const engine = new OnlineEm(options);
    const direct = new OnlineEm(options);
    const first = { data: data.slice(0, 3000 * 6), dim: 6 };
    const rest = { data: data.slice(3000 * 6), dim: 6 };
    const beats = heartbeats();
    expect(await fitWarmupWhileHeartbeating(engine, first, beats.beat, 5)).toBeNull(); // does not fill the warm-up
    engine.ingestFloat64(first.data, 6);
    const run = await fitWarmupWhileHeartbeating(engine, rest, beats.beat, 5);
    expect(run).toMatchObject({ points: 4000 });
    expect(run!.error).toBeUndefined();
    expect(beats.count).toBeGreaterThan(0);
    engine.ingestFloat64(rest.data, 6);
    direct.ingestFloat64(data.slice(), 6);
    expect(engine.exportState()).toEqual(direct.exportState());
  });

  it('terminates the worker when the process begins to stop, and says so instead of fitting', async () => {
    const engine = new OnlineEm({ components: 'auto:10', warmup: 4000, seed: 1 });
    const since = performance.now();
    const run = await fitWarmupWhileHeartbeating(engine, { data: data.slice(), dim: 6 }, heartbeats().beat, 5, () => performance.now() - since > 50);
    expect(run).toMatchObject({ points: 4000, stopped: true });
    // The whole fit takes seconds here; terminated, it ends within a poll or two of the stop.
    expect(run!.durationMs).toBeLessThan(1000);
    expect(engine.counters.pointsSeen).toBe(0); // nothing ingested: the caller stops without it
  });

  it('leaves a quick warm-up to the engine (a worker costs more than the fit), and a fitted engine alone', async () => {
    const engine = new OnlineEm({ components: 2, warmup: 200 });
    const beats = heartbeats();
    expect(await fitWarmupWhileHeartbeating(engine, toRows(data.slice(0, 300 * 6), 6), beats.beat, 5)).toBeNull();
    engine.ingestRows(toRows(data.slice(0, 300 * 6), 6));
    expect(engine.warmupRemaining).toBe(0);
    expect(await fitWarmupWhileHeartbeating(engine, toRows(data.slice(0, 300 * 6), 6), beats.beat, 5)).toBeNull();
    expect(beats.count).toBe(0);
  });
});
