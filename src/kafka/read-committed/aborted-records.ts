import { createRequire } from 'node:module';

/**
 * kafkajs 2.2.4 hides the records of aborted transactions from a read_committed consumer
 * (consumer/filterAbortedMessages.js), but it opens at most one aborted transaction per record
 * it looks at: a fetch that starts after two or more aborted transactions began (any fetch
 * but the first, in a partition that several transactional producers write at once) hands the
 * consumer records of every one of them but the first. The Java client opens every aborted
 * transaction whose first offset is at or below the record's (Fetcher, a priority queue by
 * first offset). Here that rule is applied to each fetched partition as the fetch response
 * is decoded: a record of an open aborted transaction is marked as a control record, which
 * kafkajs's Batch drops from `messages` while still counting it for the batch's offsets; the
 * aborted-transaction list is then emptied, so kafkajs's own filter has nothing to do.
 */
const require = createRequire(import.meta.url);

/** The parts of a record kafkajs decodes that the rule reads (and `isControlRecord`, which it sets). */
export interface FetchedRecord {
  readonly offset: string;
  readonly key: Buffer | null;
  isControlRecord?: boolean;
  readonly batchContext: { readonly producerId: string; readonly inTransaction: boolean };
}

/** A partition of a decoded fetch response (read_committed: with its aborted transactions). */
export interface FetchedPartition {
  abortedTransactions?: readonly { readonly producerId: string; readonly firstOffset: string }[];
  readonly messages: readonly FetchedRecord[];
}

/** An abort marker's key: control record version 0, type 0 (a commit marker is type 1). */
const ABORT_MARKER_KEY = Buffer.from([0, 0, 0, 0]);

/**
 * Mark the records of aborted transactions in a fetched partition as control records, in offset
 * order: every aborted transaction whose first offset is at or below a record's is open from
 * there until its producer's abort marker; a transactional record of an open one's producer is
 * aborted. Empties `abortedTransactions`.
 */
export function hideAbortedRecords(partition: FetchedPartition): void {
  const aborted = partition.abortedTransactions;
  if (!aborted || aborted.length === 0) return;
  const pending = [...aborted].sort((a, b) => (BigInt(a.firstOffset) < BigInt(b.firstOffset) ? -1 : BigInt(a.firstOffset) > BigInt(b.firstOffset) ? 1 : 0));
  const open = new Set<string>();
  let next = 0;
  for (const record of partition.messages) {
    const offset = BigInt(record.offset);
    while (next < pending.length && offset >= BigInt(pending[next].firstOffset)) open.add(pending[next++].producerId);
    const { producerId, inTransaction } = record.batchContext;
    if (record.isControlRecord) {
      if (record.key !== null && ABORT_MARKER_KEY.equals(Buffer.from(record.key))) open.delete(producerId);
      continue;
    }
    if (inTransaction && open.has(producerId)) record.isControlRecord = true;
  }
  partition.abortedTransactions = [];
}

/** Fetch response versions whose partitions carry aborted transactions (v4 and up; kafkajs goes to v11). */
const FETCH_VERSIONS = [4, 5, 6, 7, 8, 9, 10, 11];

interface FetchResponseModule {
  decode(raw: Buffer): Promise<{ responses: { partitions: FetchedPartition[] }[] }>;
}

let installed = false;

/**
 * Apply hideAbortedRecords to every fetch response kafkajs decodes, once per process: its fetch
 * request loads the response decoder of the version it speaks at each fetch (require, from the
 * module cache), so the decoders' exports are replaced in the cache. Returns whether they were.
 */
export function hideAbortedRecordsInFetches(): boolean {
  if (installed) return true;
  for (const version of FETCH_VERSIONS) {
    const path = require.resolve(`kafkajs/src/protocol/requests/fetch/v${version}/response.js`);
    require(path);
    const cached = require.cache[path];
    if (cached === undefined) return false;
    const original = cached.exports as FetchResponseModule;
    cached.exports = {
      ...original,
      decode: async (raw: Buffer) => {
        const decoded = await original.decode(raw);
        for (const topic of decoded.responses) for (const partition of topic.partitions) hideAbortedRecords(partition);
        return decoded;
      },
    };
  }
  installed = true;
  return true;
}
