/**
 * The most responsible component of each point: argmax_k γ_ik over the n×K
 * responsibilities `resp` (row-major, as the E-step returns them). Ties go to the
 * lowest index; a row with no finite maximum (all NaN) gives -1. Into `out` when given.
 */
export function argmaxComponents(resp: ArrayLike<number>, n: number, k: number, out: Int32Array = new Int32Array(n)): Int32Array {
  if (resp.length < n * k) throw new RangeError(`argmaxComponents: ${resp.length} responsibilities cannot hold ${n}×${k}`);
  if (out.length < n) throw new RangeError(`argmaxComponents: ${out.length} entries cannot hold ${n} components`);
  for (let i = 0; i < n; i++) {
    const o = i * k;
    let best = -1;
    let max = -Infinity;
    for (let c = 0; c < k; c++) {
      if (resp[o + c] > max) {
        max = resp[o + c];
        best = c;
      }
    }
    out[i] = best;
  }
  return out;
}
