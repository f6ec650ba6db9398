import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { FittingSession } from '../../src/stream/fitting-session.js';
import { onlineEm } from '../../src/stream/online-em-operator.js';
import type { OnlineEmEvent } from '../../src/stream/online-em-events.js';
import { randomMixture, sampleMixture } from '../../src/synthetic/mixture-generator.js';
import { toRows } from '../helpers/fixtures.js';

const rows = toRows(sampleMixture(randomMixture({ k: 3, dim: 2, seed: 41 }), 5_000, 42).data, 2);
const items = Array.from({ length: 20 }, (_, i) => ({ points: rows.slice(i * 250, (i + 1) * 250), position: i }));
const options = { components: 3, batchSize: 100, warmup: 1000, restarts: 2, snapshotEvery: 5, includeState: true };
const withoutTimes = (events: OnlineEmEvent<number>[]) =>
  events.map((e) => ('snapshot' in e && e.snapshot ? { ...e, snapshot: { ...e.snapshot, createdAt: '' } } : e));

describe('FittingSession', () => {
  it('returns from each call the events the operator emits for it', async () => {
    const session = new FittingSession<number>(options, () => 0);
    const direct = [...items.flatMap((item) => session.ingest(item)), ...session.complete(true)];
    const viaOperator = await lastValueFrom(from(items).pipe(onlineEm<number>({ ...options, scheduler: { now: () => 0 } as never }), toArray()));
    expect(withoutTimes(direct)).toEqual(withoutTimes(viaOperator));
    expect(direct.filter((e) => e.type === 'snapshot').map((e) => e.type === 'snapshot' && e.position)).toEqual([5, 7, 9, 11, 13, 15, 17, 19, 19]);
  });

  it('a checkpoint taken mid-way resumes to the same final model', () => {
    const whole = new FittingSession<number>(options, () => 0);
    for (const item of items) whole.ingest(item);
    const [final] = whole.complete(true);

    const first = new FittingSession<number>(options, () => 0);
    for (const item of items.slice(0, 9)) first.ingest(item);
    const checkpoint = first.checkpoint();
    expect(checkpoint.position).toBe(8);
    const second = new FittingSession<number>({ ...options, initialState: checkpoint.state }, () => 0);
    for (const item of items.slice(9)) second.ingest(item);
    const [resumed] = second.complete(true);
    expect(resumed.type === 'snapshot' && { ...resumed.snapshot, createdAt: '' }).toEqual(final.type === 'snapshot' && { ...final.snapshot, createdAt: '' });
  });

  it('while warming up, completion without a flush returns a final checkpoint of the buffer', () => {
    const session = new FittingSession<number>(options, () => 0);
    session.ingest(items[0]);
    const [event] = session.complete(false);
    expect(event.type).toBe('checkpoint');
    expect(event.type === 'checkpoint' && [event.final, event.snapshot, event.state.warmupPoints.length]).toEqual([true, null, 500]);
  });
});
