import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { createKafka } from '../../../src/kafka/kafka-client.js';
import { createLogger } from '../../../src/log/logger.js';
import { useNativeCrc32c } from '../../../src/kafka/checksum/native-crc32c.js';
import { patternBytes } from '../support/pattern-bytes.js';

const require = createRequire(import.meta.url);
type RecordBatch = { RecordBatch: (options: object) => Promise<{ buffer: Buffer }> };

/** kafkajs's own byte-at-a-time CRC-32C (its crc32C/index.js wraps this module with an unsigned cast). */
const javascriptCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js') as (buffer: Buffer) => number;

describe('the native CRC-32C in kafkajs', () => {
  it('is in place once a client is made, before kafkajs loads its record-batch encoder', () => {
    createKafka({ brokers: ['localhost:1'], clientId: 'crc-test', logger: createLogger({ level: 'error', json: false }) });
    expect(useNativeCrc32c()).toBe('native');
    const checksum = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (buffer: Buffer) => number;
    expect(checksum).not.toBe(javascriptCrc32c);
  });

  it('gives kafkajs\'s checksum, unsigned, for every length and the known check value', () => {
    const checksum = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (buffer: Buffer) => number;
    // The CRC-32C check value (RFC 3720, B.4): "123456789".
    expect(checksum(Buffer.from('123456789'))).toBe(0xe3069283);
    for (const n of [0, 1, 7, 8, 15, 16, 63, 64, 65, 1000, 4097, 100_003]) {
      const input = patternBytes(n, n + 1);
      expect(checksum(input), `length ${n}`).toBe(javascriptCrc32c(input));
    }
  });

  it('is what kafkajs writes into a record batch: the batch bytes are those of its own checksum', async () => {
    const recordBatch = require('kafkajs/src/protocol/recordBatch/v0/index.js') as RecordBatch;
    const record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (options: object) => unknown;
    const records = [0, 1, 2].map((i) => record({ offsetDelta: i, key: Buffer.from(`k${i}`), value: patternBytes(5000 + i, i) }));
    const { buffer } = await recordBatch.RecordBatch({ records, firstTimestamp: 1, maxTimestamp: 1 });
    // Layout: firstOffset i64, length i32, then (partitionLeaderEpoch i32, magic i8, crc u32, body).
    const batch = buffer.subarray(12);
    expect(batch.readUInt32BE(5)).toBe(javascriptCrc32c(batch.subarray(9)));
  });
});
