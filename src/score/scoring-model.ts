import { componentFactors, type ComponentFactors } from '../em/component-factors.js';
import { NotPositiveDefiniteError } from '../em/errors.js';
import { paramsFromSnapshot, type MixtureSnapshot } from '../em/snapshot.js';
import { COVARIANCE_TYPES, type CovarianceType, type MixtureParams } from '../em/types.js';

/** The mixture fields of a snapshot (its JSON, as `fit` writes it or a topic carries it). */
export type MixtureSnapshotLike = Pick<MixtureSnapshot, 'k' | 'dim' | 'covarianceType' | 'weights' | 'means' | 'covariances'>;

/** What scoring takes: a snapshot's mixture (JSON arrays) or MixtureParams (Float64Arrays). */
export type ScoringModel = MixtureSnapshotLike | MixtureParams;

/** A mixture that cannot be scored against: `message` says which field is wrong and how. */
export class InvalidMixtureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidMixtureError';
  }
}

/** How far the weights may sum from 1 (rounded JSON keeps them far closer). */
const WEIGHT_SUM_TOLERANCE = 1e-6;
/** Relative asymmetry, or spread of a spherical diagonal, taken as rounding. */
const MATRIX_TOLERANCE = 1e-9;

/**
 * The parameters of `model` (a snapshot-like object or MixtureParams, or JSON not yet
 * checked) and their E-step factors, after checking that they describe a mixture:
 * K and d positive integers, a known covariance type, arrays of the right shapes and
 * finite values, weights ≥ 0 summing to 1, covariances symmetric (diag and spherical:
 * diagonal; spherical: one variance; tied: one matrix for all) and positive definite.
 * Throws InvalidMixtureError.
 */
export function scoringFactors(model: unknown): { params: MixtureParams; factors: ComponentFactors } {
  const params = paramsOf(model);
  checkValues(params);
  try {
    return { params, factors: componentFactors(params) };
  } catch (error) {
    if (error instanceof NotPositiveDefiniteError) throw new InvalidMixtureError(`${error.message}: it cannot be scored against`);
    throw error;
  }
}

function paramsOf(model: unknown): MixtureParams {
  if (model === null || typeof model !== 'object') throw new InvalidMixtureError(`a mixture must be an object, got ${model === null ? 'null' : typeof model}`);
  const m = model as Record<string, unknown>;
  const k = positiveInteger(m.k, 'k');
  const dim = positiveInteger(m.dim, 'dim');
  if (!COVARIANCE_TYPES.includes(m.covarianceType as CovarianceType)) {
    throw new InvalidMixtureError(`covarianceType must be one of ${COVARIANCE_TYPES.join(', ')}, got ${JSON.stringify(m.covarianceType) ?? 'nothing'}`);
  }
  const covarianceType = m.covarianceType as CovarianceType;
  if (m.weights instanceof Float64Array || m.means instanceof Float64Array || m.covariances instanceof Float64Array) {
    const params = { k, dim, covarianceType, weights: m.weights, means: m.means, covariances: m.covariances };
    typedLength(params.weights, k, 'weights', `${k}`);
    typedLength(params.means, k * dim, 'means', `k·dim = ${k * dim}`);
    typedLength(params.covariances, k * dim * dim, 'covariances', `k·dim·dim = ${k * dim * dim}`);
    return params as MixtureParams;
  }
  nestedShape(m.weights, [k], 'weights');
  nestedShape(m.means, [k, dim], 'means');
  nestedShape(m.covariances, [k, dim, dim], 'covariances');
  return paramsFromSnapshot(m as unknown as MixtureSnapshotLike);
}

function positiveInteger(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidMixtureError(`${name} must be a positive integer, got ${JSON.stringify(value) ?? 'nothing'}`);
  }
  return value;
}

function typedLength(value: unknown, length: number, name: string, what: string): void {
  if (!(value instanceof Float64Array)) throw new InvalidMixtureError(`${name} must be a Float64Array like the other parameters`);
  if (value.length !== length) throw new InvalidMixtureError(`${name} has ${value.length} values, expected ${what}`);
}

