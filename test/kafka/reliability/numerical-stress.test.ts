import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/em/random.js';
import type { MixtureParams } from '../../../src/em/types.js';
import type { PublishedSnapshot } from '../../../src/kafka/processor-types.js';
import { randomMixture, sampleMixture } from '../../../src/synthetic/mixture-generator.js';
import { good, StreamLedger, toKafkaMessages, type AccountedMessage } from '../support/accounted-stream.js';
import { createTopic, produce, uniqueNames } from '../support/kafka-io.js';
import { resumedFromCheckpoint } from '../support/processor-process.js';
import { parameterProblems, readCommittedSnapshots, runToEnd, stackTraceLines } from '../support/reliability.js';

/**
 * Numerically hostile streams through the real processor. Every published snapshot must
 * have finite parameters, weights summing to 1 and symmetric positive definite
 * covariances (by the engine's own Cholesky test, src/em/cholesky.ts), and no update may
 * have been skipped as non-finite.
 */
const D = 3;
const truth = randomMixture({ k: 3, dim: D, seed: 51 });
/** Well separated, so that a component without points of its own gets no responsibility at all and dies. */
const separated = randomMixture({ k: 3, dim: D, seed: 51, separation: 8 });

function binaryMessages(data: Float64Array, perMessage: number): AccountedMessage[] {
  const out: AccountedMessage[] = [];
  for (let i = 0; i < data.length; i += perMessage * D) out.push(good(data.slice(i, i + perMessage * D), D, 'binary'));
  return out;
}

function repeated(point: number[], n: number): Float64Array {
  const a = new Float64Array(n * D);
  for (let i = 0; i < n; i++) a.set(point, i * D);
  return a;
}

/** Phases of the hostile stream, in order, with their sizes. */
function hostilePhases(): [string, Float64Array][] {
  const rng = new SeededRandom(58);
  const collinear = new Float64Array(20_000 * D);
  for (let i = 0; i < 20_000; i++) {
    const t = 2 * rng.normal();
    collinear.set([1 + t, 2 - 2 * t, 0.5 * t], i * D);
  }
  return [
    // The warm-up itself is degenerate: 5,000 copies of one point, then the mixture.
    ['5,000 identical points (the warm-up)', repeated([1, 2, 3], 5_000)],
    ['mixture', sampleMixture(truth, 30_000, 53).data],
    ['burst of 5,000 identical points', repeated([-4, 0.5, 7], 5_000)],
    ['mixture', sampleMixture(truth, 10_000, 59).data],
    ['burst of 8,000 identical points', repeated([10, 10, 10], 8_000)],
    ['20,000 collinear points', collinear],
    ['mixture offset by 1e9', sampleMixture(truth, 30_000, 54).data.map((v) => v + 1e9)],
    ['mixture scaled by 1e-9', sampleMixture(truth, 20_000, 55).data.map((v) => v * 1e-9)],
    ['mixture scaled by 1e9', sampleMixture(truth, 20_000, 56).data.map((v) => v * 1e9)],
    ['mixture scaled by 1e14 (near the accepted ±1e15)', sampleMixture(truth, 10_000, 60).data.map((v) => Math.max(-1e15, Math.min(1e15, v * 1e14)))],
    ['mixture again', sampleMixture(truth, 30_000, 57).data],
  ];
}

/** The mixture without its last component: what a starved component sees nothing of. */
function withoutLast(params: MixtureParams): MixtureParams {
  const k = params.k - 1;
  const weights = params.weights.slice(0, k);
  const total = weights.reduce((a, b) => a + b, 0);
  return { ...params, k, weights: weights.map((w) => w / total), means: params.means.slice(0, k * D), covariances: params.covariances.slice(0, k * D * D) };
}

function check(snapshots: PublishedSnapshot[], ledger: StreamLedger): string[] {
  const problems: string[] = [];
  for (const s of snapshots) {
    for (const p of parameterProblems(s)) problems.push(`snapshot at ${s.pointsSeen} points: ${p}`);
    if (s.health.skippedBatches !== 0) problems.push(`snapshot at ${s.pointsSeen} points: ${s.health.skippedBatches} skipped batches`);
    for (const p of ledger.disagreement(s)) problems.push(`snapshot at ${s.pointsSeen} points: ${p}`);
  }
  return problems;
}

