import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { FittingSession } from '../../src/stream/fitting-session.js';
import { onlineEm } from '../../src/stream/online-em-operator.js';
import type { OnlineEmEvent, SnapshotEvent } from '../../src/stream/online-em-events.js';
import { randomMixture, sampleMixture } from '../../src/synthetic/mixture-generator.js';

const d = 2;
const data = sampleMixture(randomMixture({ k: 2, dim: d, seed: 9 }), 12_000, 10).data;
const options = { components: 2, batchSize: 50, warmup: 1000, restarts: 2, snapshotEvery: 20 };
const snapshotEvents = (events: OnlineEmEvent<number>[]) => events.filter((e): e is SnapshotEvent<number> => e.type === 'snapshot');

/** Items of 1,037 rows: many minibatches per item, boundaries never at an item's end. */
function rowItems(): { points: unknown[]; position: number }[] {
  const items: { points: unknown[]; position: number }[] = [];
  for (let start = 0, i = 0; start < 12_000; start += 1037, i++) {
    const points: unknown[] = [];
    for (let r = start; r < Math.min(12_000, start + 1037); r++) points.push([data[r * d], data[r * d + 1]]);
    // Refused rows shift nothing: a boundary is counted in accepted points.
    if (i % 3 === 1) points.splice(10, 0, 'not a point', [1, 2, 3]);
    items.push({ points, position: i });
  }
  return items;
}

describe('--snapshot-every inside large items', () => {
  it('the operator publishes exactly every N minibatches, then the final one', async () => {
    const events = await lastValueFrom(from(rowItems()).pipe(onlineEm<number>(options), toArray()));
    const batches = snapshotEvents(events).map((e) => e.snapshot.batches);
    // 11,000 points after the warm-up: 220 minibatches of 50.
    expect(batches).toEqual([20, 40, 60, 80, 100, 120, 140, 160, 180, 200, 220, 220]);
    const rejected = events.filter((e) => e.type === 'rejected');
    expect(rejected.map((e) => e.type === 'rejected' && e.rejections.map((r) => r.index))).toEqual([[10, 11], [10, 11], [10, 11], [10, 11]]);
  });

  it('float64 items are cut at the same boundaries', async () => {
    const items = Array.from({ length: 12 }, (_, i) => ({ data: data.slice(i * 1000 * d, (i + 1) * 1000 * d), dim: d, position: i }));
    const events = await lastValueFrom(from(items).pipe(onlineEm<number>({ ...options, snapshotEvery: 7 }), toArray()));
    const batches = snapshotEvents(events).map((e) => e.snapshot.batches);
    expect(batches).toEqual([...Array.from({ length: 31 }, (_, i) => 7 * (i + 1)), 220]);
  });

  it('with the state (the Kafka processor), items are not cut: a snapshot is the model after its whole item', () => {
    // The snapshot goes out with its message's offsets: it must reflect exactly the messages before them.
    const session = new FittingSession<number>({ ...options, includeState: true }, () => 0);
    session.ingest(rowItems()[0]);
    session.ingest(rowItems()[1]);
    const [snapshot] = snapshotEvents(session.ingest(rowItems()[2]));
    expect(snapshot.snapshot.batches).toBeGreaterThan(40);
    expect(snapshot.snapshot.pointsSeen).toBe(session.engine.counters.pointsSeen);
    expect(snapshot.state!.counters.pointsSeen).toBe(session.engine.counters.pointsSeen);
  });

  it('a restored session counts the cadence on from the restored minibatches', () => {
    const first = new FittingSession<number>(options, () => 0);
    const items = rowItems();
    for (const item of items.slice(0, 3)) first.ingest(item);
    const restored = new FittingSession<number>({ ...options, initialState: first.checkpoint().state }, () => 0);
    const start = restored.engine.counters.batches;
    const batches = items.slice(3).flatMap((item) => snapshotEvents(restored.ingest(item)).map((e) => e.snapshot.batches));
    expect(batches[0]).toBe(start + 20);
    expect(batches.slice(1).map((b, i) => b - batches[i])).toEqual(batches.slice(1).map(() => 20));
  });
});
