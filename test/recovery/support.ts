import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { fitBatchEm, type BatchEmResult } from '../../src/em/batch-em.js';
import { meanLogLikelihood } from '../../src/em/score.js';
import { paramsFromSnapshot, type MixtureSnapshot } from '../../src/em/snapshot.js';
import type { PointBatch } from '../../src/em/types.js';
import { fitOk, type CliRun } from '../cli/run-cli.js';

import { ensureDistBuilt } from '../cli/build-dist.js';

export { ensureDistBuilt, REPO_ROOT } from '../cli/build-dist.js';

/**
 * The batch-EM reference every recovery test compares against: 12 k-means++ starts, each
 * screened by 20 EM iterations on a 20,000-point subsample (all of it when smaller); the
 * best 2 run on all the points to a change of the mean log-likelihood below 1e-6
 * nats/point (at most 300 iterations); λ = 1e-6 as the online fit's default. Many cheap
 * starts find the global basin more often than a few full ones, at a fraction of the
 * cost: on flights-200k this finds -6.1186 in about 60 s where 5 full restarts found
 * -6.1205 in 190 s.
 */
export const REFERENCE = {
  restarts: 12,
  screening: { sampleSize: 20_000, iterations: 20, keep: 2 },
  tol: 1e-6,
  maxIter: 300,
  regCovar: 1e-6,
  minWeight: 1e-4,
  seed: 1,
} as const;

/** `screenSize` shrinks the screening subsample where many small references must stay cheap. */
export function batchReference(batch: PointBatch, k: number, screenSize: number = REFERENCE.screening.sampleSize): BatchEmResult {
  return fitBatchEm(batch, { k, covarianceType: 'full', ...REFERENCE, screening: { ...REFERENCE.screening, sampleSize: screenSize } });
}

/** n×dim rows (NaN where missing) as a batch. */
export { pointBatch as batchOf } from '../../src/em/point-batch.js';

function makeTempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `online-em-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The hooks every recovery suite needs: the CLI built before the first test, a temporary
 * folder removed after the last. Returns the path of a file in that folder.
 */
export function useFitWorkspace(prefix: string): (name: string) => string {
  let temp: ReturnType<typeof makeTempDir> | null = null;
  beforeAll(() => {
    ensureDistBuilt();
    temp = makeTempDir(prefix);
  }, 120_000);
  afterAll(() => temp?.remove());
  return (name) => join(temp!.dir, name);
}

/** Write n×dim rows as NDJSON, one point per line, NaN as null (a missing coordinate). */
export function writePointsNdjson(path: string, data: Float64Array, dim: number): void {
  const n = data.length / dim;
  const fd = openSync(path, 'w');
  try {
    const CHUNK = 10_000;
    for (let start = 0; start < n; start += CHUNK) {
      const lines: string[] = [];
      for (let i = start; i < Math.min(n, start + CHUNK); i++) {
        // JSON.stringify writes NaN as null.
        lines.push(JSON.stringify(Array.from(data.subarray(i * dim, i * dim + dim))));
      }
      writeSync(fd, lines.join('\n') + '\n');
    }
  } finally {
    closeSync(fd);
  }
}

/** One run of `online-em fit` on a file: every snapshot, the final one, and the process. */
export async function fitFile(file: string, args: readonly string[]): Promise<{ run: CliRun; snapshots: MixtureSnapshot[]; final: MixtureSnapshot }> {
  return fitOk([...args, file]);
}

/** Mean held-out log-likelihood (nats/point) of a snapshot's mixture. */
export function scoreSnapshot(snapshot: MixtureSnapshot, batch: PointBatch): number {
  return meanLogLikelihood(paramsFromSnapshot(snapshot), batch);
}

export interface RejectLine {
  readonly line: number;
  readonly epoch: number;
  readonly code: string;
  readonly message: string;
}

export function readRejects(path: string): RejectLine[] {
  const text = readFileSync(path, 'utf8').trim();
  return text === '' ? [] : text.split('\n').map((line) => JSON.parse(line) as RejectLine);
}

/** A one-line record of a comparison, printed so a run shows its margins. */
export function report(label: string, figures: Record<string, number | string>): void {
  const parts = Object.entries(figures).map(([key, v]) => `${key} ${typeof v === 'number' ? (Number.isInteger(v) ? v : v.toFixed(4)) : v}`);
  console.log(`[recovery] ${label}: ${parts.join(', ')}`);
}

/**
 * The stationary synthetic sets of the recovery tests (synthetic-recovery, no-false-alarms):
 * d = 16 has one seed only, as its batch-EM reference costs most of a minute.
 */
export const SYNTHETIC_SETS = [
  { dim: 2, k: 3, n: 100_000, seed: 1 },
  { dim: 2, k: 3, n: 100_000, seed: 2 },
  { dim: 2, k: 3, n: 100_000, seed: 3 },
  { dim: 5, k: 4, n: 200_000, seed: 1 },
  { dim: 5, k: 4, n: 200_000, seed: 2 },
  { dim: 5, k: 4, n: 200_000, seed: 3 },
  { dim: 16, k: 8, n: 300_000, seed: 3 },
] as const;
