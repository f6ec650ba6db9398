import { createRequire } from 'node:module';
import kafkajs from 'kafkajs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createKafka } from '../../../src/kafka/kafka-client.js';
import { useExactEncoderGrowth, withKafkajsEncoderGrowth } from '../../../src/kafka/encoding/encoder-growth.js';
import { kafkajsProduceRequest, useOwnProduceEncoding, type ProduceRequestArgs } from '../../../src/kafka/encoding/produce-request.js';
import { createLogger } from '../../../src/log/logger.js';
import { allocatedBytes } from '../support/allocated-bytes.js';
import { patternBytes } from '../support/pattern-bytes.js';

const require = createRequire(import.meta.url);

interface Encoder {
  buffer: Buffer;
  writeInt32(value: number): Encoder;
  writeBuffer(value: Buffer): Encoder;
  writeEncoderArray(value: Encoder[]): Encoder;
}
const Encoder = require('kafkajs/src/protocol/encoder.js') as new () => Encoder;
/** kafkajs's own produce request (v3, which v4-v7 reuse; online-em's own encoding replaces it, produce-request.ts), through kafkajs's nested Encoders. */
function kafkajsProduce(options: ProduceRequestArgs): { encode: () => Promise<{ buffer: Buffer }> } {
  useOwnProduceEncoding();
  return kafkajsProduceRequest!(options);
}
const frame = require('kafkajs/src/protocol/request.js') as (options: object) => Promise<Encoder>;
const Long = require('kafkajs/src/utils/long.js') as { fromInt(value: number): object };
/** A buffer past the size where the growth changes (16 KiB). */
const LARGE_START = 80_000;
/** A buffer past the size where the growth changes (16 KiB). */
/** Two partitions of messages with keys, headers and timestamps: one of large values (a scores batch), one of small ones. */
function topicData(valueBytes: number, messages: number): ProduceRequestArgs['topicData'] {
  const message = (i: number, size: number) => ({
    key: i % 3 === 0 ? null : Buffer.from(`key-${i}`),
    value: patternBytes(size, i + 1),
    headers: { 'content-type': 'application/x-online-em-scores', 'online-em-source': `input/0/${i}` },
    timestamp: String(1_700_000_000_000 + i),
  });
  return [
    {
      topic: 'scores',
      partitions: [
        { partition: 0, firstSequence: 0, messages: Array.from({ length: messages }, (_, i) => message(i, valueBytes)) },
        { partition: 1, firstSequence: 7, messages: Array.from({ length: 50 }, (_, i) => message(i, 20 + i)) },
      ],
    },
  ];
}

/** The bytes kafkajs would write to the socket for a transactional produce request. */
async function producedBytes(compression: number, valueBytes: number, messages: number): Promise<Buffer> {
  const request = kafkajsProduce({ acks: -1, timeout: 30_000, transactionalId: 'tx', producerId: Long.fromInt(4242), producerEpoch: 3, compression, topicData: topicData(valueBytes, messages) });
  const framed = await frame({ correlationId: 9, clientId: 'growth-test', request: { apiKey: 0, apiVersion: 7, encode: request.encode } });
  return framed.buffer;
}

describe("kafkajs's Encoder with exact growth for large buffers", () => {
  afterEach(() => vi.restoreAllMocks());

  it('is in place once a client is made', () => {
    createKafka({ brokers: ['localhost:1'], clientId: 'growth-test', logger: createLogger({ level: 'error', json: false }) });
    const e = new Encoder().writeBuffer(patternBytes(37_016, 1));
    // Room for the value and 4 KiB more (a record's headers); kafkajs's own growth would have made room for 65,536 bytes.
    expect((e as unknown as { buf: Buffer }).buf.length).toBe(37_016 + 4096);
  });

  it.each([
    ['uncompressed', kafkajs.CompressionTypes.None],
    ['gzip', kafkajs.CompressionTypes.GZIP],
    ['zstd', kafkajs.CompressionTypes.ZSTD],
  ])('writes the same produce request, byte for byte, as kafkajs\'s own growth (%s; large and small values, keys, headers)', async (_, compression) => {
    useExactEncoderGrowth();
    for (const [valueBytes, messages] of [[13_016, 320], [37_016, 100], [70_000, 3], [1, 1]]) {
      const ours = await producedBytes(compression, valueBytes, messages);
      const theirs = await withKafkajsEncoderGrowth(() => producedBytes(compression, valueBytes, messages));
      expect(ours.length).toBeGreaterThan(valueBytes);
      expect(ours.equals(theirs), `${valueBytes} bytes × ${messages}`).toBe(true);
    }
  });

  it.each([
    ['without responsibilities (13 kB a record; 4.2 MB, under 4 MiB)', 13_016, 320],
    ['with them (37 kB a record; 4.4 MB, past 4 MiB)', 37_016, 120],
  ])('allocates under three quarters of what kafkajs does for a batch of scores records %s (each level of the request still copies it once)', async (_, valueBytes, messages) => {
    useExactEncoderGrowth();
    const compression = kafkajs.CompressionTypes.None;
    const ours = await allocatedBytes(() => producedBytes(compression, valueBytes, messages));
    const theirs = await withKafkajsEncoderGrowth(() => allocatedBytes(() => producedBytes(compression, valueBytes, messages)));
    expect(theirs).toBeGreaterThan(6 * valueBytes * messages);
    expect(ours).toBeLessThan(0.75 * theirs);
  });

  it('appends in amortised linear time: 100,000 small encoders into one grow it a few dozen times, not once each', () => {
    useExactEncoderGrowth();
    const big = new Encoder().writeBuffer(patternBytes(LARGE_START, 2));
    let grown = 0;
    const allocUnsafe = Buffer.allocUnsafe.bind(Buffer);
    vi.spyOn(Buffer, 'allocUnsafe').mockImplementation((size: number) => (grown++, allocUnsafe(size)));
    const small = new Encoder().writeInt32(7);
    for (let i = 0; i < 100_000; i++) big.writeEncoderArray([small]);
    expect(big.buffer.length).toBe(LARGE_START + 400_000);
    expect(grown).toBeLessThan(30);
  });
});

