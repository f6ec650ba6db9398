import type { ComponentFactors } from '../em/component-factors.js';
import { eStep } from '../em/e-step.js';
import {
  DEFAULT_MAX_ABS_VALUE,
  validateFloat64Rows,
  validateRows,
  type IndexedRejection,
  type ValidatedRows,
} from '../em/point-validation.js';
import type { MixtureParams } from '../em/types.js';
import { argmaxComponents } from './argmax-components.js';
import { scoringFactors, type ScoringModel } from './scoring-model.js';

/**
 * Points to score: rows (arrays of numbers, null or NaN where a coordinate is missing;
 * a RefusedPoint stands for input already refused) or n×dim float64 rows (NaN missing).
 */
export type ScoringPoints = readonly unknown[] | { readonly data: Float64Array; readonly dim: number };

/** Per point, in input order; a refused point has NaN scores and component -1. */
export interface PointScores {
  readonly n: number;
  readonly k: number;
  /** n: log p(x_i) in nats, over the observed coordinates of x_i (its marginal). */
  readonly logLikelihood: Float64Array;
  /** n: argmax_k γ_ik, the component the point belongs to. */
  readonly component: Int32Array;
  /** n×K row-major: γ_ik = π_k N_k(x_i) / p(x_i); each scored row sums to 1. */
  readonly responsibilities: Float64Array;
  /** The refused points, by index into the input, with why. */
  readonly rejected: readonly IndexedRejection[];
}

export interface ScoringOptions {
  /** Largest accepted |x|, as the engine's maxAbsValue (default 1e15). */
  readonly maxAbsValue?: number;
}

/** A mixture checked and factored once, to score any number of point sets against. */
export interface PointScorer {
  readonly params: MixtureParams;
  score(points: ScoringPoints): PointScores;
}

/** Rows scored per E-step, so the E-step's working memory stays bounded. */
const SCORE_CHUNK = 8192;

/**
 * A scorer for `model`; throws InvalidMixtureError when the model is not a valid
 * mixture. Scoring itself never throws on a bad point: it is refused, with a code.
 */
export function pointScorer(model: ScoringModel, options: ScoringOptions = {}): PointScorer {
  const { params, factors } = scoringFactors(model);
  const maxAbs = options.maxAbsValue ?? DEFAULT_MAX_ABS_VALUE;
  return { params, score: (points) => scoreWith(factors, points, maxAbs) };
}

/**
 * Per-point log-likelihoods, components (argmax responsibility) and responsibilities
 * of `points` under a mixture (scikit-learn's score_samples, predict, predict_proba).
 * A point with missing coordinates is scored on its marginal over the observed ones.
 */
export function scorePoints(model: ScoringModel, points: ScoringPoints, options: ScoringOptions = {}): PointScores {
  return pointScorer(model, options).score(points);
}

function scoreWith(f: ComponentFactors, points: ScoringPoints, maxAbs: number): PointScores {
  const { k: K, dim: d } = f;
  const rows = Array.isArray(points) ? (points as readonly unknown[]) : null;
  const packed = rows ? null : (points as { readonly data: Float64Array; readonly dim: number });
  if (packed && (!Number.isInteger(packed.dim) || packed.dim < 1 || packed.data.length % packed.dim !== 0)) {
    throw new RangeError(`scorePoints: ${packed.data.length} values are not whole rows of dim ${packed.dim}`);
  }
  const n = rows ? rows.length : packed!.data.length / packed!.dim;
  const logLikelihood = new Float64Array(n).fill(NaN);
  const responsibilities = new Float64Array(n * K).fill(NaN);
  const component = new Int32Array(n).fill(-1);
  const rejected: IndexedRejection[] = [];
  for (let start = 0; start < n; start += SCORE_CHUNK) {
    const end = Math.min(n, start + SCORE_CHUNK);
    const validated = rows ? validateRows(rows.slice(start, end), d, maxAbs) : validatePacked(packed!, d, start, end, maxAbs);
    const { batch } = validated;
    const { resp, logLik } = eStep(f, batch);
    const best = argmaxComponents(resp, batch.n, K);
    // Accepted rows keep their order: walk the chunk, skipping the refused ones.
    let r = 0;
    let b = 0;
    for (let i = 0; i < end - start; i++) {
      if (r < validated.rejected.length && validated.rejected[r].index === i) {
        rejected.push({ ...validated.rejected[r], index: start + i });
        r++;
        continue;
      }
      const at = start + i;
      logLikelihood[at] = logLik[b];
      component[at] = best[b];
      responsibilities.set(resp.subarray(b * K, b * K + K), at * K);
      b++;
    }
  }
  return { n, k: K, logLikelihood, component, responsibilities, rejected };
}

/** Rows [start, end) of packed float64 rows, validated on a copy (the caller's data stays as it is). */
function validatePacked(points: { readonly data: Float64Array; readonly dim: number }, d: number, start: number, end: number, maxAbs: number): ValidatedRows {
  if (points.dim !== d) {
    const rejected: IndexedRejection[] = [];
    for (let i = 0; i < end - start; i++) rejected.push({ index: i, code: 'wrong-dimension', message: `expected ${d} coordinates, got ${points.dim}` });
    return { batch: { n: 0, dim: d, data: new Float64Array(0), rowsWithMissing: 0 }, rejected };
  }
  return validateFloat64Rows(points.data.slice(start * d, end * d), d, maxAbs);
}
