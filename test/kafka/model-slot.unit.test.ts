import kafkajs, { type KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../src/kafka/checkpoint.js';
import { decodeMessage } from '../../src/kafka/message-format.js';
import { ModelSlot } from '../../src/kafka/model-slot.js';
import type { PublishedSnapshot } from '../../src/kafka/processor-types.js';
import { randomMixture, sampleMixture } from '../../src/synthetic/mixture-generator.js';
import { toRows } from '../helpers/fixtures.js';

const topics = { input: 'in', snapshot: 'snap', deadLetter: 'dl', state: 'state' };
const options = { components: 2, batchSize: 100, warmup: 500, restarts: 1, snapshotEvery: null, snapshotIntervalMs: null };
const rows = toRows(sampleMixture(randomMixture({ k: 2, dim: 2, seed: 51 }), 2_000, 52).data, 2);

function message(offset: number, value: string): KafkaMessage {
  return { key: null, value: Buffer.from(value), headers: {}, timestamp: '0', attributes: 0, offset: String(offset) } as KafkaMessage;
}

/** Messages 0..19 of 100 points, message 7 malformed. */
function feed(slot: ModelSlot, from = 0, to = 20): void {
  for (let i = from; i < to; i++) {
    const value = i === 7 ? '{"points": "nope"}' : JSON.stringify(rows.slice(i * 100, (i + 1) * 100));
    const position = { topic: 'in', partition: 3, offset: String(i) };
    slot.ingest(message(i, value), position, decodeMessage(Buffer.from(value), {}, position, 1 << 20));
  }
}

describe('ModelSlot', () => {
  it('holds its offsets, counters and dead letters, and turns them into one commit of outputs', () => {
    const slot = new ModelSlot('m', options, null, () => 0);
    feed(slot);
    expect(slot.nextOffset('in', 3)?.offset).toBe('20');
    expect([slot.uncommittedMessages, slot.deadLettersHeld, slot.hasPending]).toEqual([20, 1, false]);
    slot.requestCheckpoint();
    const commit = slot.takeCommit(topics)!;
    expect(commit.outputs.map((o) => [o.role, o.topic, o.messages.length, o.chunked ?? false])).toEqual([
      ['dead-letter', 'dl', 1, true],
      ['checkpoint', 'state', 1, false],
      ['snapshot', 'snap', 1, false],
    ]);
    expect(commit.offsets).toEqual([{ topic: 'in', partition: 3, offset: '20' }]);
    const checkpoint = decodeCheckpoint(commit.outputs[1].messages[0].value as Buffer);
    expect(checkpoint.counters).toEqual({ messages: 20, deadLettered: 1, snapshotsPublished: 1, checkpoints: 1 });
    expect(checkpoint.engine.counters.pointsSeen).toBe(1_900);
    const published = JSON.parse(String(commit.outputs[2].messages[0].value)) as PublishedSnapshot;
    expect([published.model, published.input, published.final]).toEqual(['m', { messages: 20, deadLettered: 1 }, false]);
    expect(commit.outputs.every((o) => o.messages.every((m) => m.key === undefined || m.key === null || m.key === 'm'))).toBe(true);
    slot.committed();
    expect([slot.uncommittedMessages, slot.deadLettersHeld]).toEqual([0, 0]);
  });

  it('restored from its checkpoint, goes on exactly as if never interrupted', () => {
    const whole = new ModelSlot('m', options, null, () => 0);
    feed(whole);
    whole.requestCheckpoint();
    const expected = decodeCheckpoint(whole.takeCommit(topics)!.outputs[1].messages[0].value as Buffer);

    const first = new ModelSlot('m', options, null, () => 0);
    feed(first, 0, 9);
    first.requestCheckpoint();
    const checkpoint = decodeCheckpoint(first.takeCommit(topics)!.outputs[1].messages[0].value as Buffer);
    const second = new ModelSlot('m', options, checkpoint, () => 0);
    expect(second.nextOffset('in', 3)?.offset).toBe('9');
    feed(second, 9, 20);
    second.requestCheckpoint();
    const resumed = decodeCheckpoint(second.takeCommit(topics)!.outputs[1].messages[0].value as Buffer);
    expect(resumed.engine).toEqual(expected.engine);
    // One checkpoint (with its snapshot) more than the uninterrupted run: the one it resumed from.
    expect(resumed.counters).toEqual({ ...expected.counters, checkpoints: 2, snapshotsPublished: 2 });
  });

  it('has nothing to commit before it read a message', () => {
    const slot = new ModelSlot('m', options, null, () => 0);
    slot.finish();
    expect(slot.takeCommit(topics)).toBeNull();
  });

  it('sends its scores records (ahead and with the commit) in the configured compression', () => {
    const anomaly = { kind: 'quantile', quantile: 0.01, window: 400 } as const;
    for (const [compression, type] of [['zstd', kafkajs.CompressionTypes.ZSTD], ['none', kafkajs.CompressionTypes.None]] as const) {
      const slot = new ModelSlot('m', options, null, () => 0, { format: 'binary', compression, anomaly, responsibilities: true });
      feed(slot, 0, 10);
      const ahead = slot.takeScoresAhead({ ...topics, scores: 'sc' });
      feed(slot, 10, 20);
      slot.requestCheckpoint();
      const scores = slot.takeCommit({ ...topics, scores: 'sc' })!.outputs.find((o) => o.role === 'scores')!;
      expect([ahead.compression, ahead.messages.length, scores.compression, scores.messages.length]).toEqual([type, 9, type, 10]);
    }
  });
});
