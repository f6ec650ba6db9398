import type { ComponentFactors } from '../component-factors.js';
import { mStepFactors, type FactoredModel } from '../m-step-factors.js';
import type { PointBatch, SufficientStats } from '../types.js';
import { chunkStatistics, slotStatistics, takeKnownRows } from './chunk-statistics.js';
import { reduceChunks } from './chunk-reduction.js';
import { chunkLayout, chunkPoints } from './chunk-size.js';
import { GrowableBuffer } from './growable-buffer.js';
import { slotLayout } from './slot-layout.js';
import type { ChunkedStatistics, KnownScores, StatisticsExecutor } from './statistics-executor.js';

/** Every chunk on the calling thread: what `--threads 1` runs, chunk for chunk as the pool does. */
export class SerialExecutor implements StatisticsExecutor {
  readonly threads = 1;
  private readonly resp = new GrowableBuffer();
  private readonly logLik = new GrowableBuffer();
  private readonly partials = new GrowableBuffer();
  private readonly sum = new GrowableBuffer();

  /**
   * `known` is taken for a batch without missing coordinates (with them, each chunk's missing
   * patterns are factored in its E-step). A following update is left to the caller: on one
   * thread, blending and factoring here would save nothing.
   */
  run(f: ComponentFactors, batch: PointBatch, reference: Float64Array, known: KnownScores | null = null): ChunkedStatistics {
    const { n, data } = batch;
    const { k: K, dim: d, covarianceType } = f;
    const { count, size } = chunkLayout(n, chunkPoints(K, d, covarianceType));
    const layout = slotLayout(K, d, covarianceType);
    const { length } = layout;
    const resp = this.resp.view(n * K);
    const logLik = this.logLik.view(n);
    const partials = this.partials.view(count * length);
    const anyMissing = batch.rowsWithMissing > 0;
    const knownRows = takeKnownRows(known, anyMissing, n, K, resp, logLik);
    for (let c = 0; c < count; c++) {
      chunkStatistics(f, reference, data, c * size, Math.min(n, (c + 1) * size), anyMissing, resp, logLik, partials.subarray(c * length, (c + 1) * length), knownRows);
    }
    const sum = this.sum.view(length);
    reduceChunks(partials, count, layout, n, sum);
    return { n, k: K, resp, logLik, stats: slotStatistics(sum, f, reference), blended: null };
  }

  /** The serial M-step, component after component. */
  mStep(stats: SufficientStats, regCovar: number): FactoredModel {
    return mStepFactors(stats, regCovar);
  }
}
