import { describe, expect, it } from 'vitest';
import { mixtureOfType, sampleBatch } from '../helpers/fixtures.js';
import { produceKeyedLive } from './support/keyed-stream.js';
import { createTopic, uniqueNames } from './support/kafka-io.js';
import { ProcessorProcess } from './support/processor-process.js';
import { readCommittedSnapshots } from './support/reliability.js';
import { jsonMessages } from './support/snapshots.js';

/**
 * `online-em run --components auto` on a live stream: the warm-up fit (BIC over K = 1…8 on
 * 16,000 points) takes seconds, several session timeouts of 1.5 s. It runs on a worker
 * thread while the consumer heartbeats, so the group never drops the member: one
 * assignment, no rebalance, and every produced point in the model. On the event loop the
 * heartbeats stopped for the whole fit and the broker evicted the member.
 */
const D = 8;
const N = 30_000;
const SESSION_TIMEOUT_MS = 1500;

describe('online-em run: the warm-up fit off the event loop', () => {
  it('heartbeats through a warm-up fit several session timeouts long: one assignment, no rebalance, every point of a live stream in the model', async () => {
    const names = uniqueNames('warmup-heartbeats');
    await createTopic(names.input);
    const data = sampleBatch(mixtureOfType(3, D, 'full', 61, 4), N, 62).data;
    // 2,000 points a second: the warm-up fills after about 8 s and the stream goes on for 7 s more.
    const producing = produceKeyedLive(names.input, jsonMessages(data, D, 100), 2, 100);
    const proc = ProcessorProcess.forNames(names, ['--components', 'auto:8', '--session-timeout', String(SESSION_TIMEOUT_MS), '--snapshot-interval', '500']);
    try {
      await proc.waitForEvent('warmup-fitted', undefined, 120_000);
      await producing;
      await proc.waitForSnapshot(N, 120_000);
    } finally {
      proc.kill('SIGTERM');
    }
    const exit = await proc.exited;
    expect(exit.code, proc.output.slice(-3000)).toBe(0);
    const [warmup] = proc.eventsOf('warmup-fitted');
    expect(warmup.error).toBeUndefined();
    expect(warmup.points).toBe(16_000);
    // Without this the test shows nothing: the fit must outlast the session timeout (here it takes 5-10 s).
    expect(warmup.durationMs, 'the warm-up fit was too quick to outlast the session timeout; raise its load').toBeGreaterThan(2 * SESSION_TIMEOUT_MS);
    expect(proc.eventCount('warmup-fitted')).toBe(1);
    expect(proc.eventCount('rebalanced')).toBe(0);
    expect(proc.eventCount('consuming')).toBe(1);
    const snapshots = await readCommittedSnapshots(names.snapshot);
    const final = snapshots.at(-1)!;
    expect(final.pointsSeen).toBe(N);
    expect(final.selection?.chosen).toBe(3);
  });
});
