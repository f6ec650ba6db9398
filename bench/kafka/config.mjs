// What the Kafka bench runs, from the environment (see run.mjs's header), and where it writes.
import { join } from 'node:path';
import { brokerPortFromEnv } from '../../dist/cli/local-broker.js';
import { REPO_ROOT } from '../lib/paths.mjs';

const int = (name, fallback) => {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got '${v}'`);
  return n;
};

export const PORT = brokerPortFromEnv('BENCH_KAFKA_PORT', 39292);
export const BROKERS = [`127.0.0.1:${PORT}`];
export const POINTS = int('BENCH_KAFKA_POINTS', 3_000_000);
export const REPEATS = Math.max(1, int('BENCH_KAFKA_REPEATS', 3));
export const MEMORY_POINTS = int('BENCH_KAFKA_MEMORY_POINTS', 5_000_000);
export const MEMORY_JSON_POINTS = int('BENCH_KAFKA_MEMORY_JSON_POINTS', 5_000_000);
export const MEMORY_LONG_POINTS = int('BENCH_KAFKA_MEMORY_LONG_POINTS', 20_000_000);
export const BUDGET_MS = int('BENCH_KAFKA_BUDGET_S', 600) * 1000;
export const RSS_SAMPLE_MS = 500;
export const ENGINE_ALONE_POINTS = Math.min(POINTS, 1_000_000);
export const RUN_TIMEOUT_MS = 240_000;
export const SEEDS = { binary: 1, json: 2, memoryBinary: 3, memoryJson: 4, memoryLong: 5 };

export const OUT_DIR = join(REPO_ROOT, 'bench', 'out');
export const OUT_FILE = process.env.BENCH_KAFKA_OUT_FILE || join(OUT_DIR, 'kafka.json');
export const BENCHMARKS = process.env.BENCH_KAFKA_BENCHMARKS_FILE || join(REPO_ROOT, 'BENCHMARKS.md');
// The unbundled command, as in the figures before; the probe follows the processor's events on a
// diagnostics channel (by name), so it would time the bundled bin the same way.
export const MAIN = join(REPO_ROOT, 'dist', 'cli', 'main.js');
