import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkPoints } from '../../src/em/parallel/chunk-size.js';
import { splitsMStep } from '../../src/em/parallel/m-step-split.js';
import { COVARIANCE_TYPES, type CovarianceType } from '../../src/em/types.js';
import { mixtureOfType, punchMissing, sampleBatch } from '../helpers/fixtures.js';
import { ensureDistBuilt } from './build-dist.js';
import { fitOk, withoutCreatedAt } from './run-cli.js';

/**
 * `online-em fit --threads N`, the whole process: the same snapshots (createdAt aside, deep
 * equality of the numbers) at 1, 2 and 3 threads, with a quarter of the coordinates missing
 * (null). d = 6, K = 4; each minibatch is 3 chunks and a bit, so it is split over the threads.
 * Full covariances at d = 24, K = 6 also split their M-step, with and without missing values.
 */

const D = 6;
const K = 4;
let dir: string;

beforeAll(() => {
  ensureDistBuilt();
  dir = mkdtempSync(join(tmpdir(), 'online-em-threads-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The points, a `fraction` of their coordinates missing (past the warm-up only when `completeWarmup`). */
function pointsFile(covarianceType: CovarianceType, fraction: number, k = K, d = D, completeWarmup = false): string {
  const chunk = chunkPoints(k, d, covarianceType);
  const warmup = 2 * chunk + 3;
  const n = warmup + Math.round(2.5 * (3 * chunk + 5));
  const batch = sampleBatch(mixtureOfType(k, d, covarianceType, 21), n, 22);
  const data = fraction > 0 ? punchMissing(batch.data, n, d, fraction, 23) : batch.data;
  if (completeWarmup) data.set(batch.data.subarray(0, warmup * d));
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(JSON.stringify(Array.from(data.subarray(i * d, (i + 1) * d), (v) => (Number.isNaN(v) ? null : v))));
  const path = join(dir, `${covarianceType}-${k}-${d}-${fraction}.ndjson`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** The snapshots of `fit` at 1, 2 and 3 threads are the same; those at 1 are returned. */
async function sameAtEveryThreadCount(covarianceType: CovarianceType, fraction: number, k = K, d = D, completeWarmup = false) {
  const file = pointsFile(covarianceType, fraction, k, d, completeWarmup);
  const chunk = chunkPoints(k, d, covarianceType);
  const args = ['-k', String(k), '--covariance', covarianceType, '--batch-size', String(3 * chunk + 5), '--warmup', String(2 * chunk + 3), '--restarts', '2', '--snapshot-every', '1', file];
  const runs = await Promise.all([1, 2, 3].map((threads) => fitOk([...args, '--threads', String(threads)])));
  const [one, ...others] = runs.map((r) => r.snapshots.map(withoutCreatedAt));
  for (const other of others) expect(other).toStrictEqual(one);
  return one;
}

describe('fit --threads', () => {
  it.each(COVARIANCE_TYPES.map((type) => [type, 0.25] as const))('%s, missing fraction %s: the same snapshots at 1, 2 and 3 threads', async (covarianceType, fraction) => {
    const one = await sameAtEveryThreadCount(covarianceType, fraction);
    // Two full minibatches and the partial last one.
    expect(one.length).toBe(3);
  });

  // d = 24, K = 6: the M-step too is split over the threads, component by component. The warm-up
  // rows stay complete: at d = 24 nearly every row with missing values is a pattern of its own,
  // and the warm-up's EM to convergence on them would take most of a minute.
  it.each([0, 0.25])('full, d = 24, K = 6, missing fraction %s after the warm-up: the same snapshots at 1, 2 and 3 threads', async (fraction) => {
    expect(splitsMStep(6, 24, 'full')).toBe(true);
    const one = await sameAtEveryThreadCount('full', fraction, 6, 24, true);
    expect(one.length).toBe(3);
  });
});
