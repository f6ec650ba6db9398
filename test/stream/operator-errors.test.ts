import { from, Observable, Subject, VirtualTimeScheduler } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OnlineEm } from '../../src/em/online-em.js';
import { onlineEm } from '../../src/stream/online-em-operator.js';
import type { OnlineEmEvent } from '../../src/stream/online-em-events.js';
import { randomMixture, sampleMixture } from '../../src/synthetic/mixture-generator.js';

/**
 * Every handler of the operator routes a throw to the subscriber's error, as RxJS's own
 * operators do: the snapshot on the cadence, progress, completion (flush and the final
 * snapshot) and a requested checkpoint. Nothing may escape as an uncaught exception.
 */
const d = 2;
const data = sampleMixture(randomMixture({ k: 2, dim: d, seed: 5 }), 3_000, 6).data;
const items = Array.from({ length: 12 }, (_, i) =>
  Array.from({ length: 250 }, (_, j) => [data[(i * 250 + j) * d], data[(i * 250 + j) * d + 1]]),
);
const options = { components: 2, batchSize: 100, warmup: 1000, restarts: 2 };
const boom = (where: string) => () => {
  throw new Error(`injected fault in ${where}`);
};

interface Outcome {
  readonly events: OnlineEmEvent[];
  readonly error: unknown;
  readonly completed: boolean;
  readonly uncaught: unknown[];
}

/** Subscribe, wait for the stream to end (or 200 ms), and collect what escaped to the process. */
async function outcome(source: Observable<OnlineEmEvent>, act?: () => void): Promise<Outcome> {
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown): void => void uncaught.push(error);
  process.on('uncaughtException', onUncaught);
  const events: OnlineEmEvent[] = [];
  let error: unknown = null;
  let completed = false;
  try {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 200);
      source.subscribe({
        next: (e) => events.push(e),
        error: (e: unknown) => {
          error = e;
          clearTimeout(timer);
          resolve();
        },
        complete: () => {
          completed = true;
          clearTimeout(timer);
          resolve();
        },
      });
      act?.();
    });
    // An error reported asynchronously (RxJS reports unhandled errors on a timeout) would land here.
    await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    process.off('uncaughtException', onUncaught);
  }
  return { events, error, completed, uncaught };
}

afterEach(() => vi.restoreAllMocks());

describe('onlineEm operator: a throw in any handler reaches the subscriber', () => {
  it('snapshot on the cadence', async () => {
    vi.spyOn(OnlineEm.prototype, 'snapshot').mockImplementation(boom('snapshot'));
    const r = await outcome(from(items).pipe(onlineEm({ ...options, snapshotEvery: 1 })));
    expect(String(r.error)).toMatch(/injected fault in snapshot/);
    expect(r.completed).toBe(false);
    expect(r.uncaught).toEqual([]);
  });

  it('progress', async () => {
    const scheduler = new VirtualTimeScheduler();
    const original = OnlineEm.prototype.snapshot;
    // Progress asks the engine for a snapshot without a date; the cadence's snapshots pass one.
    vi.spyOn(OnlineEm.prototype, 'snapshot').mockImplementation(function (this: OnlineEm, now?: Date) {
      if (now === undefined) throw new Error('injected fault in progress');
      return original.call(this, now);
    });
    const input = new Subject<number[][]>();
    const r = await outcome(input.pipe(onlineEm({ ...options, snapshotEvery: null, progressIntervalMs: 10, scheduler })), () => {
      input.next(items[0]);
      scheduler.frame = 50;
      input.next(items[1]);
    });
    expect(String(r.error)).toMatch(/injected fault in progress/);
    expect(r.uncaught).toEqual([]);
  });

  it('completion: the flush', async () => {
    vi.spyOn(OnlineEm.prototype, 'flush').mockImplementation(boom('flush'));
    const r = await outcome(from(items).pipe(onlineEm({ ...options, snapshotEvery: null })));
    expect(String(r.error)).toMatch(/injected fault in flush/);
    expect(r.completed).toBe(false);
    expect(r.uncaught).toEqual([]);
  });

  it('completion: the final checkpoint while warming up', async () => {
    vi.spyOn(OnlineEm.prototype, 'exportState').mockImplementation(boom('exportState'));
    const r = await outcome(from(items.slice(0, 1)).pipe(onlineEm({ ...options, includeState: true, warmup: 2000 })));
    expect(String(r.error)).toMatch(/injected fault in exportState/);
    expect(r.completed).toBe(false);
    expect(r.uncaught).toEqual([]);
  });

  it('a requested checkpoint', async () => {
    vi.spyOn(OnlineEm.prototype, 'exportState').mockImplementation(boom('checkpoint'));
    const input = new Subject<number[][]>();
    const requests = new Subject<void>();
    const r = await outcome(input.pipe(onlineEm({ ...options, checkpointRequests: requests })), () => {
      input.next(items[0]);
      requests.next();
      // Nothing after the error reaches the engine or the subscriber.
      input.next(items[1]);
    });
    expect(String(r.error)).toMatch(/injected fault in checkpoint/);
    expect(r.events.filter((e) => e.type === 'checkpoint')).toEqual([]);
    expect(r.uncaught).toEqual([]);
  });

  it('the engine refusing its options', async () => {
    const r = await outcome(from(items).pipe(onlineEm({ ...options, components: 0 })));
    expect(String(r.error)).toMatch(/components/);
    expect(r.uncaught).toEqual([]);
  });
});
