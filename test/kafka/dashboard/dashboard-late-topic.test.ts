import { afterAll, describe, expect, it, vi } from 'vitest';
import { startDashboard } from '../support/dashboard-process.js';
import { createTopic, produce, uniqueNames } from '../support/kafka-io.js';

/**
 * A dashboard started before its processor: the snapshot topic does not exist yet (run
 * creates it), so the dashboard waits for it, rather than exiting as if Kafka were unreachable,
 * and follows it from the beginning once it appears.
 */
const cleanups: (() => Promise<unknown> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('online-em dashboard before its snapshot topic exists', () => {
  it('waits for the topic and serves its snapshots once it is created', async () => {
    const names = uniqueNames('dash-late-snapshots');
    const url = await startDashboard(['--snapshot-topic', names.snapshot], cleanups);
    expect(await (await fetch(`${url}/api/models`)).json()).toMatchObject({ models: [] });
    await createTopic(names.snapshot);
    const snapshot = { model: names.model, k: 1, dim: 1, pointsSeen: 10, weights: [1], means: [[0]], covariances: [[[1]]] };
    await produce(names.snapshot, [{ key: names.model, value: JSON.stringify(snapshot) }]);
    await vi.waitFor(async () => {
      const served = (await (await fetch(`${url}/api/models`)).json()) as { models: { id: string; snapshot: unknown }[] };
      expect(served.models).toEqual([{ id: names.model, position: '0:0', snapshot }]);
    }, { timeout: 30_000, interval: 200 });
  }, 60_000);
});
