import { describe, expect, it } from 'vitest';
import { meanLogLikelihood } from '../../src/em/score.js';
import { randomMixture, sampleMixture } from '../../src/synthetic/mixture-generator.js';
import { shiftedMixture } from '../../src/synthetic/perturbations.js';
import { batchOf, batchReference, fitFile, useFitWorkspace, report, scoreSnapshot, writePointsNdjson } from './support.js';

/**
 * A stream whose means jump halfway: 100,000 points of a 2-d, 3-component mixture,
 * then 100,000 of the same mixture with every mean moved by a distance JUMP in its own
 * random direction. Fitted with --half-life H (default options otherwise), the model
 * in the snapshot taken at most 3H points after the jump must score, on held-out
 * points of the new regime, within 0.05 nats/point of batch EM (the screened reference of support.ts) fitted on
 * the new regime's 100,000 points.
 *
 * The size of the jump: one unit is about one within-component standard deviation
 * here (covariances A Aᵀ/d + 0.2 I), against means spread with standard deviation 3.
 * A jump of 1 costs the stale model 0.5-1 nats/point, so it is well worth tracking,
 * and the ideal forgetting estimator (batch EM on the stream resampled with weights
 * 2^(-age/H)) is then itself 0.01-0.03 behind the new regime's fit at 3H. For a jump of
 * 2 that ideal is already 0.06-0.10 behind at 3H (12.5% of its weight is still on the
 * old regime), so a 3H bar of 0.05 would test the data, not the engine. `npm run bench`
 * reports both jumps, with the ideal, in BENCHMARKS.md.
 */

const DIM = 2;
const K = 3;
const PER_REGIME = 100_000;
const HALF_LIFE = 5000;
const JUMP = 1;
const MAX_GAP = 0.05;

const inTemp = useFitWorkspace('drift');

describe('forgetting (--half-life) tracks a jump of the means', () => {
  it.each([1, 2, 3])('mixture seed %i: within 0.05 nats/point of the new regime 3 half-lives after the jump', async (seed) => {
    const before = randomMixture({ k: K, dim: DIM, seed });
    const after = shiftedMixture(before, JUMP, 100 + seed);
    const oldData = sampleMixture(before, PER_REGIME, 1000 * seed + 1).data;
    const newData = sampleMixture(after, PER_REGIME, 1000 * seed + 2).data;
    const heldOut = batchOf(sampleMixture(after, 20_000, 1000 * seed + 3).data, DIM);
    const oldHeldOut = batchOf(sampleMixture(before, 20_000, 1000 * seed + 4).data, DIM);
    const stream = new Float64Array(2 * PER_REGIME * DIM);
    stream.set(oldData);
    stream.set(newData, PER_REGIME * DIM);
    const file = inTemp(`drift-${seed}.ndjson`);
    writePointsNdjson(file, stream, DIM);

    // A snapshot every minibatch (200 points); the CLI decodes about 1,000 lines at a time.
    const { snapshots, final } = await fitFile(file, ['--components', String(K), '--half-life', String(HALF_LIFE), '--snapshot-every', '1']);
    expect(final.pointsSeen).toBe(2 * PER_REGIME);
    const inModel = (s: (typeof snapshots)[number]): number => s.pointsSeen - s.pointsPending;
    const target = PER_REGIME + 3 * HALF_LIFE;
    const atJump = snapshots.filter((s) => inModel(s) <= PER_REGIME).at(-1)!;
    const at3H = snapshots.filter((s) => inModel(s) <= target).at(-1)!;
    expect(target - inModel(at3H), 'the snapshot is close to jump + 3H').toBeLessThan(1500);

    const reference = meanLogLikelihood(batchReference(batchOf(newData, DIM), K).params, heldOut);
    const staleGap = reference - scoreSnapshot(atJump, heldOut);
    const gap = reference - scoreSnapshot(at3H, heldOut);
    const finalGap = reference - scoreSnapshot(final, heldOut);
    report(`drift seed ${seed}, jump ${JUMP}, H ${HALF_LIFE}`, {
      'gap at jump': staleGap,
      'points after jump': inModel(at3H) - PER_REGIME,
      'gap at 3H': gap,
      'gap at 20H': finalGap,
    });
    // The model fitted the old regime, and the jump really hurt it: the test can tell.
    expect(scoreSnapshot(atJump, oldHeldOut)).toBeGreaterThan(meanLogLikelihood(before, oldHeldOut) - 0.02);
    expect(staleGap).toBeGreaterThan(0.2);
    expect(gap, `gap ${gap} nats/point at ${inModel(at3H) - PER_REGIME} points after the jump`).toBeLessThanOrEqual(MAX_GAP);
  }, 240_000);
});
