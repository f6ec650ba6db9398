import { RefusedPoint } from '../em/point-validation.js';

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** What a CSV writer puts for a missing value: nothing, NA (R), NaN (pandas), null, N/A. */
const MISSING = /^(?:|na|nan|null|n\/a)$/i;
const INFINITE = /^[+-]?inf(?:inity)?$/i;

/**
 * The coordinate of a CSV cell: a decimal number, null where missing (empty, NA, NaN,
 * null, N/A; any case), ±Infinity for inf (refused later as non-finite), or undefined
 * when the text is not a number.
 */
export function cellValue(text: string): number | null | undefined {
  const t = text.trim();
  if (DECIMAL.test(t)) return Number(t);
  if (MISSING.test(t)) return null;
  if (INFINITE.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  return undefined;
}

/** The coordinate of an NDJSON object's field: a number, null where missing or null, undefined otherwise. */
export function fieldValue(value: unknown): number | null | undefined {
  if (typeof value === 'number') return value;
  return value === null || value === undefined ? null : undefined;
}

/** The refusal of a row whose column `name` holds `shown`, which is not a number. */
export function notANumber(what: 'column' | 'field', name: string, shown: string, missingIs: string): RefusedPoint {
  return new RefusedPoint(`${what} ${JSON.stringify(name)} is ${shown}, not a number (${missingIs} is a missing coordinate)`, 'not-a-number');
}

/** A key from a cell or a field: its text (numbers too), null when empty or missing. */
export function keyValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const text = typeof value === 'string' ? value.trim() : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text === '' ? null : text;
}

/** `"abc"`, `true`, `an object`: a JSON value as a reason shows it. */
export function describeJson(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null) return 'an object';
  return JSON.stringify(value);
}
