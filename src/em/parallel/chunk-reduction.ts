/**
 * ŝ = (1/n)·Σ_chunks, into `out` (length L): the chunks' partial statistics (`count` slots of
 * length L, one after another) added in chunk order, whichever thread computed them, then
 * scaled. One chunk gives exactly today's single sum (0 + x = x).
 */
export function reduceChunks(partials: Float64Array, count: number, length: number, n: number, out: Float64Array): void {
  out.fill(0);
  for (let c = 0; c < count; c++) {
    const o = c * length;
    for (let i = 0; i < length; i++) out[i] += partials[o + i];
  }
  const inv = n > 0 ? 1 / n : 0;
  for (let i = 0; i < length; i++) out[i] *= inv;
}
