import { pointsOfJson } from '../../io/json-points.js';

/** Rows of one message as float64 (NaN where null), n×dim. */
export interface UniformRows {
  readonly n: number;
  readonly dim: number;
}

/**
 * The rows of a JSON message text written into `out` at `offset` (NaN for null), when the
 * engine would take them as float64 rows to the same effect as the decoded rows: the text
 * holds points (a point, a batch or {"points": [...]}), every row an array of the same
 * length of numbers and nulls, and at least one row valid on its own (finite, within
 * ±maxAbs, not all missing), so the dimension is inferred as it would be from the rows.
 * Otherwise null, and the message is decoded as it always was (decodeMessage), which
 * gives every other case its reason. `out` must hold text.length / 2 more numbers: a
 * number takes at least two characters with its separator.
 */
export function uniformJsonRows(text: string, maxAbs: number, out: Float64Array, offset: number): UniformRows | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const decoded = pointsOfJson(value);
  if (!decoded.ok) return null;
  const rows = decoded.rows;
  const first = rows[0];
  if (!Array.isArray(first) || first.length === 0) return null;
  const dim = first.length;
  let anyValidAlone = false;
  let at = offset;
  for (const row of rows) {
    if (!Array.isArray(row) || row.length !== dim) return null;
    let observed = 0;
    let finite = true;
    for (let j = 0; j < dim; j++) {
      const v: unknown = row[j];
      if (v === null) {
        out[at++] = NaN;
        continue;
      }
      if (typeof v !== 'number') return null;
      out[at++] = v;
      observed++;
      if (!(Math.abs(v) <= maxAbs)) finite = false;
    }
    if (finite && observed > 0) anyValidAlone = true;
  }
  return anyValidAlone ? { n: rows.length, dim } : null;
}
