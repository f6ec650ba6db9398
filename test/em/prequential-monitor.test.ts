import { describe, expect, it } from 'vitest';
import { PrequentialMonitor } from '../../src/em/prequential-monitor.js';
import { SeededRandom } from '../../src/em/random.js';
import { expectClose } from '../helpers/assertions.js';

function weighted(means: number[], counts: number[]): number {
  let s = 0;
  let n = 0;
  means.forEach((m, i) => {
    s += m * counts[i];
    n += counts[i];
  });
  return s / n;
}

describe('PrequentialMonitor', () => {
  it('is empty before the first batch', () => {
    const m = new PrequentialMonitor(3, 1e-3);
    expect(m.last).toBeNull();
    expect(m.average).toBeNull();
    expect(m.converged).toBe(false);
  });

  it('last is the last batch; average is point-weighted over the last `window` batches', () => {
    const m = new PrequentialMonitor(3, 1e-3);
    const means = [-5, -4, -3.5, -3.2, -3.1, -3.05, -3.01];
    const counts = [100, 100, 50, 100, 100, 7, 100];
    for (let i = 0; i < means.length; i++) {
      m.record(means[i], counts[i]);
      expect(m.last).toBe(means[i]);
      const from = Math.max(0, i + 1 - 3);
      expectClose(m.average!, weighted(means.slice(from, i + 1), counts.slice(from, i + 1)), { rtol: 1e-15 }, `average after ${i + 1}`);
    }
  });

  it('converged needs 2·window batches and a flat moving average', () => {
    const m = new PrequentialMonitor(4, 1e-3);
    for (let i = 0; i < 7; i++) {
      m.record(-2, 100);
      expect(m.converged).toBe(false);
    }
    m.record(-2, 100);
    expect(m.converged).toBe(true);
  });

  it('a rising log-likelihood is not converged; noise within two standard errors is', () => {
    const rising = new PrequentialMonitor(5, 1e-3);
    for (let i = 0; i < 10; i++) rising.record(-10 + i, 100);
    expect(rising.converged).toBe(false);
    const noisy = new PrequentialMonitor(5, 1e-6);
    const rng = new SeededRandom(1);
    for (let i = 0; i < 10; i++) noisy.record(-3 + 0.01 * rng.normal(), 100);
    expect(noisy.converged).toBe(true);
    // A jump far beyond the noise between the two windows.
    const jump = new PrequentialMonitor(5, 1e-6);
    for (let i = 0; i < 10; i++) jump.record((i < 5 ? -3 : -2) + 0.01 * rng.normal(), 100);
    expect(jump.converged).toBe(false);
  });

  it('converged compares the last window with the one before it (older batches are dropped)', () => {
    const m = new PrequentialMonitor(2, 1e-3);
    for (const v of [-100, -50, -2, -2, -2, -2]) m.record(v, 10);
    expect(m.converged).toBe(true);
    expect(m.state().means).toEqual([-2, -2, -2, -2]);
  });

  it('state and restore round-trip; restoring into a smaller window keeps the most recent batches', () => {
    const m = new PrequentialMonitor(3, 1e-3);
    for (let i = 0; i < 6; i++) m.record(-(i + 1), 10 + i);
    const state = m.state();
    const r = new PrequentialMonitor(3, 1e-3);
    r.restore(state);
    expect([r.last, r.average, r.converged]).toEqual([m.last, m.average, m.converged]);
    state.means[0] = 123; // the state is a copy
    expect(m.state().means[0]).toBe(-1);
    const small = new PrequentialMonitor(1, 1e-3);
    small.restore(m.state());
    expect(small.state()).toEqual({ means: [-5, -6], counts: [14, 15] });
  });
});
