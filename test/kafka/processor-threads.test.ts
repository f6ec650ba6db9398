import { describe, expect, it } from 'vitest';
import { chunkPoints } from '../../src/em/parallel/chunk-size.js';
import { mixtureOfType, punchMissing, sampleBatch } from '../helpers/fixtures.js';
import { createTopic, produce, uniqueNames } from './support/kafka-io.js';
import { ProcessorProcess } from './support/processor-process.js';
import { jsonMessages, readSnapshots } from './support/snapshots.js';

/**
 * `online-em run --threads N` against the real broker: the processor at 1 and 2 threads on the
 * same messages (d = 6, K = 4, a quarter of the coordinates null) publishes the same model, bit
 * for bit. Each minibatch is 3 chunks and a bit, so it is split over the threads.
 */

const D = 6;
const K = 4;

async function runUntil(names: ReturnType<typeof uniqueNames>, points: number, extra: readonly string[]) {
  const proc = ProcessorProcess.forNames(names, ['--snapshot-interval', '300', '--components', String(K), ...extra]);
  await proc.waitForSnapshot(points, 120_000);
  proc.kill('SIGTERM');
  const exit = await proc.exited;
  const snapshots = await readSnapshots(names.snapshot);
  return { exit, final: snapshots[snapshots.length - 1] };
}

describe('online-em run --threads', () => {
  it('publishes the same model at 1 and 2 threads, with missing coordinates', async () => {
    const chunk = chunkPoints(K, D, 'full');
    const batchSize = 3 * chunk + 5;
    const n = 2 * chunk + 3 + 3 * batchSize;
    const data = punchMissing(sampleBatch(mixtureOfType(K, D, 'full', 41), n, 42).data, n, D, 0.25, 43);
    const args = ['--batch-size', String(batchSize), '--warmup', String(2 * chunk + 3), '--restarts', '2'];
    const runs = await Promise.all(
      [1, 2].map(async (threads) => {
        const names = uniqueNames(`threads-${threads}`);
        await createTopic(names.input);
        await produce(names.input, jsonMessages(data, D, 500));
        return runUntil(names, n, [...args, '--threads', String(threads)]);
      }),
    );
    const [one, two] = runs;
    expect(one.exit.code).toBe(0);
    expect(two.exit.code).toBe(0);
    expect(one.final.pointsSeen).toBe(n);
    expect(one.final.batches).toBe(3);
    for (const key of ['weights', 'means', 'covariances', 'pointsSeen', 'batches', 'logLikelihood', 'health'] as const) {
      expect(two.final[key]).toStrictEqual(one.final[key]);
    }
  });
});
