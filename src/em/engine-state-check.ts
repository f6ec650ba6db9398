import type { EngineState } from './engine-state.js';
import { IncompatibleStateError } from './errors.js';
import { s2Length } from './sufficient-stats.js';
import { COVARIANCE_TYPES, type CovarianceType } from './types.js';

/** Thrown for the first field of a state that is not what the engine wrote: one line, naming it. */
function bad(field: string, problem: string): never {
  throw new IncompatibleStateError(`engine state: ${field} ${problem}`);
}

type Obj = Record<string, unknown>;

function object(value: unknown, field: string): Obj {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) bad(field, `must be an object, got ${describe(value)}`);
  return value as Obj;
}

function count(o: Obj, key: string, field: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) bad(`${field}${key}`, `must be a non-negative integer, got ${describe(v)}`);
  return v;
}

function finiteOrNull(o: Obj, key: string, field: string): void {
  const v = o[key];
  if (v !== null && (typeof v !== 'number' || !Number.isFinite(v))) bad(`${field}${key}`, `must be a finite number or null, got ${describe(v)}`);
}

function numbers(o: Obj, key: string, field: string): void {
  const v = o[key];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) bad(`${field}${key}`, `must be an array of numbers, got ${describe(v)}`);
}

/** A Float64Array of `length` (or of a multiple of `multipleOf`). */
function float64(o: Obj, key: string, field: string, size: { length?: number; multipleOf?: number }): void {
  const v = o[key];
  // The usual mistake: a state through JSON.stringify, whose typed arrays come back as {"0": ...} objects.
  if (!(v instanceof Float64Array)) bad(`${field}${key}`, `must be a Float64Array, got ${describe(v)} (decode JSON with decodeEngineState)`);
  if (size.length !== undefined && v.length !== size.length) bad(`${field}${key}`, `must hold ${size.length} values, holds ${v.length}`);
  if (size.multipleOf !== undefined && v.length % size.multipleOf !== 0) bad(`${field}${key}`, `must hold a multiple of ${size.multipleOf} values, holds ${v.length}`);
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return 'an array';
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  if (typeof v === 'object') return 'an object';
  return typeof v === 'string' ? JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v) : String(v);
}

/**
 * Check that `value` has the shape of an EngineState, with sizes that agree with its k,
 * dim and covariance type, so a restore never fails later with a TypeError deep inside.
 * Throws IncompatibleStateError naming the first bad field.
 */
export function checkEngineState(value: unknown): asserts value is EngineState {
  const s = object(value, 'the state');
  if (s.version !== 1) bad('version', `must be 1, got ${describe(s.version)}`);
  const k = count(s, 'k', '');
  if (k < 1) bad('k', 'must be at least 1');
  if (!COVARIANCE_TYPES.includes(s.covarianceType as CovarianceType)) bad('covarianceType', `must be one of ${COVARIANCE_TYPES.join(', ')}, got ${describe(s.covarianceType)}`);
  const dim = s.dim === null ? null : count(s, 'dim', '');
  if (dim === 0) bad('dim', 'must be at least 1 or null');
  const rows = dim === null ? { length: 0 } : { multipleOf: dim };
  float64(s, 'warmupPoints', '', rows);
  float64(s, 'pendingPoints', '', rows);
  const d = dim ?? 0;
  const s2 = s2Length(k, d, s.covarianceType as CovarianceType);
  if (s.stats !== null) {
    if (dim === null) bad('stats', 'must be null while the dimension is unknown');
    const stats = object(s.stats, 'stats');
    float64(stats, 'reference', 'stats.', { length: d });
    float64(stats, 's0', 'stats.', { length: k });
    float64(stats, 's1', 'stats.', { length: k * d });
    float64(stats, 's2', 'stats.', { length: s2 });
  }
  if (s.averaged !== null) {
    if (s.stats === null) bad('averaged', 'must be null without stats');
    const averaged = object(s.averaged, 'averaged');
    float64(averaged, 's0', 'averaged.', { length: k });
    float64(averaged, 's1', 'averaged.', { length: k * d });
    float64(averaged, 's2', 'averaged.', { length: s2 });
  }
  count(s, 'averagedUpdates', '');
  count(s, 'pointsInStats', '');
  const counters = object(s.counters, 'counters');
  for (const key of ['pointsSeen', 'batches', 'rejected', 'reseeds', 'jitterEvents', 'skippedBatches']) count(counters, key, 'counters.');
  finiteOrNull(s, 'lastStepSize', '');
  const monitor = object(s.monitor, 'monitor');
  numbers(monitor, 'means', 'monitor.');
  numbers(monitor, 'counts', 'monitor.');
  if (s.change !== undefined) checkChange(object(s.change, 'change'), d);
  if (s.selection !== undefined) checkSelection(object(s.selection, 'selection'), k);
}

function checkSelection(selection: Obj, k: number): void {
  if (selection.criterion !== 'bic') bad('selection.criterion', `must be "bic", got ${describe(selection.criterion)}`);
  if (count(selection, 'chosen', 'selection.') !== k) bad('selection.chosen', `must be k = ${k}, got ${describe(selection.chosen)}`);
  if (!Array.isArray(selection.scores)) bad('selection.scores', `must be an array, got ${describe(selection.scores)}`);
  selection.scores.forEach((score, i) => {
    const entry = object(score, `selection.scores[${i}]`);
    count(entry, 'k', `selection.scores[${i}].`);
    for (const key of ['bic', 'logLikelihood']) finiteOrNull(entry, key, `selection.scores[${i}].`);
  });
}

function checkChange(change: Obj, dim: number): void {
  const detector = object(change.detector, 'change.detector');
  for (const key of ['batches', 'changes']) count(detector, key, 'change.detector.');
  for (const key of ['reference', 'variance', 'statistic', 'lastChangeAt']) finiteOrNull(detector, key, 'change.detector.');
  float64(change, 'challengerPoints', 'change.', dim === 0 ? {} : { multipleOf: dim });
  float64(change, 'activity', 'change.', {});
  float64(change, 'strandedFor', 'change.', {});
  if (typeof change.collecting !== 'boolean') bad('change.collecting', `must be a boolean, got ${describe(change.collecting)}`);
  finiteOrNull(change, 'rampMass', 'change.');
  count(change, 'adoptions', 'change.');
}
