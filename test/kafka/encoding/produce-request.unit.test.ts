import { createRequire } from 'node:module';
import kafkajs from 'kafkajs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createKafka } from '../../../src/kafka/kafka-client.js';
import { encodeProduceRequest, encodesItself, kafkajsProduceRequest, useOwnProduceEncoding, type ProduceRequestArgs } from '../../../src/kafka/encoding/produce-request.js';
import { createLogger } from '../../../src/log/logger.js';
import { allocatedBytes } from '../support/allocated-bytes.js';
import { patternBytes } from '../support/pattern-bytes.js';

const require = createRequire(import.meta.url);
const Long = require('kafkajs/src/utils/long.js') as { fromInt(value: number): { toString(): string }; fromString(value: string): { toString(): string } };
const produceV7 = require('kafkajs/src/protocol/requests/produce/v7/request.js') as (args: ProduceRequestArgs) => { encode(): Promise<{ buffer: Buffer }>; apiVersion: number };

createKafka({ brokers: ['localhost:1'], clientId: 'produce-test', logger: createLogger({ level: 'error', json: false }) });

/** kafkajs's bytes and ours for one request. */
async function both(args: ProduceRequestArgs): Promise<[Buffer, Buffer]> {
  const theirs = await kafkajsProduceRequest!(args).encode();
  const ours = await encodeProduceRequest(args);
  return [ours.buffer, theirs.buffer];
}

const message = (i: number, extra: object = {}) => ({
  key: i % 3 === 0 ? null : i % 3 === 1 ? `clé-${i}` : Buffer.from(`key-${i}`),
  value: i % 4 === 0 ? patternBytes(37_016, i + 1) : i % 4 === 1 ? `valeur ${'é'.repeat(i)}` : i % 4 === 2 ? null : patternBytes(i * 7, i),
  headers: i % 2 === 0 ? { 'content-type': 'application/x-online-em-scores', 'online-em-source': `entrée/0/${i}` } : { bin: Buffer.from([0, 1, 2, i & 255]), repeated: ['un', Buffer.from([i & 255]), 'trois'] },
  ...extra,
});

describe('produce requests encoded with sizes known beforehand', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is in place once a client is made: kafkajs\'s v7 request encodes as ours does', async () => {
    expect(useOwnProduceEncoding()).toBe(true);
    const args: ProduceRequestArgs = { acks: -1, timeout: 30_000, transactionalId: 'tx', producerId: Long.fromInt(7), producerEpoch: 2, compression: 0, topicData: [{ topic: 't', partitions: [{ partition: 0, firstSequence: 3, messages: [message(1, { timestamp: '1700000000000' })] }] }] };
    const request = produceV7(args);
    expect(request.apiVersion).toBe(7);
    expect((await request.encode()).buffer.equals((await kafkajsProduceRequest!(args).encode()).buffer)).toBe(true);
  });

  it.each([
    ['uncompressed', kafkajs.CompressionTypes.None],
    ['gzip', kafkajs.CompressionTypes.GZIP],
    ['zstd', kafkajs.CompressionTypes.ZSTD],
  ])('writes kafkajs\'s bytes (%s): keys and values null, strings and Buffers, UTF-8 headers, repeated ones, timestamps out of order and of different lengths, two topics', async (_, compression) => {
    const timestamps = ['1700000000500', '999', '1700000000000', 1_700_000_000_250, undefined];
    const args: ProduceRequestArgs = {
      acks: -1,
      timeout: 30_000,
      transactionalId: 'online-em-m-0',
      producerId: Long.fromString('123456789012'),
      producerEpoch: 5,
      compression,
      topicData: [
        { topic: 'scores', partitions: [{ partition: 0, firstSequence: 17, messages: Array.from({ length: 12 }, (_, i) => message(i, { timestamp: timestamps[i % 5] })) }, { partition: 3, messages: [message(4)] }] },
        { topic: 'dead-letters', partitions: [{ partition: 1, messages: Array.from({ length: 3 }, (_, i) => message(i + 1, { timestamp: 1_700_000_001_000 + i })) }] },
      ],
    };
    vi.spyOn(Date, 'now').mockReturnValue(1_700_000_000_100);
    const [ours, theirs] = await both(args);
    expect(ours.length).toBeGreaterThan(compression === 0 ? 4 * 37_016 : 1000);
    expect(ours.equals(theirs)).toBe(true);
  });

  it('writes kafkajs\'s bytes without a transaction (null or empty id), producer id or timestamps, and for an empty partition', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(1_700_000_000_100);
    for (const transactionalId of [null, '', undefined]) {
      const args: ProduceRequestArgs = { acks: 1, timeout: 100, transactionalId, topicData: [{ topic: 'snapshots', partitions: [{ partition: 2, messages: [message(1), message(2)] }, { partition: 5, messages: [] }] }] };
      const [ours, theirs] = await both(args);
      expect(ours.equals(theirs), String(transactionalId)).toBe(true);
    }
  });

  it('leaves to kafkajs the messages it does not know: header values that are neither strings nor Buffers, keys or values neither, timestamps that are not integers', () => {
    const args = (m: object): ProduceRequestArgs => ({ acks: -1, timeout: 1, topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ value: 'v', ...m }] as never }] }] });
    expect(encodesItself(args({ key: 'k', headers: { a: 'b' }, timestamp: '1700000000000' }))).toBe(true);
    expect(encodesItself(args({ headers: { a: ['b', Buffer.from('c')] } }))).toBe(true);
    expect(encodesItself(args({ headers: { a: ['b', 3] } }))).toBe(false);
    expect(encodesItself(args({ headers: { a: undefined } }))).toBe(false);
    expect(encodesItself(args({ key: 42 }))).toBe(false);
    expect(encodesItself(args({ value: { json: true } }))).toBe(false);
    expect(encodesItself(args({ timestamp: 1.5 }))).toBe(false);
    expect(encodesItself(args({ timestamp: 'now' }))).toBe(false);
  });

  it('allocates the records, the batch and the request once each: under 3.2 times a 4.4 MB batch, against over 6 times for kafkajs', async () => {
    const messages = Array.from({ length: 120 }, (_, i) => ({ key: null, value: patternBytes(37_016, i), headers: { 'online-em-source': `in/0/${i}` }, timestamp: String(1_700_000_000_000 + i) }));
    const args: ProduceRequestArgs = { acks: -1, timeout: 1, transactionalId: 'tx', producerId: Long.fromInt(1), producerEpoch: 0, compression: 0, topicData: [{ topic: 't', partitions: [{ partition: 0, messages }] }] };
    const batch = 120 * 37_016;
    const ours = await allocatedBytes(() => encodeProduceRequest(args));
    const theirs = await allocatedBytes(() => kafkajsProduceRequest!(args).encode());
    expect(ours).toBeLessThan(3.2 * batch);
    expect(theirs).toBeGreaterThan(6 * batch);
  });
});
