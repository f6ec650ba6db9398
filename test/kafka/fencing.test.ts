import { describe, expect, it } from 'vitest';
import { randomMixture, sampleMixture } from '../../src/synthetic/mixture-generator.js';
import { committedOffsets, createTopic, produce, uniqueNames } from './support/kafka-io.js';
import { ProcessorProcess } from './support/processor-process.js';
import { jsonMessages, readSnapshots } from './support/snapshots.js';

describe('a stale instance is fenced by its transactional id', () => {
  it('stops a frozen instance that wakes up after another took over, before it can publish or rewind anything', async () => {
    const names = uniqueNames('fencing');
    const d = 2;
    const data = sampleMixture(randomMixture({ k: 3, dim: d, seed: 31 }), 40_000, 32).data;
    const messages = jsonMessages(data, d, 100);
    await createTopic(names.input);
    await produce(names.input, messages.slice(0, 200));
    const options = ['--components', '3', '--snapshot-interval', '300', '--session-timeout', '6000'];

    const stale = ProcessorProcess.forNames(names, options);
    await stale.waitForSnapshot(20_000, 120_000);
    stale.kill('SIGSTOP');

    await produce(names.input, messages.slice(200));
    const successor = ProcessorProcess.forNames(names, options);
    // The frozen instance still holds the partition until its session times out.
    await successor.waitForSnapshot(40_000, 120_000);

    // The stale one wakes and is asked to stop: its final commit would publish an old
    // model and rewind the offsets, had it not been fenced.
    const before = stale.eventCount('committed');
    stale.kill('SIGCONT');
    stale.kill('SIGTERM');
    const staleExit = await stale.exited;
    // Its final commit is fenced (exit 1), or the group's join tells it first that the model
    // moved, and it leaves with nothing to commit (exit 0). Never does it commit again.
    const fenced = stale.eventCount('fenced', (e) => e.transactionalId === `online-em-${names.model}`);
    const handedOver = stale.eventCount('handed-over', (e) => !e.committed);
    expect(fenced + handedOver).toBeGreaterThan(0);
    expect(staleExit.code).toBe(fenced > 0 ? 1 : 0);
    expect(stale.eventCount('committed')).toBe(before);

    successor.kill('SIGTERM');
    expect((await successor.exited).code).toBe(0);
    const snapshots = await readSnapshots(names.snapshot);
    expect(snapshots.at(-1)!.pointsSeen).toBe(40_000);
    expect(snapshots.at(-1)!.final).toBe(true);
    for (let i = 1; i < snapshots.length; i++) expect(snapshots[i].pointsSeen).toBeGreaterThanOrEqual(snapshots[i - 1].pointsSeen);
    expect((await committedOffsets(names.group, names.input)).get(0)).toBe('400');
  });
});