/** `value` is an array nested to `shape`, with numbers at the leaves. */
function nestedShape(value: unknown, shape: readonly number[], path: string): void {
  if (!Array.isArray(value)) throw new InvalidMixtureError(`${path} must be an array of ${shape[0]}, got ${describe(value)}`);
  if (value.length !== shape[0]) throw new InvalidMixtureError(`${path} has ${value.length} entries, expected ${shape[0]}`);
  for (let i = 0; i < value.length; i++) {
    if (shape.length > 1) nestedShape(value[i], shape.slice(1), `${path}[${i}]`);
    else if (typeof value[i] !== 'number') throw new InvalidMixtureError(`${path}[${i}] must be a number, got ${describe(value[i])}`);
  }
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  return Array.isArray(value) ? 'an array' : typeof value;
}

function checkValues(p: MixtureParams): void {
  const { k, dim: d } = p;
  let sum = 0;
  for (let c = 0; c < k; c++) {
    const w = p.weights[c];
    if (!Number.isFinite(w) || w < 0) throw new InvalidMixtureError(`weights[${c}] is ${w}: a weight must be finite and not negative`);
    sum += w;
  }
  if (!(Math.abs(sum - 1) <= WEIGHT_SUM_TOLERANCE)) throw new InvalidMixtureError(`the weights sum to ${sum}, not 1: normalise them`);
  for (let i = 0; i < p.means.length; i++) {
    if (!Number.isFinite(p.means[i])) throw new InvalidMixtureError(`means[${Math.floor(i / d)}][${i % d}] is ${p.means[i]}, not a finite number`);
  }
  for (let c = 0; c < k; c++) checkCovariance(p, c);
}

function checkCovariance(p: MixtureParams, c: number): void {
  const { dim: d, covariances: s, covarianceType } = p;
  const o = c * d * d;
  const at = (a: number, b: number): number => s[o + a * d + b];
  const name = (a: number, b: number): string => `covariances[${c}][${a}][${b}]`;
  for (let a = 0; a < d; a++) {
    for (let b = 0; b < d; b++) if (!Number.isFinite(at(a, b))) throw new InvalidMixtureError(`${name(a, b)} is ${at(a, b)}, not a finite number`);
  }
  for (let a = 0; a < d; a++) {
    if (!(at(a, a) > 0)) throw new InvalidMixtureError(`${name(a, a)} is ${at(a, a)}: a variance must be positive`);
    for (let b = 0; b < a; b++) {
      const scale = MATRIX_TOLERANCE * Math.sqrt(at(a, a) * at(b, b));
      if ((covarianceType === 'diag' || covarianceType === 'spherical') && (at(a, b) !== 0 || at(b, a) !== 0)) {
        throw new InvalidMixtureError(`${name(a, b)} is ${at(a, b) || at(b, a)}: a ${covarianceType} covariance has zero off-diagonals`);
      }
      if (Math.abs(at(a, b) - at(b, a)) > scale) throw new InvalidMixtureError(`covariance ${c} is not symmetric: ${name(a, b)} is ${at(a, b)}, ${name(b, a)} is ${at(b, a)}`);
    }
    if (covarianceType === 'spherical' && Math.abs(at(a, a) - at(0, 0)) > MATRIX_TOLERANCE * at(0, 0)) {
      throw new InvalidMixtureError(`${name(a, a)} is ${at(a, a)} but ${name(0, 0)} is ${at(0, 0)}: a spherical covariance has one variance`);
    }
  }
  if (covarianceType === 'tied' && c > 0) {
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < d; b++) {
        const shared = s[a * d + b];
        if (Math.abs(at(a, b) - shared) > MATRIX_TOLERANCE * Math.sqrt(s[a * d + a] * s[b * d + b])) {
          throw new InvalidMixtureError(`${name(a, b)} is ${at(a, b)} but covariances[0][${a}][${b}] is ${shared}: a tied covariance is one matrix for all components`);
        }
      }
    }
  }
}
