import { describe, expect, it } from 'vitest';
import { randomMixture, sampleMixture } from '../../src/synthetic/mixture-generator.js';
import { MAX_BYTES_PER_PARTITION } from '../../src/kafka/consumer-config.js';
import { createTopic, produce, uniqueNames } from './support/kafka-io.js';
import { ProcessorProcess } from './support/processor-process.js';
import { readCommittedSnapshots } from './support/reliability.js';
import { jsonMessages } from './support/snapshots.js';

describe('a backlog over several partitions', () => {
  it('is read interleaved: no partition falls far behind the others (a drifting fit must not see time out of order)', async () => {
    const PARTITIONS = 4;
    const names = uniqueNames('fairness');
    const messages = jsonMessages(sampleMixture(randomMixture({ k: 3, dim: 3, seed: 71 }), 300_000, 72).data, 3, 100);
    await createTopic(names.input, PARTITIONS);
    // The backlog is there before the processor starts: this test is about how it is read.
    await produce(
      names.input,
      messages.map((m, i) => ({ ...m, partition: i % PARTITIONS })),
    );
    const proc = ProcessorProcess.forNames(names, ['--components', '3', '--snapshot-every', '8', '--snapshot-interval', '1000']);
    await proc.waitForSnapshot(300_000, 180_000);
    proc.kill('SIGTERM');
    expect((await proc.exited).code).toBe(0);
    const perPartition = messages.length / PARTITIONS;
    let worst = 0;
    for (const s of await readCommittedSnapshots(names.snapshot)) {
      const at = Array.from({ length: PARTITIONS }, (_, p) => Number(s.offsets.find((o) => o.partition === p)?.offset ?? 0));
      // Until a partition is read to its end, the others may be ahead of it by one fetch or so.
      if (Math.max(...at) >= perPartition) continue;
      worst = Math.max(worst, Math.max(...at) - Math.min(...at));
    }
    const bytesPerMessage = Buffer.byteLength(messages[0].value);
    console.log(`fairness: ${PARTITIONS} partitions of ${perPartition} messages (${bytesPerMessage} bytes each); largest spread of the offsets in a snapshot: ${worst} messages`);
    // About one fetch's slice of a partition, twice over: the order within a fetch, and the commit's moment.
    expect(worst).toBeLessThanOrEqual(Math.ceil((2 * MAX_BYTES_PER_PARTITION) / bytesPerMessage));
  });
});
