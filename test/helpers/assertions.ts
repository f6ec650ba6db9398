import { expect } from 'vitest';
import { choleskyLower } from '../../src/em/cholesky.js';

export interface Tolerance {
  /** Relative tolerance, applied to |expected|. */
  readonly rtol?: number;
  /** Absolute tolerance. */
  readonly atol?: number;
}

/** |actual - expected| ≤ atol + rtol·|expected|, for one number. */
export function expectClose(actual: number, expected: number, tol: Tolerance, label = 'value'): void {
  const { rtol = 0, atol = 0 } = tol;
  const bound = atol + rtol * Math.abs(expected);
  const diff = Math.abs(actual - expected);
  if (!(diff <= bound)) {
    expect.fail(`${label}: got ${actual}, expected ${expected} (|diff| ${diff} > ${bound})`);
  }
}

/** Element-wise closeness of two arrays of equal length; reports the worst element. */
export function expectArrayClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: Tolerance,
  label = 'array',
): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  const { rtol = 0, atol = 0 } = tol;
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const bound = atol + rtol * Math.abs(expected[i]);
    const diff = Math.abs(actual[i] - expected[i]);
    if (!(diff <= bound)) {
      const excess = Number.isNaN(diff) ? Infinity : diff - bound;
      if (worst < 0 || excess > worstExcess) {
        worst = i;
        worstExcess = excess;
      }
    }
  }
  if (worst >= 0) {
    expect.fail(
      `${label}[${worst}]: got ${actual[worst]}, expected ${expected[worst]} ` +
        `(|diff| ${Math.abs(actual[worst] - expected[worst])}, tolerance atol ${atol} rtol ${rtol})`,
    );
  }
}

/** Every number reachable in `value` (objects, arrays, typed arrays) is finite; null is allowed. */
export function expectAllFinite(value: unknown, path = 'value'): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) expect.fail(`${path} is ${value}`);
    return;
  }
  if (value === null || value === undefined || typeof value !== 'object') return;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const arr = value as unknown as ArrayLike<number>;
    for (let i = 0; i < arr.length; i++) if (!Number.isFinite(arr[i])) expect.fail(`${path}[${i}] is ${arr[i]}`);
    return;
  }
  for (const [key, v] of Object.entries(value)) expectAllFinite(v, `${path}.${key}`);
}

/**
 * Deep equality where every number must be the same double (Object.is: distinguishes
 * -0 and +0, NaN equals NaN) and typed arrays compare element by element.
 */
export function expectBitIdentical(actual: unknown, expected: unknown, path = 'value'): void {
  if (typeof expected === 'number') {
    if (typeof actual !== 'number' || !Object.is(actual, expected)) expect.fail(`${path}: got ${String(actual)}, expected ${expected}`);
    return;
  }
  if (expected === null || typeof expected !== 'object') {
    if (actual !== expected) expect.fail(`${path}: got ${String(actual)}, expected ${String(expected)}`);
    return;
  }
  if (actual === null || typeof actual !== 'object') expect.fail(`${path}: got ${String(actual)}, expected an object`);
  if (ArrayBuffer.isView(expected)) {
    const e = expected as unknown as ArrayLike<number>;
    const a = actual as unknown as ArrayLike<number>;
    if (!ArrayBuffer.isView(actual) || a.length !== e.length) expect.fail(`${path}: typed array length/type differs`);
    for (let i = 0; i < e.length; i++) {
      if (!Object.is(a[i], e[i])) expect.fail(`${path}[${i}]: got ${a[i]}, expected ${e[i]}`);
    }
    return;
  }
  const keys = new Set([...Object.keys(expected as object), ...Object.keys(actual as object)]);
  for (const key of keys) {
    expectBitIdentical((actual as Record<string, unknown>)[key], (expected as Record<string, unknown>)[key], `${path}.${key}`);
  }
}

/**
 * Each d×d block of `covariances` (K×d×d) is exactly symmetric, finite and numerically
 * positive definite (choleskyLower succeeds).
 */
export function expectSpdCovariances(covariances: ArrayLike<number>, k: number, d: number, label = 'covariance'): void {
  const flat = Float64Array.from(covariances as ArrayLike<number>);
  for (let c = 0; c < k; c++) {
    const o = c * d * d;
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < d; b++) {
        const v = flat[o + a * d + b];
        if (!Number.isFinite(v)) expect.fail(`${label} ${c}[${a}][${b}] is ${v}`);
        if (!Object.is(v, flat[o + b * d + a])) expect.fail(`${label} ${c} is not symmetric at [${a}][${b}]`);
      }
    }
    if (choleskyLower(flat, d, o) === null) expect.fail(`${label} ${c} is not positive definite`);
  }
}
