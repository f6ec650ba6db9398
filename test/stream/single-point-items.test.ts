import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { FittingSession } from '../../src/stream/fitting-session.js';
import { onlineEm } from '../../src/stream/online-em-operator.js';
import type { OnlineEmEvent, SnapshotEvent } from '../../src/stream/online-em-events.js';
import { isSinglePoint, rowCount } from '../../src/stream/point-input.js';
import { randomMixture, sampleMixture } from '../../src/synthetic/mixture-generator.js';
import { toRows } from '../helpers/fixtures.js';

const points = toRows(sampleMixture(randomMixture({ k: 2, dim: 2, seed: 5 }), 2_500, 6).data, 2) as (number | null)[][];
// A missing coordinate and a refused point, so that both travel as single points too.
points[1300] = [null, points[1300][1]];
points[1400] = [Number.POSITIVE_INFINITY, 1];
const options = { components: 2, batchSize: 100, warmup: 500, restarts: 2, snapshotEvery: 3 };
const batches = Array.from({ length: 25 }, (_, i) => points.slice(i * 100, (i + 1) * 100));

const snapshots = (events: OnlineEmEvent[]) =>
  events.filter((e): e is SnapshotEvent<unknown> => e.type === 'snapshot').map((e) => ({ ...e.snapshot, createdAt: '' }));
const rejectionCount = (events: OnlineEmEvent[]) => events.reduce((n, e) => n + (e.type === 'rejected' ? e.rejections.length : 0), 0);

describe('single points as items', () => {
  it('the operator gives a stream of single points the snapshots of the same points in batches', async () => {
    const single = await lastValueFrom(from(points).pipe(onlineEm(options), toArray()));
    const batched = await lastValueFrom(from(batches).pipe(onlineEm(options), toArray()));
    expect(snapshots(single).length).toBeGreaterThan(5);
    expect(snapshots(single)).toEqual(snapshots(batched));
    expect(rejectionCount(single)).toBe(1);
    expect(rejectionCount(batched)).toBe(1);
  });

  it('FittingSession takes single points, bare or as {points, position}', () => {
    const session = new FittingSession<number>(options, () => 0);
    const events = points.flatMap((p, i) => session.ingest(i % 2 === 0 ? p : { points: [p], position: i }));
    const rejected = events.find((e) => e.type === 'rejected');
    expect(rejected?.type === 'rejected' && rejected.rejections.map((r) => [r.index, r.code])).toEqual([[0, 'non-finite']]);
    expect(session.engine.counters.pointsSeen).toBe(points.length - 1);
    const batchedSession = new FittingSession<number>(options, () => 0);
    const batchedEvents = batches.flatMap((b) => batchedSession.ingest(b));
    expect(snapshots([...events, ...session.complete(true)])).toEqual(snapshots([...batchedEvents, ...batchedSession.complete(true)]));
  });

  it('tells a point from a batch by its elements', () => {
    expect(isSinglePoint([1, null, 2])).toBe(true);
    expect(isSinglePoint([null, null])).toBe(true);
    expect(isSinglePoint([[1, 2]])).toBe(false);
    expect(isSinglePoint([])).toBe(false);
    expect(isSinglePoint([1, [2]])).toBe(false);
    expect(rowCount([1, 2, 3])).toBe(1);
    expect(rowCount([[1, 2, 3]])).toBe(1);
    expect(rowCount([[1], [2]])).toBe(2);
  });
});