describe('numerically hostile streams through the processor', () => {
  it('keeps every snapshot finite and positive definite through bursts, collinear points, 1e9 offsets and 1e-9/1e9 scales, and re-seeds a component starved for 1,000,000 points', async () => {
    const started = Date.now();
    const hostile = uniqueNames('hostile-numerics');
    const hostileSpherical = { ...uniqueNames('hostile-numerics-spherical'), input: hostile.input };
    const hostileMessages = hostilePhases().flatMap(([, data]) => binaryMessages(data, 500));
    const hostileLedger = new StreamLedger(hostileMessages);

    const starved = uniqueNames('starved-component');
    const starvedMessages = [
      ...binaryMessages(sampleMixture(separated, 50_000, 61).data, 2000),
      ...binaryMessages(sampleMixture(withoutLast(separated), 1_000_000, 62).data, 2000),
      ...binaryMessages(sampleMixture(separated, 50_000, 63).data, 2000),
    ];
    const starvedLedger = new StreamLedger(starvedMessages);

    await createTopic(hostile.input);
    await createTopic(starved.input);
    await produce(hostile.input, toKafkaMessages(hostileMessages));
    await produce(starved.input, toKafkaMessages(starvedMessages));

    // Three processors at once: full and spherical covariances on the hostile stream, diagonal on the starving one.
    const [full, spherical, diag] = await Promise.all([
      runToEnd(hostile, hostileLedger.totalValid, ['--components', '3', '--snapshot-every', '5', '--snapshot-interval', '1000']),
      runToEnd(hostileSpherical, hostileLedger.totalValid, ['--components', '3', '--covariance', 'spherical', '--snapshot-every', '5', '--snapshot-interval', '1000']),
      runToEnd(starved, starvedLedger.totalValid, ['--components', '3', '--covariance', 'diag', '--snapshot-every', '25', '--snapshot-interval', '1000']),
    ]);
    for (const run of [full, spherical, diag]) {
      expect(run.exit).toEqual({ code: 0, signal: null });
      expect(run.proc.nonJsonLines).toEqual([]);
      expect(stackTraceLines(run.proc)).toEqual([]);
      expect(run.proc.warnings()).toEqual([]);
      expect(run.proc.eventCount('restored', resumedFromCheckpoint)).toBe(0);
    }
    const fullSnapshots = await readCommittedSnapshots(hostile.snapshot);
    const sphericalSnapshots = await readCommittedSnapshots(hostileSpherical.snapshot);
    const diagSnapshots = await readCommittedSnapshots(starved.snapshot);

    expect(check(fullSnapshots, hostileLedger).slice(0, 10)).toEqual([]);
    expect(check(sphericalSnapshots, hostileLedger).slice(0, 10)).toEqual([]);
    expect(check(diagSnapshots, starvedLedger).slice(0, 10)).toEqual([]);
    expect(fullSnapshots.at(-1)!.pointsSeen).toBe(hostileLedger.totalValid);
    expect(diagSnapshots.at(-1)!.pointsSeen).toBe(starvedLedger.totalValid);

    // The starved component died and was re-seeded during the 1,000,000 points without it.
    const reseedsAt = (points: number) => diagSnapshots.filter((s) => s.pointsSeen <= points).at(-1)?.health.reseeds ?? 0;
    const beforeStarvation = reseedsAt(50_000);
    const afterStarvation = reseedsAt(1_050_000);
    const firstReseed = diagSnapshots.find((s) => s.health.reseeds > beforeStarvation)?.pointsSeen;
    expect(afterStarvation).toBeGreaterThan(beforeStarvation);

    console.log(
      [
        `numerical stress: hostile stream ${hostileLedger.totalValid} points (${hostilePhases().map(([n]) => n).join('; ')}), starving stream ${starvedLedger.totalValid} points`,
        `  full: ${fullSnapshots.length} snapshots checked, final health ${JSON.stringify(fullSnapshots.at(-1)!.health)}`,
        `  spherical: ${sphericalSnapshots.length} snapshots checked, final health ${JSON.stringify(sphericalSnapshots.at(-1)!.health)}`,
        `  diag (starved): ${diagSnapshots.length} snapshots checked, re-seeds ${beforeStarvation} before the starvation, ${afterStarvation} after (first at ${firstReseed} points), final health ${JSON.stringify(diagSnapshots.at(-1)!.health)}`,
        `  test ${((Date.now() - started) / 1000).toFixed(1)} s`,
      ].join('\n'),
    );
  });
});
