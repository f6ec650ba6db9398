import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../src/em/random.js';

describe('SeededRandom', () => {
  it('is reproducible under a seed and differs between seeds', () => {
    const a = new SeededRandom(7);
    const b = new SeededRandom(7);
    const c = new SeededRandom(8);
    const xa = Array.from({ length: 50 }, () => a.uniform());
    expect(Array.from({ length: 50 }, () => b.uniform())).toEqual(xa);
    expect(Array.from({ length: 50 }, () => c.uniform())).not.toEqual(xa);
  });

  it('uniform is in [0, 1) with mean ½ and variance 1/12; int(n) is in [0, n)', () => {
    const r = new SeededRandom(1);
    const n = 20000;
    let s = 0;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      expect(u >= 0 && u < 1).toBe(true);
      s += u;
      ss += u * u;
    }
    expect(Math.abs(s / n - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(ss / n - (s / n) ** 2 - 1 / 12)).toBeLessThan(0.005);
    const counts = new Array<number>(5).fill(0);
    for (let i = 0; i < 5000; i++) counts[r.int(5)]++;
    expect(counts.every((c) => c > 850 && c < 1150)).toBe(true);
  });

  it('normal has mean 0 and variance 1', () => {
    const r = new SeededRandom(2);
    const n = 20000;
    let s = 0;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      s += z;
      ss += z * z;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.03);
    expect(Math.abs(ss / n - 1)).toBeLessThan(0.04);
  });

  it('shuffle permutes in place', () => {
    const items = Array.from({ length: 30 }, (_, i) => i);
    const out = new SeededRandom(3).shuffle(items);
    expect(out).toBe(items);
    expect([...items].sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(items).not.toEqual(Array.from({ length: 30 }, (_, i) => i));
  });
});
