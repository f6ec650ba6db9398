/**
 * Naive dense linear algebra on number[][] for reference computations in tests.
 * Deliberately independent of src/em (no Cholesky): Gauss–Jordan elimination with
 * partial pivoting for inverses, LU with partial pivoting for determinants.
 */
export type Mat = number[][];

export function zeros(rows: number, cols: number): Mat {
  return Array.from({ length: rows }, () => new Array<number>(cols).fill(0));
}

export function identity(d: number): Mat {
  const m = zeros(d, d);
  for (let i = 0; i < d; i++) m[i][i] = 1;
  return m;
}

/** The d×d row-major block of `a` at `offset` as a matrix. */
export function fromFlat(a: ArrayLike<number>, d: number, offset = 0): Mat {
  const m = zeros(d, d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) m[i][j] = a[offset + i * d + j];
  return m;
}

export function toFlat(m: Mat): Float64Array {
  return Float64Array.from(m.flat());
}

export function transpose(a: Mat): Mat {
  const rows = a.length;
  const cols = rows > 0 ? a[0].length : 0;
  const t = zeros(cols, rows);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j][i] = a[i][j];
  return t;
}

export function matMul(a: Mat, b: Mat): Mat {
  const n = a.length;
  const inner = b.length;
  const m = inner > 0 ? b[0].length : 0;
  const out = zeros(n, m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let r = 0; r < inner; r++) s += a[i][r] * b[r][j];
      out[i][j] = s;
    }
  }
  return out;
}

export function matVec(a: Mat, x: readonly number[]): number[] {
  return a.map((row) => row.reduce((s, v, j) => s + v * x[j], 0));
}

export function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function outer(a: readonly number[], b: readonly number[]): Mat {
  return a.map((x) => b.map((y) => x * y));
}

export function add(a: Mat, b: Mat): Mat {
  return a.map((row, i) => row.map((v, j) => v + b[i][j]));
}

export function subtract(a: Mat, b: Mat): Mat {
  return a.map((row, i) => row.map((v, j) => v - b[i][j]));
}

export function scale(a: Mat, s: number): Mat {
  return a.map((row) => row.map((v) => v * s));
}

/** The block of `a` with the given rows and columns. */
export function submatrix(a: Mat, rows: readonly number[], cols: readonly number[]): Mat {
  return rows.map((i) => cols.map((j) => a[i][j]));
}

/** A⁻¹ by Gauss–Jordan elimination with partial pivoting. Throws on a singular matrix. */
export function gaussInverse(a: Mat): Mat {
  const d = a.length;
  const m = a.map((row, i) => [...row, ...identity(d)[i]]);
  for (let col = 0; col < d; col++) {
    let pivot = col;
    for (let r = col + 1; r < d; r++) if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) pivot = r;
    if (m[pivot][col] === 0) throw new Error('singular matrix');
    [m[col], m[pivot]] = [m[pivot], m[col]];
    const p = m[col][col];
    for (let j = 0; j < 2 * d; j++) m[col][j] /= p;
    for (let r = 0; r < d; r++) {
      if (r === col) continue;
      const f = m[r][col];
      if (f === 0) continue;
      for (let j = 0; j < 2 * d; j++) m[r][j] -= f * m[col][j];
    }
  }
  return m.map((row) => row.slice(d));
}

/** log|det A| and the sign of det A, by LU with partial pivoting. */
export function logAbsDeterminant(a: Mat): { logAbs: number; sign: number } {
  const d = a.length;
  const m = a.map((row) => row.slice());
  let sign = 1;
  let logAbs = 0;
  for (let col = 0; col < d; col++) {
    let pivot = col;
    for (let r = col + 1; r < d; r++) if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) pivot = r;
    if (m[pivot][col] === 0) return { logAbs: -Infinity, sign: 0 };
    if (pivot !== col) {
      [m[col], m[pivot]] = [m[pivot], m[col]];
      sign = -sign;
    }
    const p = m[col][col];
    if (p < 0) sign = -sign;
    logAbs += Math.log(Math.abs(p));
    for (let r = col + 1; r < d; r++) {
      const f = m[r][col] / p;
      for (let j = col; j < d; j++) m[r][j] -= f * m[col][j];
    }
  }
  return { logAbs, sign };
}

export function determinant(a: Mat): number {
  const { logAbs, sign } = logAbsDeterminant(a);
  return sign * Math.exp(logAbs);
}

/** Largest eigenvalue and its unit eigenvector of a symmetric PSD matrix, by power iteration. */
export function powerIteration(a: Mat, iterations = 2000): { value: number; vector: number[] } {
  const d = a.length;
  let v = Array.from({ length: d }, (_, i) => 1 + 0.1 * i);
  let value = 0;
  for (let it = 0; it < iterations; it++) {
    const w = matVec(a, v);
    const norm = Math.sqrt(dot(w, w));
    if (norm === 0) return { value: 0, vector: v };
    v = w.map((x) => x / norm);
    value = dot(v, matVec(a, v));
  }
  return { value, vector: v };
}

/** A random symmetric positive definite matrix B Bᵀ/d + ridge·I with B standard normal. */
export function randomSpd(d: number, normal: () => number, ridge = 0.3): Mat {
  const b = zeros(d, d).map((row) => row.map(() => normal()));
  return add(scale(matMul(b, transpose(b)), 1 / d), scale(identity(d), ridge));
}
