import { componentFactors } from '../component-factors.js';
import { splitInto, writeComponent } from '../dead-components.js';
import { eStep } from '../e-step.js';
import type { MixtureParams, PointBatch, SufficientStats } from '../types.js';

/** The new component of an "add at the worst point" start takes this share of the mass. */
const NEW_COMPONENT_MASS = 0.05;
/** Its covariance: that of the component the point belonged to, shrunk by this factor. */
const NEW_COMPONENT_SHRINK = 0.1;
/** How many of the worst-explained points get a start of their own. */
const WORST_POINTS = 2;

/**
 * Starts for a (K+1)-component fit grown from a fitted K-component one (greedy EM, after
 * Vlassis & Likas 2002): each component split in two along its principal axis, and a new
 * small component at each of the points the fit explains worst. k-means++ rarely seeds a
 * small or nested component; a grown start keeps the K components already found and
 * only has to place one more. Returned as per-point statistics about `stats.reference`, as
 * `fitBatchEm`'s `starts` takes them.
 */
export function grownStarts(fit: { params: MixtureParams; stats: SufficientStats }, batch: PointBatch): SufficientStats[] {
  const { stats } = fit;
  const starts: SufficientStats[] = [];
  for (let c = 0; c < stats.k; c++) {
    const grown = withOneMoreComponent(stats, 1);
    splitInto(grown, c, stats.k);
    starts.push(grown);
  }
  for (const point of worstExplainedPoints(fit.params, batch, WORST_POINTS)) starts.push(addedAtPoint(fit, batch, point));
  return starts;
}

/** K+1 components: the K of `stats` with their mass scaled by `keep`, and an empty last one. */
function withOneMoreComponent(stats: SufficientStats, keep: number): SufficientStats {
  const { k, dim: d } = stats;
  const per2 = stats.s2.length / k;
  const s0 = new Float64Array(k + 1);
  const s1 = new Float64Array((k + 1) * d);
  const s2 = new Float64Array((k + 1) * per2);
  for (let i = 0; i < stats.s0.length; i++) s0[i] = keep * stats.s0[i];
  for (let i = 0; i < stats.s1.length; i++) s1[i] = keep * stats.s1[i];
  for (let i = 0; i < stats.s2.length; i++) s2[i] = keep * stats.s2[i];
  return { k: k + 1, dim: d, covarianceType: stats.covarianceType, reference: stats.reference, s0, s1, s2 };
}

/** A new component at row `point`, with the shrunk covariance of the component most responsible for it. */
function addedAtPoint(fit: { params: MixtureParams; stats: SufficientStats }, batch: PointBatch, point: { row: number; component: number }): SufficientStats {
  const { stats, params } = fit;
  const d = stats.dim;
  let total = 0;
  for (let c = 0; c < stats.k; c++) total += stats.s0[c];
  const grown = withOneMoreComponent(stats, 1 - NEW_COMPONENT_MASS);
  const mean = new Float64Array(d);
  for (let j = 0; j < d; j++) mean[j] = batch.data[point.row * d + j] - stats.reference[j];
  const cov = params.covariances.slice(point.component * d * d, (point.component + 1) * d * d).map((v) => NEW_COMPONENT_SHRINK * v);
  writeComponent(grown, stats.k, NEW_COMPONENT_MASS * total, mean, cov);
  return grown;
}

/**
 * The complete rows of least log-likelihood under `params`, at most `count`, each from a
 * different most-responsible component (so that two starts do not chase one outlying clump).
 */
function worstExplainedPoints(params: MixtureParams, batch: PointBatch, count: number): { row: number; component: number }[] {
  const { n, dim: d } = batch;
  const e = eStep(componentFactors(params), batch);
  const order: number[] = [];
  for (let i = 0; i < n; i++) if (isComplete(batch.data, i, d)) order.push(i);
  order.sort((a, b) => e.logLik[a] - e.logLik[b] || a - b);
  const chosen: { row: number; component: number }[] = [];
  for (const row of order) {
    if (chosen.length >= count) break;
    let component = 0;
    for (let c = 1; c < params.k; c++) if (e.resp[row * params.k + c] > e.resp[row * params.k + component]) component = c;
    if (chosen.some((p) => p.component === component)) continue;
    chosen.push({ row, component });
  }
  return chosen;
}

function isComplete(data: Float64Array, row: number, d: number): boolean {
  for (let j = 0; j < d; j++) if (Number.isNaN(data[row * d + j])) return false;
  return true;
}
