import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkPoints } from '../../src/em/parallel/chunk-size.js';
import { COVARIANCE_TYPES, type CovarianceType } from '../../src/em/types.js';
import { mixtureOfType, punchMissing, sampleBatch } from '../helpers/fixtures.js';
import { ensureDistBuilt } from './build-dist.js';
import { fitOk, withoutCreatedAt } from './run-cli.js';

/**
 * `online-em fit --threads N`, the whole process: the same snapshots (createdAt aside, deep
 * equality of the numbers) at 1, 2 and 3 threads, with a quarter of the coordinates missing
 * (null). d = 6, K = 4; each minibatch is 3 chunks and a bit, so it is split over the threads.
 */

const D = 6;
const K = 4;
let dir: string;

beforeAll(() => {
  ensureDistBuilt();
  dir = mkdtempSync(join(tmpdir(), 'online-em-threads-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pointsFile(covarianceType: CovarianceType, fraction: number): string {
  const chunk = chunkPoints(K, D, covarianceType);
  const n = 2 * chunk + 3 + Math.round(2.5 * (3 * chunk + 5));
  const batch = sampleBatch(mixtureOfType(K, D, covarianceType, 21), n, 22);
  const data = fraction > 0 ? punchMissing(batch.data, n, D, fraction, 23) : batch.data;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(JSON.stringify(Array.from(data.subarray(i * D, (i + 1) * D), (v) => (Number.isNaN(v) ? null : v))));
  const path = join(dir, `${covarianceType}-${fraction}.ndjson`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

describe('fit --threads', () => {
  it.each(COVARIANCE_TYPES.map((type) => [type, 0.25] as const))('%s, missing fraction %s: the same snapshots at 1, 2 and 3 threads', async (covarianceType, fraction) => {
    const file = pointsFile(covarianceType, fraction);
    const chunk = chunkPoints(K, D, covarianceType);
    const args = ['-k', String(K), '--covariance', covarianceType, '--batch-size', String(3 * chunk + 5), '--warmup', String(2 * chunk + 3), '--restarts', '2', '--snapshot-every', '1', file];
    const runs = await Promise.all([1, 2, 3].map((threads) => fitOk([...args, '--threads', String(threads)])));
    const [one, ...others] = runs.map((r) => r.snapshots.map(withoutCreatedAt));
    // Two full minibatches and the partial last one.
    expect(one.length).toBe(3);
    for (const other of others) expect(other).toStrictEqual(one);
  });
});
