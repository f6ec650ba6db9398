import { describe, expect, it } from 'vitest';
import { createTopic, uniqueNames } from '../support/kafka-io.js';
import { engineBytes, expectedPerKey, keyedStream, latestKeyCheckpoints, produceKeyedLive, toRecord, waitUntilConsumed } from '../support/keyed-stream.js';
import { ProcessorProcess } from '../support/processor-process.js';
import { stackTraceLines } from '../support/reliability.js';

/**
 * Many keys in bounded memory (issue 11): 10,000 keys through one instance that keeps at
 * most 1,000 models, so almost every message meets an evicted key that must be read back.
 * Every key must end bit-identical to a run that never evicts, with exact counts.
 */
const KEYS = 10_000;
const ENGINE = ['--keyed', '--components', '2', '--warmup', '8', '--batch-size', '4', '--restarts', '1', '--seed', '9', '--snapshot-interval', '1000'];

describe('keyed mode with more keys than memory holds', () => {
  it('evicts and reads back models without changing any of them', async () => {
    const names = uniqueNames('keyed-many');
    await createTopic(names.input, 2);
    const messages = keyedStream(KEYS, 4, 4, 1_000_000, 21);
    const bounded = ProcessorProcess.forNames(names, [...ENGINE, '--max-keys', '1000']);
    const reference = { ...uniqueNames('keyed-many-reference'), input: names.input };
    try {
      await produceKeyedLive(names.input, messages.map(toRecord), 2000, 50);
      await waitUntilConsumed(names.group, names.input, 240_000, bounded);
      bounded.kill('SIGTERM');
      expect((await bounded.exited).code).toBe(0);
      expect(stackTraceLines(bounded)).toEqual([]);
      const keys = bounded.eventsOf('progress').map((e) => e.keys!);
      expect(Math.max(...keys.map((k) => k.inMemory))).toBeLessThanOrEqual(1000 + 2 * 2000);
      expect(Math.max(...keys.map((k) => k.evictions))).toBeGreaterThan(KEYS);
      expect(Math.max(...keys.map((k) => k.restored))).toBeGreaterThan(KEYS);

      const unbounded = ProcessorProcess.forNames(reference, [...ENGINE, '--max-keys', String(KEYS)]);
      await waitUntilConsumed(reference.group, names.input, 240_000, unbounded);
      unbounded.kill('SIGTERM');
      expect((await unbounded.exited).code).toBe(0);

      const [a, b] = await Promise.all([latestKeyCheckpoints(names.state, names.model), latestKeyCheckpoints(reference.state, reference.model)]);
      expect(a.size).toBe(KEYS);
      expect(b.size).toBe(KEYS);
      const wrong: string[] = [];
      for (const [key, want] of expectedPerKey(messages)) {
        const c = a.get(key)!;
        if (c.engine.counters.pointsSeen !== want.points || c.counters.messages !== want.messages) wrong.push(`${key}: counts`);
        if (engineBytes(c) !== engineBytes(b.get(key)!)) wrong.push(`${key}: model`);
      }
      expect(wrong.slice(0, 10)).toEqual([]);
      expect([...a.values()].filter((c) => c.engine.counters.batches > 0).length).toBeGreaterThan(KEYS * 0.9);
    } finally {
      bounded.kill('SIGKILL');
    }
  }, 420_000);
});
