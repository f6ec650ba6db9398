import { availableParallelism } from 'node:os';
import { SerialExecutor } from './serial-executor.js';
import type { StatisticsExecutor } from './statistics-executor.js';
import { WorkerPool } from './worker-pool.js';

/** Threads by default: the available cores but one (left to decoding, Kafka and the OS), at most 8, at least 1. */
export function defaultThreads(): number {
  return Math.max(1, Math.min(8, availableParallelism() - 1));
}

const serial = new SerialExecutor();
const pools = new Map<number, WorkerPool>();

/**
 * The executor of `threads` threads, shared by every engine of the process: engines run one
 * at a time on the main thread, so one pool serves them all (a registry of many models
 * does not start threads per model). 1 is the calling thread alone.
 */
export function statisticsExecutor(threads: number): StatisticsExecutor {
  if (threads <= 1) return serial;
  let pool = pools.get(threads);
  if (!pool) {
    pool = new WorkerPool(threads);
    pools.set(threads, pool);
  }
  return pool;
}

/** Stop every pool's workers (they are unref'd: a process need not call this to exit). */
export function closeStatisticsExecutors(): void {
  for (const pool of pools.values()) pool.close();
  pools.clear();
}
