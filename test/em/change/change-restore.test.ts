import { describe, expect, it } from 'vitest';
import { OnlineEm } from '../../../src/em/online-em.js';
import { randomMixture, sampleMixture } from '../../../src/synthetic/mixture-generator.js';
import { shiftedMixture } from '../../../src/synthetic/perturbations.js';

/** A jump stream through the engine, restored from its exported state every `every` points (JSON round trip, as a checkpoint is). */
function run(stream: Float64Array, d: number, every: number | null): { snapshot: ReturnType<OnlineEm['snapshot']>; states: number } {
  const options = { components: 3, halfLife: 4000, seed: 4 } as const;
  let engine = new OnlineEm(options);
  let states = 0;
  for (let at = 0; at < stream.length / d; at += 700) {
    engine.ingestFloat64(stream.slice(at * d, (at + 700) * d), d);
    if (every !== null && (at / 700) % every === 0) {
      const state = engine.exportState();
      if (state.change?.collecting) states++;
      engine = OnlineEm.restore(options, roundTrip(state));
    }
  }
  return { snapshot: engine.snapshot(new Date(0)), states };
}

/** Through JSON with Float64Arrays as arrays, as exact as the checkpoint's base64. */
function roundTrip<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (v instanceof Float64Array ? { f64: Array.from(v) } : v)), (_k, v: unknown) =>
    v !== null && typeof v === 'object' && 'f64' in v ? Float64Array.from((v as { f64: number[] }).f64) : v,
  ) as T;
}

describe('change recovery across restores', () => {
  it('a run restored every few thousand points (also while collecting the challenger\'s points) ends bit-identical to an uninterrupted one', () => {
    const d = 2;
    const before = randomMixture({ k: 3, dim: d, seed: 8 });
    const stream = new Float64Array(80_000 * d);
    stream.set(sampleMixture(before, 40_000, 81).data);
    stream.set(sampleMixture(shiftedMixture(before, 3, 82), 40_000, 83).data, 40_000 * d);
    const straight = run(stream, d, null);
    const restored = run(stream, d, 1);
    expect(straight.snapshot!.changes).toBeGreaterThanOrEqual(1);
    expect(restored.states).toBeGreaterThan(0);
    expect(restored.snapshot).toEqual(straight.snapshot);
  });
});
