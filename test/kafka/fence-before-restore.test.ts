import { describe, expect, it } from 'vitest';
import { randomMixture, sampleMixture } from '../../src/synthetic/mixture-generator.js';
import { committedOffsets, createTopic, produce, uniqueNames } from './support/kafka-io.js';
import { ProcessorProcess } from './support/processor-process.js';
import { sleep } from './support/reliability.js';
import { jsonMessages, readSnapshots } from './support/snapshots.js';

/**
 * A new instance fences the old one before it restores anything. kafkajs runs the
 * transactional InitProducerId only at the first transaction(), so without an explicit
 * fence a frozen instance that wakes between the newcomer's restore and its first commit
 * could still commit, and the newcomer would go on from a checkpoint that is no longer the
 * last (points counted twice). With a producer running throughout, every point is counted
 * once at the end.
 */
describe('fencing before the restore', () => {
  it('a frozen instance cannot commit once its successor has restored, even before the successor commits anything, and stands by when it wakes', async () => {
    const names = uniqueNames('fence-first');
    const d = 2;
    const data = sampleMixture(randomMixture({ k: 3, dim: d, seed: 41 }), 60_000, 42).data;
    const messages = jsonMessages(data, d, 100);
    await createTopic(names.input);
    // The producer runs throughout: the first 20,000 points now, the rest while the instances change.
    await produce(names.input, messages.slice(0, 200));
    const producing = (async () => {
      for (let i = 200; i < messages.length; i += 20) {
        await produce(names.input, messages.slice(i, i + 20));
        await sleep(100);
      }
    })();
    // The old instance commits every 300 ms; its successor would make its first commit only after 15 s.
    const stale = ProcessorProcess.forNames(names, ['--components', '3', '--snapshot-interval', '300', '--session-timeout', '6000']);
    await stale.waitForEvent('committed', (e) => e.snapshot !== null && e.snapshot.pointsSeen >= 20_000, 120_000);
    // Frozen with work it has not committed yet: its next commit is due as soon as it runs again.
    stale.kill('SIGSTOP');
    await sleep(500);
    const successor = ProcessorProcess.forNames(names, ['--components', '3', '--snapshot-interval', '15000', '--session-timeout', '6000']);
    const restored = await successor.waitForEvent('restored', undefined, 120_000);
    expect(successor.eventCount('committed')).toBe(0);

    // Woken now, the old instance finds the model taken: fenced at its next commit, or told by
    // the group's next join that the partitions moved. Either way it commits nothing more, drops
    // its uncommitted work, and stands by.
    const before = stale.eventCount('committed');
    const sinceWake = stale.events.length;
    stale.kill('SIGCONT');
    const standing = await Promise.race([stale.waitForEvent('standing-by', undefined, 30_000, sinceWake).then(() => true), stale.exited.then(() => false)]);
    expect(standing, 'the old instance did not stand by after its successor took over').toBe(true);
    expect(stale.eventCount('fenced') + stale.eventCount('handed-over', (e) => !e.committed)).toBeGreaterThan(0);
    expect(stale.eventCount('committed')).toBe(before);
    expect(stale.child.exitCode).toBeNull();

    await producing;
    // The successor resumed from the last checkpoint the old one committed, and counts every point once.
    const final = await successor.waitForEvent('committed', (e) => e.snapshot !== null && e.snapshot.pointsSeen === 60_000, 180_000);
    expect(final.counters.messages).toBe(600);
    expect(restored.messages).toBeLessThanOrEqual(600);
    // Standing by all along: it never committed again.
    expect(stale.eventCount('committed')).toBe(before);
    stale.kill('SIGTERM');
    successor.kill('SIGTERM');
    expect((await stale.exited).code).toBe(0);
    expect((await successor.exited).code).toBe(0);
    const snapshots = await readSnapshots(names.snapshot);
    expect(snapshots.at(-1)!.pointsSeen).toBe(60_000);
    for (let i = 1; i < snapshots.length; i++) expect(snapshots[i].pointsSeen).toBeGreaterThanOrEqual(snapshots[i - 1].pointsSeen);
    expect((await committedOffsets(names.group, names.input)).get(0)).toBe('600');
  });
});
