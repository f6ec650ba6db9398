import { describe, expect, it } from 'vitest';
import { meanLogLikelihood } from '../../src/em/score.js';
import { randomMixture, sampleMixture } from '../../src/synthetic/mixture-generator.js';
import { maskCompletelyAtRandom } from '../../src/synthetic/perturbations.js';
import { batchOf, fitFile, useFitWorkspace, readRejects, report, scoreSnapshot, writePointsNdjson } from './support.js';

/**
 * Missing completely at random: each coordinate of 100,000 points of a 5-d,
 * 4-component mixture is hidden (null) with probability 0.25. Rows that lose every
 * coordinate (about 0.25^5 ≈ 0.1%) must be refused with code all-missing; every other
 * row is fitted through the marginal likelihood of its observed coordinates. One pass
 * with default options, scored on 20,000 complete held-out points, must come within
 * 0.03 nats/point of the same fit on the complete training points.
 */

const DIM = 5;
const K = 4;
const N = 100_000;
const P_MISSING = 0.25;
const MAX_GAP = 0.03;

const inTemp = useFitWorkspace('missing');

describe('25% of coordinates missing completely at random', () => {
  it.each([1, 2])('mixture seed %i: within 0.03 nats/point of the fit on complete data', async (seed) => {
    const mixture = randomMixture({ k: K, dim: DIM, seed });
    const complete = sampleMixture(mixture, N, 1000 * seed + 1).data;
    const heldOut = batchOf(sampleMixture(mixture, 20_000, 1000 * seed + 2).data, DIM);
    const { masked, hidden, allMissingRows } = maskCompletelyAtRandom(complete, DIM, P_MISSING, 1000 * seed + 3);
    const allMissingLines = allMissingRows.map((i) => i + 1);
    expect(Math.abs(hidden / (N * DIM) - P_MISSING)).toBeLessThan(0.005);
    const completeFile = inTemp(`complete-${seed}.ndjson`);
    const maskedFile = inTemp(`masked-${seed}.ndjson`);
    const rejectsFile = inTemp(`rejects-${seed}.ndjson`);
    writePointsNdjson(completeFile, complete, DIM);
    writePointsNdjson(maskedFile, masked, DIM);

    const full = await fitFile(completeFile, ['--components', String(K)]);
    const partial = await fitFile(maskedFile, ['--components', String(K), '--rejects', rejectsFile]);
    const rejects = readRejects(rejectsFile);
    expect(allMissingLines.length).toBeGreaterThan(50);
    expect(rejects.map((r) => r.line)).toEqual(allMissingLines);
    expect(new Set(rejects.map((r) => r.code))).toEqual(new Set(['all-missing']));
    expect(partial.final.rejected).toBe(allMissingLines.length);
    expect(partial.final.pointsSeen).toBe(N - allMissingLines.length);

    const withComplete = scoreSnapshot(full.final, heldOut);
    const withMissing = scoreSnapshot(partial.final, heldOut);
    report(`missing 25% seed ${seed}`, {
      'all-missing rows': allMissingLines.length,
      complete: withComplete,
      missing: withMissing,
      truth: meanLogLikelihood(mixture, heldOut),
      gap: withComplete - withMissing,
      'fit s (complete)': full.run.seconds,
      'fit s (missing)': partial.run.seconds,
    });
    expect(withComplete - withMissing, `complete ${withComplete} vs missing ${withMissing}`).toBeLessThanOrEqual(MAX_GAP);
  }, 240_000);
});
