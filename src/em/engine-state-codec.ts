import { checkEngineState } from './engine-state-check.js';
import type { EngineState } from './engine-state.js';
import { IncompatibleStateError } from './errors.js';

/** How a Float64Array is written in JSON, and read back. */
export interface Float64Json {
  encode(values: Float64Array): unknown;
  /** Null when `json` is not this encoding's form of an array. */
  decode(json: unknown): Float64Array | null;
}

/** JSON numbers cannot be NaN or ±Infinity; these stand for them (missing coordinates are NaN). */
const NON_FINITE: Readonly<Record<string, number>> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

function encodeNumber(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

function decodeNumber(v: unknown): number | undefined {
  return typeof v === 'number' ? v : typeof v === 'string' ? NON_FINITE[v] : undefined;
}

/** The default: a plain array of numbers, "NaN"/"Infinity"/"-Infinity" for the non-finite ones. Exact: JSON numbers round-trip float64. */
export const FLOAT64_AS_NUMBERS: Float64Json = {
  encode: (values) => Array.from(values, encodeNumber),
  decode: (json) => {
    if (!Array.isArray(json)) return null;
    const out = new Float64Array(json.length);
    for (let i = 0; i < json.length; i++) {
      const v = decodeNumber(json[i]);
      if (v === undefined) return null;
      out[i] = v;
    }
    return out;
  },
};

/** Paths of the state's Float64Array fields (decoding needs them: a number[] field looks the same in JSON). */
const FLOAT64_FIELDS = [
  ['warmupPoints'],
  ['pendingPoints'],
  ['stats', 'reference'],
  ['stats', 's0'],
  ['stats', 's1'],
  ['stats', 's2'],
  ['averaged', 's0'],
  ['averaged', 's1'],
  ['averaged', 's2'],
  ['change', 'challengerPoints'],
  ['change', 'activity'],
  ['change', 'strandedFor'],
] as const;

/**
 * The engine state as a JSON-safe value: `JSON.stringify` of it loses nothing. Float64Arrays
 * are written by `float64` (plain number arrays by default); non-finite numbers elsewhere
 * as "NaN"/"Infinity"/"-Infinity". Key order is the state's own, so equal states encode equally.
 */
export function encodeEngineState(state: EngineState, float64: Float64Json = FLOAT64_AS_NUMBERS): Record<string, unknown> {
  return toJson(state, float64) as Record<string, unknown>;
}

function toJson(value: unknown, float64: Float64Json): unknown {
  if (value instanceof Float64Array) return float64.encode(value);
  if (typeof value === 'number') return encodeNumber(value);
  if (Array.isArray(value)) return value.map((v) => toJson(v, float64));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = toJson(v, float64);
  return out;
}

/**
 * An engine state from its JSON form (what encodeEngineState wrote, through JSON.parse),
 * checked field by field: IncompatibleStateError names the first bad one.
 */
export function decodeEngineState(json: unknown, float64: Float64Json = FLOAT64_AS_NUMBERS): EngineState {
  const state = fromJson(json) as Record<string, unknown> | null;
  if (state !== null && typeof state === 'object') {
    for (const path of FLOAT64_FIELDS) {
      const parent = path.length === 1 ? state : (state[path[0]] as Record<string, unknown> | null | undefined);
      const key = path[path.length - 1];
      if (parent === null || typeof parent !== 'object' || !(key in parent)) continue;
      const decoded = float64.decode(parent[key]);
      if (decoded === null) throw new IncompatibleStateError(`engine state: ${path.join('.')} is not an encoded float64 array`);
      parent[key] = decoded;
    }
  }
  checkEngineState(state);
  return state;
}

/** A copy with "NaN"/"Infinity" back as numbers. */
function fromJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromJson);
  if (typeof value === 'string' && value in NON_FINITE) return NON_FINITE[value];
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = fromJson(v);
  return out;
}
