import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { choleskyLower, factorWithJitter, invertLowerTriangular, logDetFromCholesky, symmetriseInPlace } from '../../src/em/cholesky.js';
import { SeededRandom } from '../../src/em/random.js';
import { expectArrayClose, expectClose } from '../helpers/assertions.js';
import { fromFlat, gaussInverse, identity, logAbsDeterminant, matMul, randomSpd, toFlat, transpose } from '../helpers/linear-algebra.js';

function spd(d: number, seed: number): Float64Array {
  const rng = new SeededRandom(seed);
  return toFlat(randomSpd(d, () => rng.normal()));
}

describe('choleskyLower', () => {
  for (const d of [1, 2, 5, 16]) {
    it(`d = ${d}: L is lower-triangular with a positive diagonal and L Lᵀ = A (checked with ml-matrix)`, () => {
      const a = spd(d, 10 + d);
      const l = choleskyLower(a, d)!;
      expect(l).not.toBeNull();
      for (let i = 0; i < d; i++) {
        expect(l[i * d + i]).toBeGreaterThan(0);
        for (let j = i + 1; j < d; j++) expect(l[i * d + j]).toBe(0);
      }
      const L = new Matrix(fromFlat(l, d));
      const product = L.mmul(L.transpose());
      expectArrayClose(Float64Array.from(product.to1DArray()), a, { atol: 1e-13, rtol: 1e-13 }, 'L Lᵀ');
    });
  }

  it('has the bits of ml-matrix\'s CholeskyDecomposition (same order of operations), d = 1…32', () => {
    for (let d = 1; d <= 32; d++) {
      const a = spd(d, 100 + d);
      const expected = new CholeskyDecomposition(new Matrix(fromFlat(a, d))).lowerTriangularMatrix;
      expect(Array.from(choleskyLower(a, d)!)).toEqual(expected.to1DArray());
    }
  });

  it('accepts an ill-conditioned but numerically positive definite matrix (κ ≈ 1e8)', () => {
    expect(choleskyLower(Float64Array.from([1, 1 - 1e-8, 1 - 1e-8, 1]), 2)).not.toBeNull();
    expect(choleskyLower(Float64Array.from([1e-18, 0, 0, 1e18]), 2)).not.toBeNull();
  });

  it('reads a block at an offset', () => {
    const a = spd(3, 1);
    const padded = new Float64Array(5 + 9);
    padded.set(a, 5);
    expect(Array.from(choleskyLower(padded, 3, 5)!)).toEqual(Array.from(choleskyLower(a, 3)!));
  });

  it('factors the symmetric part of a slightly asymmetric matrix', () => {
    const a = Float64Array.from([4, 2 + 1e-9, 2 - 1e-9, 3]);
    const l = choleskyLower(a, 2)!;
    expectArrayClose(toFlat(matMul(fromFlat(l, 2), transpose(fromFlat(l, 2)))), [4, 2, 2, 3], { atol: 1e-14 });
  });

  it('returns null for matrices that are not (numerically) positive definite', () => {
    const cases: Record<string, number[]> = {
      indefinite: [1, 2, 2, 1],
      'negative definite': [-1, 0, 0, -2],
      zero: [0, 0, 0, 0],
      'rank one': [1, 1, 1, 1],
      'rank one at scale 1e9': [1e18, 1e18, 1e18, 1e18],
      'NaN entry': [1, NaN, NaN, 1],
      'NaN diagonal': [NaN, 0, 0, 1],
      'Infinity entry': [Infinity, 0, 0, 1],
      'near-singular (κ ≈ 1e17)': [1, 1 - 1e-17, 1 - 1e-17, 1],
      // ml-matrix factors this one (pivot² ≈ 2e-15 > 0), but it is below 1e-13 of the diagonal.
      'pivot below 1e-13 relative (κ ≈ 1e15)': [1, 1 - 1e-15, 1 - 1e-15, 1],
    };
    for (const [name, values] of Object.entries(cases)) {
      expect(choleskyLower(Float64Array.from(values), 2), name).toBeNull();
    }
  });
});

