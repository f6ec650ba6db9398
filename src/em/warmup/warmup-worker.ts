/**
 * A worker thread that runs one warm-up fit (off-thread-warmup.ts) and exits: the fit of
 * `--components auto` takes seconds to minutes, which the caller's event loop spends on
 * other work (a Kafka consumer's heartbeats).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ResolvedOptions } from '../options.js';
import { closeStatisticsExecutors, statisticsExecutor } from '../parallel/executors.js';
import { pointBatch } from '../point-batch.js';
import { fitWarmup } from './warmup-fit.js';

interface WarmupJob {
  readonly data: Float64Array;
  readonly dim: number;
  readonly options: ResolvedOptions;
}

const { data, dim, options } = workerData as WarmupJob;
try {
  const result = fitWarmup(pointBatch(data, dim), options, statisticsExecutor(options.threads));
  parentPort!.postMessage(result);
} finally {
  closeStatisticsExecutors();
}
