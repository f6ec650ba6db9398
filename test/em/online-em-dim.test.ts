import { describe, expect, it } from 'vitest';
import { IncompatibleStateError, InvalidOptionError } from '../../src/em/errors.js';
import { OnlineEm } from '../../src/em/online-em.js';
import type { OnlineEmOptions } from '../../src/em/options.js';
import { resolveOptions } from '../../src/em/options.js';
import { expectBitIdentical } from '../helpers/assertions.js';
import { gaussianCloud, toRows } from '../helpers/fixtures.js';

/** The `dim` option: the dimension fixed at construction instead of by the first valid point. */

const NOW = new Date(0);
const OPTIONS: OnlineEmOptions = { components: 2, batchSize: 40, warmup: 100, restarts: 2, initMaxIter: 30, seed: 3 };

describe('OnlineEm with dim', () => {
  it('knows its dimension before any point, and a stray first row of another length is refused instead of setting it', () => {
    const engine = new OnlineEm({ ...OPTIONS, dim: 3 });
    expect(engine.dimension).toBe(3);
    expect(engine.warmupSize).toBe(100);
    const rows = toRows(gaussianCloud(300, 3, 1), 3);
    const rejected = engine.ingestRows([[1, 2], ...rows]);
    expect(rejected).toEqual([{ index: 0, code: 'wrong-dimension', message: 'expected 3 coordinates, got 2' }]);
    expect(engine.counters.pointsSeen).toBe(300);
    // Without dim, the same stray row fixes d = 2 and every real point is refused.
    const unfixed = new OnlineEm(OPTIONS);
    expect(unfixed.ingestRows([[1, 2], ...rows])).toHaveLength(300);
    expect(unfixed.dimension).toBe(2);
  });

  it('fits exactly as an engine whose first valid point gave the same dimension', () => {
    const rows = toRows(gaussianCloud(400, 2, 2), 2);
    const fixed = new OnlineEm({ ...OPTIONS, dim: 2 });
    const inferred = new OnlineEm(OPTIONS);
    fixed.ingestRows(rows);
    inferred.ingestRows(rows);
    expectBitIdentical(fixed.snapshot(NOW), inferred.snapshot(NOW));
  });

  it('a float64 batch of another dimension is refused, not adopted', () => {
    const engine = new OnlineEm({ ...OPTIONS, dim: 2 });
    expect(engine.ingestFloat64(new Float64Array(6), 3)).toHaveLength(2);
    expect(engine.dimension).toBe(2);
  });

  it('restore refuses a checkpoint of another dimension with one line, and takes one of the same or of none', () => {
    const engine = new OnlineEm(OPTIONS);
    engine.ingestRows(toRows(gaussianCloud(200, 2, 4), 2));
    const state = engine.exportState();
    expect(() => OnlineEm.restore({ ...OPTIONS, dim: 3 }, state)).toThrow(IncompatibleStateError);
    expect(() => OnlineEm.restore({ ...OPTIONS, dim: 3 }, state)).toThrow(/^the checkpoint holds a 2-dimensional model, but dimension 3 was configured/);
    const same = OnlineEm.restore({ ...OPTIONS, dim: 2 }, state);
    expectBitIdentical(same.snapshot(NOW), OnlineEm.restore(OPTIONS, state).snapshot(NOW));
    const empty = OnlineEm.restore({ ...OPTIONS, dim: 5 }, new OnlineEm(OPTIONS).exportState());
    expect(empty.dimension).toBe(5);
  });

  it('is checked against its range (an integer from 1 to 65536) and null means unset', () => {
    expect(resolveOptions({ components: 1, dim: null }).dim).toBeNull();
    expect(resolveOptions({ components: 1 }).dim).toBeNull();
    expect(resolveOptions({ components: 1, dim: 65536 }).dim).toBe(65536);
    for (const bad of [0, 1.5, 65537, NaN]) expect(() => resolveOptions({ components: 1, dim: bad }), String(bad)).toThrow(InvalidOptionError);
  });
});
