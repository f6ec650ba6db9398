import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { hideAbortedRecordsInFetches as exported } from '../../../src/index.js';
import { hideAbortedRecords, hideAbortedRecordsInFetches, type FetchedPartition, type FetchedRecord } from '../../../src/kafka/read-committed/aborted-records.js';

const require = createRequire(import.meta.url);
// kafkajs's own filter and the Batch that applies it (consumer/batch.js), as its consumers use them.
const kafkajsFilter = require('kafkajs/src/consumer/filterAbortedMessages.js') as (p: FetchedPartition) => FetchedRecord[];
const Batch = require('kafkajs/src/consumer/batch.js') as new (topic: string, fetchedOffset: string, partition: unknown) => { messages: FetchedRecord[]; lastOffset(): string };

const ABORT = Buffer.from([0, 0, 0, 0]);
const COMMIT = Buffer.from([0, 0, 0, 1]);

function data(offset: number, producerId: string, inTransaction = true): FetchedRecord {
  return { offset: String(offset), key: Buffer.from(`${producerId}@${offset}`), isControlRecord: false, batchContext: { producerId, inTransaction } };
}

function marker(offset: number, producerId: string, key: Buffer): FetchedRecord {
  return { offset: String(offset), key, isControlRecord: true, batchContext: { producerId, inTransaction: true } };
}

/**
 * A fetch from offset 12 of a partition that producers 1 and 2 wrote aborted transactions to,
 * both begun before it (at 10 and 11), while producer 3 committed one and producer 4 wrote
 * without transactions; producer 1 then commits a transaction after its abort marker.
 */
function fetchFromTwelve(): FetchedPartition & { messages: FetchedRecord[] } {
  return {
    abortedTransactions: [
      { producerId: '1', firstOffset: '10' },
      { producerId: '2', firstOffset: '11' },
    ],
    messages: [
      data(12, '2'),
      data(13, '1'),
      data(14, '3'),
      data(15, '4', false),
      data(16, '2'),
      marker(17, '1', ABORT),
      marker(18, '2', ABORT),
      marker(19, '3', COMMIT),
      data(20, '1'),
      marker(21, '1', COMMIT),
    ],
  };
}

const offsets = (records: readonly FetchedRecord[]): number[] => records.filter((r) => !r.isControlRecord).map((r) => Number(r.offset));

describe('hideAbortedRecords (read_committed past kafkajs 2.2.4)', () => {
  it('kafkajs alone hands over a record of the second aborted transaction of a fetch', () => {
    const leaked = offsets(kafkajsFilter({ ...fetchFromTwelve() }));
    // 12 is producer 2's, aborted: kafkajs opened only producer 1's transaction at that record.
    expect(leaked).toEqual([12, 14, 15, 20]);
  });

  it('hides every record of every aborted transaction, keeps the committed and the non-transactional ones', () => {
    const partition = fetchFromTwelve();
    hideAbortedRecords(partition);
    expect(offsets(partition.messages)).toEqual([14, 15, 20]);
    expect(partition.abortedTransactions).toEqual([]);
    // What kafkajs's consumer then takes from it: the same records, and the batch still ends at the last offset fetched.
    const batch = new Batch('t', '12', { partition: 0, highWatermark: '22', abortedTransactions: partition.abortedTransactions, messages: partition.messages });
    expect(batch.messages.map((m) => Number(m.offset))).toEqual([14, 15, 20]);
    expect(batch.lastOffset()).toBe('21');
  });

  it('opens an aborted transaction at its first offset, not before, and closes it at its abort marker only', () => {
    const partition: FetchedPartition & { messages: FetchedRecord[] } = {
      abortedTransactions: [{ producerId: '1', firstOffset: '3' }],
      messages: [data(1, '1'), marker(2, '1', COMMIT), data(3, '1'), marker(4, '2', ABORT), data(5, '1'), marker(6, '1', ABORT), data(7, '1')],
    };
    hideAbortedRecords(partition);
    expect(offsets(partition.messages)).toEqual([1, 7]);
  });

  it('takes the aborted transactions in any order', () => {
    const partition = fetchFromTwelve();
    partition.abortedTransactions = [...partition.abortedTransactions!].reverse();
    hideAbortedRecords(partition);
    expect(offsets(partition.messages)).toEqual([14, 15, 20]);
  });

  it('leaves a fetch without aborted transactions as it is', () => {
    const partition = { abortedTransactions: [], messages: [data(1, '1'), marker(2, '1', COMMIT)] };
    hideAbortedRecords(partition);
    expect(partition.messages.map((m) => m.isControlRecord)).toEqual([false, true]);
  });

  it('is installed once per process for the fetch decoders of kafkajs (exported by the package for other kafkajs consumers)', () => {
    expect(exported).toBe(hideAbortedRecordsInFetches);
    expect(hideAbortedRecordsInFetches()).toBe(true);
    const decoder = require('kafkajs/src/protocol/requests/fetch/v11/response.js') as { decode: unknown };
    expect(hideAbortedRecordsInFetches()).toBe(true);
    // A second call wraps nothing again.
    expect(require('kafkajs/src/protocol/requests/fetch/v11/response.js')).toBe(decoder);
  });
});
