import { from, lastValueFrom, Subject, toArray, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { OnlineEm } from '../../src/em/online-em.js';
import { onlineEm } from '../../src/stream/online-em-operator.js';
import type { OnlineEmEvent, SnapshotEvent } from '../../src/stream/online-em-events.js';
import { randomMixture, sampleMixture } from '../../src/synthetic/mixture-generator.js';

const d = 2;
const data = sampleMixture(randomMixture({ k: 2, dim: d, seed: 3 }), 6_000, 4).data;
const rows = (from: number, to: number): number[][] => {
  const out: number[][] = [];
  for (let i = from; i < to; i++) out.push([data[i * d], data[i * d + 1]]);
  return out;
};
/** 6,000 points in items of 250 rows. */
const items = Array.from({ length: 24 }, (_, i) => rows(i * 250, (i + 1) * 250));
const options = { components: 2, batchSize: 100, warmup: 1000, restarts: 2 };

async function run<P>(input: Parameters<typeof from>[0], extra: Record<string, unknown> = {}): Promise<OnlineEmEvent<P>[]> {
  return lastValueFrom(from(input as never[]).pipe(onlineEm<P>({ ...options, ...extra }), toArray()));
}
const snapshotsOf = <P>(events: OnlineEmEvent<P>[]) => events.filter((e): e is SnapshotEvent<P> => e.type === 'snapshot');

describe('onlineEm operator', () => {
  it('emits a snapshot every N minibatches and a final one when the source completes', async () => {
    const events = await run(items, { snapshotEvery: 10 });
    const snapshots = snapshotsOf(events);
    // 5,000 points after the warm-up make 50 minibatches: snapshots at 10, 20, ..., 50, then the final one.
    expect(snapshots.map((s) => s.snapshot.batches)).toEqual([10, 20, 30, 40, 50, 50]);
    expect(snapshots.map((s) => s.final)).toEqual([false, false, false, false, false, true]);
    expect(snapshots.at(-1)!.snapshot.pointsSeen).toBe(6_000);
  });

  it('agrees with the engine driven directly', async () => {
    const events = await run(items, { snapshotEvery: null });
    const engine = new OnlineEm(options);
    for (const item of items) engine.ingestRows(item);
    engine.flush();
    const { createdAt: _a, ...fromOperator } = snapshotsOf(events).at(-1)!.snapshot;
    const { createdAt: _b, ...direct } = engine.snapshot()!;
    expect(fromOperator).toEqual(direct);
  });

  it('turns bad points into rejected events with their positions, never a stream error', async () => {
    const input = [
      { points: rows(0, 1500), position: 'a' },
      { points: [[1, 2], [1], ['x', 2], [null, null], [1, Infinity], 'garbage', [3, null]], position: 'b' },
      { points: rows(1500, 3000), position: 'c' },
    ];
    const events = await run<string>(input);
    const rejected = events.filter((e) => e.type === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0].position).toBe('b');
    expect(rejected[0].type === 'rejected' && rejected[0].rejections.map((r) => [r.index, r.code])).toEqual([
      [1, 'wrong-dimension'],
      [2, 'not-a-number'],
      [3, 'all-missing'],
      [4, 'non-finite'],
      [5, 'not-an-array'],
    ]);
    const final = snapshotsOf(events).at(-1)!;
    expect(final.snapshot.pointsSeen).toBe(3002);
    expect(final.snapshot.rejected).toBe(5);
    expect(final.position).toBe('c');
  });

  it('gives the same model whatever the sizes of the incoming batches', async () => {
    const big = await run(items);
    const small = await run(Array.from({ length: 6000 / 7 + 1 }, (_, i) => rows(i * 7, Math.min(6000, (i + 1) * 7))).filter((r) => r.length > 0));
    const a = snapshotsOf(big).at(-1)!.snapshot;
    const b = snapshotsOf(small).at(-1)!.snapshot;
    expect(b.means).toEqual(a.means);
    expect(b.covariances).toEqual(a.covariances);
  });

  it('takes float64 rows on the fast path and JSON-like rows alike', async () => {
    const floats = items.map((item) => ({ data: Float64Array.from(item.flat()), dim: d }));
    const a = snapshotsOf(await run(items)).at(-1)!.snapshot;
    const b = snapshotsOf(await run(floats)).at(-1)!.snapshot;
    expect(b.weights).toEqual(a.weights);
    expect(b.means).toEqual(a.means);
  });

  it('snapshots by time on the scheduler it is given', () => {
    const scheduler = new VirtualTimeScheduler();
    const input = new Subject<number[][]>();
    const events: OnlineEmEvent[] = [];
    input.pipe(onlineEm({ ...options, snapshotEvery: null, snapshotIntervalMs: 1000, scheduler })).subscribe((e) => events.push(e));
    input.next(rows(0, 1500)); // warm-up and 5 minibatches, at t = 0: not yet due
    expect(snapshotsOf(events)).toHaveLength(0);
    scheduler.schedule(() => input.next(rows(1500, 1600)), 999);
    scheduler.schedule(() => input.next(rows(1600, 1700)), 1000);
    scheduler.schedule(() => input.next(rows(1700, 1800)), 1500);
    scheduler.flush();
    expect(snapshotsOf(events).map((s) => s.snapshot.pointsSeen)).toEqual([1700]);
  });

  it('emits checkpoints on request, with the state, also while warming up', () => {
    const input = new Subject<number[][]>();
    const requests = new Subject<void>();
    const events: OnlineEmEvent[] = [];
    input.pipe(onlineEm({ ...options, checkpointRequests: requests, includeState: true, flushOnComplete: false })).subscribe((e) => events.push(e));
    input.next(rows(0, 500));
    requests.next();
    const warming = events.at(-1)!;
    expect(warming.type).toBe('checkpoint');
    expect(warming.type === 'checkpoint' && warming.snapshot).toBeNull();
    expect(warming.type === 'checkpoint' && warming.state.warmupPoints.length).toBe(500 * d);
    input.next(rows(500, 1550));
    input.complete();
    const final = events.at(-1)!;
    // Not flushed: the last 50 points wait for their minibatch in the state.
    expect(final.type === 'snapshot' && final.final && final.state!.pendingPoints.length).toBe(50 * d);
  });

  it('counts a checkpoint with a model as a snapshot for the time cadence (no second snapshot right after)', () => {
    const scheduler = new VirtualTimeScheduler();
    const input = new Subject<number[][]>();
    const requests = new Subject<void>();
    const events: OnlineEmEvent[] = [];
    input.pipe(onlineEm({ ...options, snapshotEvery: null, snapshotIntervalMs: 1000, checkpointRequests: requests, scheduler })).subscribe((e) => events.push(e));
    input.next(rows(0, 1500));
    scheduler.schedule(() => requests.next(), 1000);
    scheduler.schedule(() => input.next(rows(1500, 1700)), 1001);
    scheduler.schedule(() => input.next(rows(1700, 1900)), 2000);
    scheduler.flush();
    expect(events.map((e) => e.type)).toEqual(['checkpoint', 'snapshot']);
    expect(events[1].type === 'snapshot' && events[1].snapshot.pointsSeen).toBe(1900);
  });

  it('emits progress events on the progress interval', () => {
    const scheduler = new VirtualTimeScheduler();
    const input = new Subject<number[][]>();
    const events: OnlineEmEvent[] = [];
    input.pipe(onlineEm({ ...options, progressIntervalMs: 500, scheduler })).subscribe((e) => events.push(e));
    scheduler.schedule(() => input.next(rows(0, 1500)), 600);
    scheduler.flush();
    const progress = events.filter((e) => e.type === 'progress');
    expect(progress).toHaveLength(1);
    expect(progress[0].type === 'progress' && progress[0].counters.pointsSeen).toBe(1500);
    expect(progress[0].type === 'progress' && progress[0].pointsPerSecond).toBeCloseTo(1500 / 0.6, 6);
  });

  it('passes an error of the source on', async () => {
    const source = new Subject<number[][]>();
    const result = lastValueFrom(source.pipe(onlineEm(options), toArray()));
    source.error(new Error('broken source'));
    await expect(result).rejects.toThrow('broken source');
  });
});
