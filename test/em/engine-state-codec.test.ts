import { describe, expect, it } from 'vitest';
import { decodeEngineState, encodeEngineState, IncompatibleStateError, type EngineState } from '../../src/index.js';
import { OnlineEm } from '../../src/em/online-em.js';
import { randomMixture, sampleMixture } from '../../src/synthetic/mixture-generator.js';

const options = { components: 2, warmup: 300, batchSize: 50, restarts: 1, changeDetection: 'on' as const };
const data = sampleMixture(randomMixture({ k: 2, dim: 3, seed: 21 }), 2_000, 22).data;
// Missing coordinates are NaN in the buffered points: what a plain JSON.stringify turns into null.
for (let i = 5; i < data.length; i += 11) data[i] = NaN;

function engineAfter(points: number): OnlineEm {
  const engine = new OnlineEm(options);
  engine.ingestFloat64(data.slice(0, points * 3), 3);
  return engine;
}

/** The state through JSON text, as a process that stores it would see it. */
const throughJson = (state: EngineState): EngineState => decodeEngineState(JSON.parse(JSON.stringify(encodeEngineState(state))));

describe('engine state codec', () => {
  it.each([
    ['warming up', 120],
    ['fitting, with a partial minibatch holding NaN', 1_237],
  ])('round-trips the state %s exactly through JSON.stringify', (_label, points) => {
    const state = engineAfter(points).exportState();
    const decoded = throughJson(state);
    expect(decoded).toEqual(state);
    expect(decoded.pendingPoints.some(Number.isNaN) || decoded.warmupPoints.some(Number.isNaN)).toBe(true);
  });

  it('writes non-finite values as strings and typed arrays as arrays', () => {
    const json = encodeEngineState(engineAfter(1_237).exportState());
    expect(Array.isArray(json.pendingPoints)).toBe(true);
    expect(json.pendingPoints).toContain('NaN');
    expect(JSON.stringify(json)).not.toMatch(/null,|,null/);
  });

  it('a restore from the decoded JSON continues bit for bit', () => {
    const engine = engineAfter(1_237);
    const restored = OnlineEm.restore(options, throughJson(engine.exportState()));
    engine.ingestFloat64(data.slice(1_237 * 3), 3);
    restored.ingestFloat64(data.slice(1_237 * 3), 3);
    expect(restored.exportState()).toEqual(engine.exportState());
  });

  it('refuses damaged JSON with IncompatibleStateError naming the field', () => {
    const good = encodeEngineState(engineAfter(1_237).exportState());
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...good, pendingPoints: [1, 'x'] }, /pendingPoints is not an encoded float64 array/],
      [{ ...good, stats: { ...(good.stats as object), s0: [1, 2, 3] } }, /stats\.s0 must hold 2 values, holds 3/],
      [{ ...good, k: '2' }, /^engine state: k must be a non-negative integer, got "2"$/],
      [{ ...good, counters: { ...(good.counters as object), batches: -1 } }, /counters\.batches/],
      [{ ...good, version: 2 }, /version must be 1/],
      [{ ...good, pendingPoints: [1, 2] }, /pendingPoints must hold a multiple of 3 values/],
    ];
    for (const [json, message] of cases) {
      expect(() => decodeEngineState(json)).toThrow(IncompatibleStateError);
      expect(() => decodeEngineState(json)).toThrow(message);
    }
    expect(() => decodeEngineState('nope')).toThrow(/the state must be an object/);
  });
});

describe('OnlineEm.restore of a malformed state', () => {
  it('a state through plain JSON.stringify raises IncompatibleStateError naming the field, not a TypeError', () => {
    const raw = JSON.parse(JSON.stringify(engineAfter(1_237).exportState())) as EngineState;
    expect(() => OnlineEm.restore(options, raw)).toThrow(IncompatibleStateError);
    expect(() => OnlineEm.restore(options, raw)).toThrow(/^engine state: warmupPoints must be a Float64Array, got an object \(decode JSON with decodeEngineState\)$/);
  });

  it.each([
    ['no monitor', (s: Record<string, unknown>) => delete s.monitor, /monitor must be an object, got undefined/],
    ['a wrong covariance type', (s: Record<string, unknown>) => (s.covarianceType = 'round'), /covarianceType must be one of full, diag, spherical/],
    ['stats of the wrong length', (s: Record<string, unknown>) => (s.stats = { ...(s.stats as object), s1: new Float64Array(5) }), /stats\.s1 must hold 6 values/],
    ['a change state without its detector', (s: Record<string, unknown>) => (s.change = { ...(s.change as object), detector: null }), /change\.detector must be an object/],
  ])('%s', (_label, damage, message) => {
    const state = { ...engineAfter(1_237).exportState() } as Record<string, unknown>;
    damage(state);
    expect(() => OnlineEm.restore(options, state as unknown as EngineState)).toThrow(message);
  });
});