describe('invertLowerTriangular / logDetFromCholesky', () => {
  for (const d of [1, 3, 8]) {
    it(`d = ${d}: P = L⁻¹ and log|A| = 2 Σ log L_ii`, () => {
      const a = spd(d, 20 + d);
      const l = choleskyLower(a, d)!;
      const p = invertLowerTriangular(l, d);
      expectArrayClose(toFlat(matMul(fromFlat(l, d), fromFlat(p, d))), toFlat(identity(d)), { atol: 1e-13 }, 'L P');
      expectArrayClose(p, toFlat(gaussInverse(fromFlat(l, d))), { atol: 1e-12, rtol: 1e-12 }, 'P');
      for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) expect(p[i * d + j]).toBe(0);
      expectClose(logDetFromCholesky(l, d), logAbsDeterminant(fromFlat(a, d)).logAbs, { atol: 1e-12 }, 'log det');
    });
  }
});

describe('factorWithJitter', () => {
  it('leaves a positive definite matrix untouched and reports no jitter', () => {
    const a = spd(4, 30);
    const copy = a.slice();
    const { lower, jitter } = factorWithJitter(a, 4);
    expect(jitter).toBe(0);
    expect(Array.from(a)).toEqual(Array.from(copy));
    expect(Array.from(lower)).toEqual(Array.from(choleskyLower(copy, 4)!));
  });

  for (const scale of [1e-9, 1, 1e9]) {
    it(`adds small diagonal jitter to a singular matrix and factors it (scale ${scale})`, () => {
      // Rank one: v vᵀ with v = (1, 2, -1)·scale.
      const v = [scale, 2 * scale, -scale];
      const a = Float64Array.from([0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => v[i] * v[j])));
      const original = a.slice();
      expect(choleskyLower(a, 3)).toBeNull();
      const { lower, jitter } = factorWithJitter(a, 3);
      expect(jitter).toBeGreaterThan(0);
      const meanDiag = (original[0] + original[4] + original[8]) / 3;
      expect(jitter).toBeLessThanOrEqual(1e-6 * meanDiag); // negligible at any scale
      // Only the diagonal changed, by the reported jitter.
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 3; j++) {
          if (i === j) expectClose(a[i * 3 + j], original[i * 3 + j] + jitter, { rtol: 1e-15, atol: 1e-15 * jitter }, 'jittered diagonal');
          else expect(a[i * 3 + j]).toBe(original[i * 3 + j]);
        }
      }
      const L = new Matrix(fromFlat(lower, 3));
      expectArrayClose(Float64Array.from(L.mmul(L.transpose()).to1DArray()), a, { rtol: 1e-12, atol: 1e-12 * meanDiag }, 'L Lᵀ');
    });
  }

  it('repairs the zero matrix and an indefinite matrix', () => {
    const zero = new Float64Array(4);
    expect(factorWithJitter(zero, 2).jitter).toBeGreaterThan(0);
    expect(choleskyLower(zero, 2)).not.toBeNull();
    const indefinite = Float64Array.from([1, 0, 0, -1]);
    const r = factorWithJitter(indefinite, 2);
    expect(r.jitter).toBeGreaterThan(1);
    expect(choleskyLower(indefinite, 2)).not.toBeNull();
  });

  it('symmetrises the block in place (at an offset) and throws on non-finite entries', () => {
    const a = Float64Array.from([99, 4, 1, 3, 2]);
    factorWithJitter(a, 2, 1);
    expect(Array.from(a)).toEqual([99, 4, 2, 2, 2]);
    expect(() => factorWithJitter(Float64Array.from([NaN, 0, 0, 1]), 2)).toThrow(/non-finite/);
  });

  it('symmetriseInPlace averages the off-diagonal pairs', () => {
    const a = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    symmetriseInPlace(a, 3);
    expect(Array.from(a)).toEqual([1, 3, 5, 3, 5, 7, 5, 7, 9]);
  });
});
