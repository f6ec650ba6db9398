import { describe, expect, it } from 'vitest';
import { OnlineEm } from '../../../src/em/online-em.js';
import type { OnlineEmOptions } from '../../../src/em/options.js';
import { pointBatch } from '../../../src/em/point-batch.js';
import { fitWarmupOffThread } from '../../../src/em/warmup/off-thread-warmup.js';
import { fitWarmup } from '../../../src/em/warmup/warmup-fit.js';
import { expectBitIdentical } from '../../helpers/assertions.js';
import { mixtureOfType, punchMissing, sampleBatch, toRows } from '../../helpers/fixtures.js';

const D = 3;
const data = punchMissing(sampleBatch(mixtureOfType(3, D, 'full', 41), 3000, 42).data, 3000, D, 0.25, 43);
const rows: unknown[][] = toRows(data, D);
// Refused rows in the stream: the preview must leave them out exactly as ingest does.
rows[5] = [1, 'x', 2];
rows[700] = [1, 2];
const MESSAGE = 70;
const messages = Array.from({ length: Math.ceil(rows.length / MESSAGE) }, (_, i) => rows.slice(i * MESSAGE, (i + 1) * MESSAGE));

/** Ingest every message, asking before each whether it fills the warm-up, and providing `fitFor(buffer)` when it does. */
async function ingestWithPreview(options: OnlineEmOptions, fitFor: (engine: OnlineEm, buffer: ReturnType<OnlineEm['warmupBufferFilledBy']> & object) => Promise<Parameters<OnlineEm['provideWarmupFit']>[1]>) {
  const engine = new OnlineEm(options);
  let filled = 0;
  for (const message of messages) {
    const before = engine.exportState();
    const buffer = engine.warmupBufferFilledBy(message);
    expectBitIdentical(engine.exportState(), before, 'state after the preview');
    if (buffer) {
      filled++;
      expect(buffer.n).toBe(engine.warmupSize);
      engine.provideWarmupFit(buffer, await fitFor(engine, buffer));
    }
    engine.ingestRows(message);
  }
  return { engine, filled };
}

describe('the warm-up fit off the event loop', () => {
  for (const components of [3, 'auto:4'] as const) {
    for (const threads of [1, 2]) {
      it(`K = ${components}, ${threads} thread(s), 25% missing: the worker's fit gives the engine the same bits as its own`, async () => {
        const options: OnlineEmOptions = { components, warmup: 1200, threads, seed: 3 };
        const direct = new OnlineEm(options);
        for (const message of messages) direct.ingestRows(message);
        const { engine, filled } = await ingestWithPreview(options, (e, buffer) => fitWarmupOffThread(buffer, e.options));
        expect(filled).toBe(1);
        expectBitIdentical(engine.exportState(), direct.exportState());
        expect(engine.snapshot(new Date(0))).toEqual(direct.snapshot(new Date(0)));
      });
    }
  }

  it('the engine starts from the provided fit when the buffer matches, and ignores one of other points', async () => {
    const options: OnlineEmOptions = { components: 3, warmup: 1200, seed: 3 };
    // A fit of the same points with another seed: a different optimum's statistics, so its use shows.
    const other = (e: OnlineEm, buffer: NonNullable<ReturnType<OnlineEm['warmupBufferFilledBy']>>) => Promise.resolve(fitWarmup(buffer, { ...e.options, seed: 99, restarts: 1 }));
    const direct = new OnlineEm(options);
    for (const message of messages.slice(0, 18)) direct.ingestRows(message); // 1,260 rows: just past the warm-up
    let provided: ReturnType<typeof fitWarmup> | null = null;
    const engine = new OnlineEm(options);
    for (const message of messages.slice(0, 18)) {
      const buffer = engine.warmupBufferFilledBy(message);
      if (buffer) engine.provideWarmupFit(buffer, (provided = await other(engine, buffer)));
      engine.ingestRows(message);
    }
    expect(provided).not.toBeNull();
    expect(engine.exportState().stats!.s0).not.toEqual(direct.exportState().stats!.s0);
    expect(engine.counters.batches).toBe(direct.counters.batches);

    const ignoring = new OnlineEm(options);
    for (const message of messages.slice(0, 18)) {
      const buffer = ignoring.warmupBufferFilledBy(message);
      if (buffer) {
        const shifted = pointBatch(buffer.data.map((v, i) => (i === 0 ? v + 1 : v)), D);
        ignoring.provideWarmupFit(shifted, await other(ignoring, shifted));
      }
      ignoring.ingestRows(message);
    }
    expectBitIdentical(ignoring.exportState(), direct.exportState());
  });

  it('float64 rows: the preview is the buffer ingestFloat64 fills, and leaves the rows unmodified', () => {
    const engine = new OnlineEm({ components: 2, warmup: 500 });
    const first = data.slice(0, 300 * D);
    expect(engine.warmupBufferFilledByFloat64(first, D)).toBeNull();
    engine.ingestFloat64(first, D);
    const next = data.slice(300 * D, 600 * D);
    const copy = next.slice();
    const buffer = engine.warmupBufferFilledByFloat64(next, D)!;
    expectBitIdentical(next, copy, 'rows');
    expect(buffer.n).toBe(500);
    expectBitIdentical(buffer.data, data.slice(0, 500 * D), 'buffer');
    expect(engine.warmupBufferFilledByFloat64(next, D + 1)).toBeNull();
    engine.ingestFloat64(next, D);
    expect(engine.warmupRemaining).toBe(0);
    expect(engine.warmupBufferFilledByFloat64(next, D)).toBeNull();
  });
});
