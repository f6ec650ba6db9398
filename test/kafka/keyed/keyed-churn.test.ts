import { describe, expect, it } from 'vitest';
import { Instances } from '../support/instances.js';
import { createTopic, uniqueNames } from '../support/kafka-io.js';
import { engineBytes, expectedPerKey, keyedStream, latestKeyCheckpoints, produceKeyedLive, readAllPartitions, toRecord, waitUntilConsumed } from '../support/keyed-stream.js';
import { ProcessorProcess } from '../support/processor-process.js';
import { sleep, stackTraceLines } from '../support/reliability.js';

/**
 * Keyed mode under churn (issue 11): 1,000 keys over 6 partitions, fed by a live producer,
 * fitted by instances that are SIGKILLed, added and stopped while it streams. Every key's
 * final model must equal, bit for bit, that of one instance that read the whole input
 * without interruption; every count and every dead letter must be exact.
 */
const PARTITIONS = 6;
const KEYS = 1000;
const OPTIONS = [
  '--keyed',
  '--max-keys', '150',
  '--components', '2',
  '--warmup', '40',
  '--batch-size', '25',
  '--restarts', '2',
  '--seed', '5',
  '--snapshot-interval', '500',
  '--session-timeout', '6000',
];

/** Where two JSON values first differ, as a path, for the failure message. */
function firstDifference(a: unknown, b: unknown, path = ''): string {
  if (JSON.stringify(a) === JSON.stringify(b)) return '';
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
      if (d) return d;
    }
  }
  return `${path}: ${JSON.stringify(a)?.slice(0, 80)} != ${JSON.stringify(b)?.slice(0, 80)}`;
}

describe('keyed mode with instances coming and going', () => {
  it('gives every key the model of an uninterrupted single run, with exact counts and dead letters', async () => {
    const names = uniqueNames('keyed-churn');
    await createTopic(names.input, PARTITIONS);
    const messages = keyedStream(KEYS, 30, 5, 97, 11);
    const instances = new Instances(names, OPTIONS);
    const reference = { ...uniqueNames('keyed-reference'), input: names.input };
    try {
      instances.start(3);
      const producing = produceKeyedLive(names.input, messages.map(toRecord), 250, 100);
      const churn = (async () => {
        await sleep(3000);
        instances.slots[0].kill('SIGKILL');
        instances.replace(0);
        await sleep(3000);
        instances.start(1);
        await sleep(3000);
        instances.slots[1].kill('SIGKILL');
        instances.replace(1);
        await sleep(3000);
        instances.slots[2].kill('SIGTERM');
        await sleep(3000);
        instances.slots[0].kill('SIGKILL');
        instances.replace(0);
      })();
      await Promise.all([producing, churn]);
      await waitUntilConsumed(names.group, names.input, 180_000);
      const exits = await instances.stopAll(60_000);
      expect(exits.every((e) => e.code === 0 || e.signal === 'SIGKILL' || e.code === null)).toBe(true);
      for (const p of instances.all) expect(stackTraceLines(p)).toEqual([]);
      const kills = instances.all.filter((p) => p.child.signalCode === 'SIGKILL').length;
      expect(kills).toBe(3);

      // The reference: one instance over the whole input, never interrupted.
      const single = ProcessorProcess.forNames(reference, OPTIONS);
      await waitUntilConsumed(reference.group, names.input, 180_000, single);
      single.kill('SIGTERM');
      expect((await single.exited).code).toBe(0);

      const [churned, uninterrupted] = await Promise.all([latestKeyCheckpoints(names.state, names.model), latestKeyCheckpoints(reference.state, reference.model)]);
      const expected = expectedPerKey(messages);
      expect(churned.size).toBe(KEYS);
      expect(uninterrupted.size).toBe(KEYS);
      const differing: string[] = [];
      const miscounted: string[] = [];
      for (const [key, want] of expected) {
        const c = churned.get(key)!;
        const r = uninterrupted.get(key)!;
        if (engineBytes(c) !== engineBytes(r)) differing.push(`${key}: ${firstDifference(JSON.parse(engineBytes(c)), JSON.parse(engineBytes(r)))}`);
        if (c.engine.counters.pointsSeen !== want.points || c.counters.messages !== want.messages || c.counters.deadLettered !== want.deadLettered) {
          miscounted.push(`${key}: ${c.engine.counters.pointsSeen} points, ${c.counters.messages} messages, ${c.counters.deadLettered} dead letters; want ${JSON.stringify(want)}`);
        }
      }
      expect(miscounted).toEqual([]);
      expect(differing).toEqual([]);
      // Most keys are out of warm-up, so the models compared are fitted ones.
      expect([...churned.values()].filter((c) => c.engine.counters.batches > 0).length).toBeGreaterThan(KEYS * 0.9);

      // Every bad message dead-lettered once: the source of each, against the input's bad records.
      const input = await readAllPartitions(names.input);
      const bad = input.filter((m) => m.key === null || m.value?.toString() === '[[1, 2], [3').map((m) => `${names.input}/${m.partition}/${m.offset}`).sort();
      expect(bad.length).toBe(messages.filter((m) => m.deadLettered).length);
      const deadLetters = await readAllPartitions(names.deadLetter);
      expect(deadLetters.map((d) => d.headers['online-em-source']).sort()).toEqual(bad);
      const codes = new Set(deadLetters.map((d) => d.headers['online-em-code']));
      expect(codes).toEqual(new Set(['missing-key', 'undecodable']));

      // Snapshots are keyed MODEL/KEY and name their key.
      const snapshots = await readAllPartitions(names.snapshot);
      const lastSnapshot = new Map(snapshots.map((s) => [s.key!.toString(), JSON.parse(s.value!.toString()) as { key: string; model: string; pointsSeen: number }]));
      for (const [recordKey, s] of lastSnapshot) {
        expect(recordKey).toBe(`${names.model}/${s.key}`);
        expect(s.model).toBe(names.model);
      }
      expect(lastSnapshot.size).toBeGreaterThan(KEYS * 0.9);
      const restores = instances.all.reduce((n, p) => n + p.eventCount('keys-assigned', (e) => e.taken.length > 0 && e.keysKnown > 0), 0);
      expect(restores).toBeGreaterThan(0);
    } finally {
      instances.killAll();
    }
  }, 420_000);
});
