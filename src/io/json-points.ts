import { RefusedPoint } from '../em/point-validation.js';

/** Outcome of decoding one JSON text (an NDJSON line, a Kafka message) into point rows. */
export type JsonPointsResult =
  | { readonly ok: true; readonly rows: readonly unknown[] }
  | { readonly ok: false; readonly code: 'invalid-json' | 'not-points'; readonly message: string };

/**
 * Decode JSON holding one point `[x1, ..., xd]`, a batch `[[...], ...]` or
 * `{"points": [[...], ...]}`; `null` marks a missing coordinate. The rows are
 * validated later, point by point, so one bad point does not sink its batch.
 */
export function decodeJsonPoints(text: string): JsonPointsResult {
  const parsed = parseJson(text);
  return parsed.ok ? pointsOfJson(parsed.value) : parsed;
}

/** The value of a JSON text, or why it is not JSON. */
export function parseJson(text: string): { readonly ok: true; readonly value: unknown } | Extract<JsonPointsResult, { ok: false }> {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, code: 'invalid-json', message: `not valid JSON (${detail})` };
  }
}

/** The RefusedPoint that stands for a JSON text that holds no points. */
export function refusedJson(result: Extract<JsonPointsResult, { ok: false }>): RefusedPoint {
  return new RefusedPoint(`${result.code}: ${result.message}`);
}

/**
 * The rows of a JSON text, or a single RefusedPoint saying why it holds none: what the
 * operator takes (an undecodable line or message counts as one refused point).
 */
export function jsonPointRows(text: string): readonly unknown[] {
  const decoded = decodeJsonPoints(text);
  return decoded.ok ? decoded.rows : [refusedJson(decoded)];
}

/** The rows of a decoded JSON value: a point, a batch or {"points": [...]}. */
export function pointsOfJson(value: unknown): JsonPointsResult {
  if (Array.isArray(value)) {
    if (value.length === 0) return { ok: false, code: 'not-points', message: 'an empty array is neither a point nor a batch' };
    return { ok: true, rows: Array.isArray(value[0]) ? value : [value] };
  }
  if (value !== null && typeof value === 'object' && 'points' in value) {
    const points = (value as { points: unknown }).points;
    if (Array.isArray(points)) return { ok: true, rows: points };
    return { ok: false, code: 'not-points', message: '"points" must be an array of points' };
  }
  return {
    ok: false,
    code: 'not-points',
    message: 'expected a point [x1, ...], a batch [[...], ...] or {"points": [...]}',
  };
}
