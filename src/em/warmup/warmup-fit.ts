import type { BatchEmResult } from '../batch-em.js';
import { selectComponents, type ComponentSelection } from '../model-selection/component-selection.js';
import type { ResolvedOptions } from '../options.js';
import type { StatisticsExecutor } from '../parallel/statistics-executor.js';
import type { PointBatch } from '../types.js';
import { warmStartFit, warmStartWork } from '../warm-start-fit.js';

/** What a model starts from: batch EM on its full warm-up buffer, and with `auto` the K chosen. */
export interface WarmupFit {
  readonly fit: BatchEmResult;
  /** What `auto` tried and chose; null for a fixed K. */
  readonly selection: ComponentSelection | null;
}

/**
 * The warm-up fit of a full buffer: with `auto`, K = 1…MAX and the least BIC; else the
 * warm-start fit of the given K. A pure function of its arguments, so that it can run on
 * another thread and give the same bits (`executor`: any thread count, same chunks).
 */
export function fitWarmup(buffer: PointBatch, o: ResolvedOptions, executor?: StatisticsExecutor): WarmupFit {
  if (o.maxComponents !== null) {
    const { fit, selection } = selectComponents(buffer, o, o.maxComponents, o.seed, executor);
    return { fit, selection };
  }
  return { fit: warmStartFit(buffer, o, o.seed, executor), selection: null };
}

/** The most multiply-adds `fitWarmup` spends on n points of dimension d (with `auto`, every K it tries). */
export function warmupFitWork(o: ResolvedOptions, n: number, d: number): number {
  if (o.maxComponents === null) return warmStartWork(o, n, d);
  let work = 0;
  for (let k = 1; k <= Math.min(o.maxComponents, n); k++) work += warmStartWork({ ...o, components: k }, n, d, k > 1);
  return work;
}
