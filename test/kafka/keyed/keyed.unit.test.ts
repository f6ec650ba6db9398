import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { SpillStore } from '../../../src/kafka/keyed/spill-store.js';
import { indexPartition } from '../../../src/kafka/keyed/partition-index.js';
import type { StateTopicReader } from '../../../src/kafka/keyed/state-topic-reader.js';
import { seedForKey } from '../../../src/kafka/keyed/key-seed.js';
import { KeyMemory } from '../../../src/kafka/keyed/key-memory.js';
import { KeyModel } from '../../../src/kafka/keyed/key-model.js';
import { decodeKeyCheckpoint, describeStateRecord, keyCheckpointRecord, modelKey, partitionRecordMessage } from '../../../src/kafka/keyed/keyed-records.js';
import { KeyedStatusTracker } from '../../../src/kafka/keyed/keyed-status.js';
import { PartitionKeys } from '../../../src/kafka/keyed/partition-keys.js';
import { ProcessorEvents } from '../../../src/kafka/processor-events.js';
import type { ProcessorStatus } from '../../../src/kafka/processor-status.js';
import { ProcessorMetrics } from '../../../src/kafka/metrics/processor-metrics.js';
import { parseExposition } from '../metrics/exposition.js';
import type { Producer } from 'kafkajs';
import { encodeCheckpoint } from '../../../src/kafka/checkpoint.js';

const TOPICS = { input: 'points', snapshot: 'snapshots', deadLetter: 'dead', state: 'state' };
const ENGINE = { components: 2, warmup: 10, batchSize: 5, restarts: 1, seed: 3 };

function message(key: string | null, offset: number, rows: number[][] | string) {
  return { key: key === null ? null : Buffer.from(key), value: Buffer.from(typeof rows === 'string' ? rows : JSON.stringify(rows)), offset: String(offset), timestamp: '0', attributes: 0, headers: {} };
}

const spill = new SpillStore(tmpdir());
afterAll(() => spill.close());

function unit(): PartitionKeys {
  return new PartitionKeys('m', TOPICS, 2, 0, ENGINE, 1 << 20, {} as Producer, new Map(), spill, null);
}

const rows = (i: number): number[][] => [
  [i % 3, (i * 7) % 5],
  [(i * 3) % 4, i % 2],
];

describe('keyed mode, in memory', () => {
  it('derives a reproducible seed per key, different across keys and base seeds', () => {
    expect(seedForKey(0, 'device-1')).toBe(seedForKey(0, 'device-1'));
    expect(seedForKey(0, 'device-1')).not.toBe(seedForKey(0, 'device-2'));
    expect(seedForKey(0, 'device-1')).not.toBe(seedForKey(1, 'device-1'));
    const seed = seedForKey(123, 'ключ');
    expect(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32).toBe(true);
  });

  it('refuses missing, empty, overlong and non-UTF-8 keys with their codes', () => {
    const code = (key: Buffer | null): string => {
      const named = modelKey(key);
      return typeof named === 'string' ? `key ${named}` : named.code;
    };
    expect(code(null)).toBe('missing-key');
    expect(code(Buffer.alloc(0))).toBe('missing-key');
    expect(code(Buffer.alloc(1025, 97))).toBe('invalid-key');
    expect(code(Buffer.from([0xff, 0xfe]))).toBe('invalid-key');
    expect(code(Buffer.from('tenant/42'))).toBe('key tenant/42');
    expect(code(Buffer.from('ключ'))).toBe('key ключ');
  });

  it('routes each key to its own model, dead-letters a keyless message and never re-ingests an offset', () => {
    const u = unit();
    expect(u.ingest(message('a', 0, rows(0))).kind).toBe('fitted');
    expect(u.ingest(message(null, 1, rows(1))).kind).toBe('refused');
    expect(u.ingest(message('b', 2, rows(2))).kind).toBe('fitted');
    expect(u.ingest(message('a', 3, '[[1,')).kind).toBe('fitted');
    expect(u.ingest(message('a', 3, rows(3))).kind).toBe('skipped');
    expect([...u.models.keys()].sort()).toEqual(['a', 'b']);
    expect(u.models.get('a')!.pointsSeen).toBe(2);
    expect(u.deadLettersHeld).toBe(2);
    expect(u.counts).toEqual({ messages: 4, deadLettered: 2, points: 4, snapshots: 0 });
    expect(u.changedKeys).toBe(2);
  });

  it("names the engine of a key still warming up, with the message's points for ingest, and nothing for a new key, a keyless message, an offset already in, or a fitted key", () => {
    const u = unit();
    expect(u.warmingUpTarget(message('a', 0, rows(0)))).toBeNull(); // no model yet: the first message makes it
    u.ingest(message('a', 0, rows(0)));
    expect(u.warmingUpTarget(message(null, 1, rows(1)))).toBeNull();
    expect(u.warmingUpTarget(message('a', 0, rows(0)))).toBeNull();
    const target = u.warmingUpTarget(message('a', 1, rows(1)))!;
    expect(target.engine).toBe(u.models.get('a')!.engine);
    expect(target.input).toEqual({ points: rows(1), position: { topic: 'points', partition: 2, offset: '1' } });
    const twin = unit();
    twin.ingest(message('a', 0, rows(0)));
    expect(u.ingest(message('a', 1, rows(1)), undefined, target.input)).toEqual({ kind: 'fitted', model: u.models.get('a'), created: false });
    twin.ingest(message('a', 1, rows(1)));
    expect(u.models.get('a')!.engine.exportState()).toEqual(twin.models.get('a')!.engine.exportState());
    for (let i = 2; i < 6; i++) u.ingest(message('a', i, rows(i))); // 12 points: past the 10-point warm-up
    expect(u.models.get('a')!.engine.warmupRemaining).toBe(0);
    expect(u.warmingUpTarget(message('a', 6, rows(6)))).toBeNull();
  });

  it('a key model restored from its checkpoint continues bit for bit as one never interrupted', () => {
    const whole = new KeyModel('k', ENGINE, null);
    const first = new KeyModel('k', ENGINE, null);
    for (let i = 0; i < 40; i++) {
      const position = { topic: 'points', partition: 0, offset: String(i) };
      whole.ingest({ points: rows(i), position }, position);
      if (i < 17) first.ingest({ points: rows(i), position }, position);
    }
    const record = keyCheckpointRecord(first.commitRecords('m', 'points', 0, false).checkpoint, 0, 0);
    const restored = new KeyModel('k', ENGINE, decodeKeyCheckpoint(record.value as Buffer));
    expect(restored.holds(16n)).toBe(true);
    expect(restored.holds(17n)).toBe(false);
    for (let i = 17; i < 40; i++) {
      const position = { topic: 'points', partition: 0, offset: String(i) };
      restored.ingest({ points: rows(i), position }, position);
    }
    const a = whole.commitRecords('m', 'points', 0, false);
    const b = restored.commitRecords('m', 'points', 0, false);
    expect(keyCheckpointRecord({ ...b.checkpoint, counters: a.checkpoint.counters, createdAt: '' }, 0, 0).value).toEqual(keyCheckpointRecord({ ...a.checkpoint, createdAt: '' }, 0, 0).value);
    expect(a.snapshot?.key).toBe('k');
  });

  it('tells its records apart by headers: this model and partition only', () => {
    const model = new KeyModel('dev-1', ENGINE, null);
    const record = keyCheckpointRecord(model.commitRecords('m', 'points', 4, false).checkpoint, 4, 1);
    expect(record.key).toBe('m/dev-1');
    expect(record.partition).toBe(1);
    expect(describeStateRecord(record.headers, 'm', 4)).toEqual({ kind: 'key', key: 'dev-1' });
    expect(describeStateRecord(record.headers, 'm', 5)).toBeNull();
    expect(describeStateRecord(record.headers, 'm2', 4)).toBeNull();
    const p = partitionRecordMessage({ version: 1, model: 'm', topic: 'points', partition: 4, offset: '9', messages: 9, deadLettered: 0, points: 9, snapshots: 0, keys: 1, createdAt: '' }, 1);
    expect(p.key).toBe('m#4');
    expect(describeStateRecord(p.headers, 'm', 4)).toEqual({ kind: 'partition' });
  });

  it('evicts the least recently used unchanged models down to the limit, and keeps changed ones', () => {
    const u = unit();
    const memory = new KeyMemory(2);
    for (const [i, key] of ['a', 'b', 'c', 'd'].entries()) {
      const r = u.ingest(message(key, i, rows(i)));
      if (r.kind === 'fitted') memory.use(u, r.model);
    }
    // All four changed since the last commit: none may go.
    expect(memory.evictOverLimit()).toBe(0);
    // As after a commit: only 'c' changed again since, and 'a' was used last.
    (u as unknown as { changed: Set<KeyModel> }).changed.clear();
    const again = u.ingest(message('c', 4, rows(4)));
    if (again.kind === 'fitted') memory.use(u, again.model);
    memory.use(u, u.models.get('a')!);
    expect(memory.evictOverLimit()).toBe(2);
    expect([...u.models.keys()].sort()).toEqual(['a', 'c']);
    expect(memory.size).toBe(2);
    expect(memory.evicted).toBe(2);
  });

  it('brings an evicted model back from the spill file as it was, and forgets a released partition', () => {
    const u = unit();
    for (let i = 0; i < 30; i++) u.ingest(message('k', i, rows(i)));
    const before = encodeCheckpoint({ ...u.models.get('k')!.exportCheckpoint('m', 'points', 2), createdAt: '' });
    u.evict('k');
    expect(u.models.has('k')).toBe(false);
    const back = u.restoreFromSpill('k')!;
    expect(encodeCheckpoint({ ...back.exportCheckpoint('m', 'points', 2), createdAt: '' })).toEqual(before);
    expect(u.restoreFromSpill('k')).toBeNull();
    u.evict('k');
    u.dropSpilled();
    expect(u.restoreFromSpill('k')).toBeNull();
  });

  it('spill file: the newest put wins, a take removes, and compaction keeps every live entry', () => {
    const store = new SpillStore(tmpdir(), 1000);
    try {
      for (let round = 0; round < 20; round++) for (let i = 0; i < 10; i++) store.put(`id-${i}`, Buffer.from(`value ${i} of round ${round} `.repeat(5)));
      expect(store.size).toBe(10);
      // 200 puts of ~100 bytes with only 10 live: compacted on the way.
      expect(store.fileBytes).toBeLessThan(4000);
      for (let i = 0; i < 10; i++) expect(store.take(`id-${i}`)?.toString()).toBe(`value ${i} of round 19 `.repeat(5));
      expect(store.size).toBe(0);
      expect(store.take('id-0')).toBeNull();
    } finally {
      store.close();
    }
  });

  it('indexes a partition by whole commits: keys whose partition record the scan did not reach are left out', async () => {
    const model = new KeyModel('a', ENGINE, null);
    const checkpoint = (key: string) => keyCheckpointRecord({ ...model.commitRecords('m', 'points', 3, false).checkpoint, key }, 3, 0);
    const record = (offset: string) => partitionRecordMessage({ version: 1, model: 'm', topic: 'points', partition: 3, offset, messages: 1, deadLettered: 0, points: 2, snapshots: 0, keys: 1, createdAt: '' }, 0);
    // Commit 1: a, b, record; commit 2: a, c, and the scan ends before its record (held back by another open transaction).
    const log = [checkpoint('a'), checkpoint('b'), record('10'), checkpoint('other-partition'), checkpoint('a'), checkpoint('c')];
    log[3] = keyCheckpointRecord({ ...model.commitRecords('m', 'points', 4, false).checkpoint, key: 'x' }, 4, 0);
    const reader = {
      scan: async (_partition: number, onRecord: (m: { offset: string; headers: unknown; value: Buffer | null }) => void) =>
        log.forEach((m, i) => onRecord({ offset: String(i), headers: m.headers, value: m.value as Buffer })),
    } as unknown as StateTopicReader;
    const store = new SpillStore(tmpdir());
    try {
      const found = await indexPartition(reader, store, 'm', 3, 0, () => false);
      expect([...found.index]).toEqual([['a', '0'], ['b', '1']]);
      expect(found.record?.offset).toBe('10');
      expect(store.size).toBe(2);
    } finally {
      store.close();
    }
  });

  it('exports keys, evictions, the restore-latency histogram and opt-in per-key log-likelihoods', async () => {
    const events = new ProcessorEvents();
    const tracker = new KeyedStatusTracker(events, true);
    let status: ProcessorStatus | null = null;
    const metrics = new ProcessorMetrics(events, () => status!, { model: 'm', keyed: { keyMetrics: true }, memory: () => ({ rss: 1, heapUsed: 1 }) });
    events.emit({ type: 'keys', inMemory: 10, known: 25, evictionsTotal: 15 });
    events.emit({ type: 'keys-restored', partition: 0, keys: 4, fromStateTopic: 0, durationMs: 20 });
    events.emit({ type: 'keys-restored', partition: 0, keys: 1, fromStateTopic: 1, durationMs: 300 });
    const committed = { type: 'keyed-committed', partition: 0, keys: 3, snapshots: 2, deadLetters: 1, messages: 50, deadLettered: 2, points: 480, snapshotsTotal: 9, offset: '50', durationMs: 5 } as const;
    events.emit({ ...committed, keyLogLikelihoods: [['dev-"1"', -2.5]] });
    events.emit({ ...committed, partition: 1, messages: 10, points: 100, keyLogLikelihoods: [] });
    status = { model: 'm', state: 'consuming', lastError: null, sessions: 1, sessionFailures: 0, committed: null, live: null, lag: [], stateSince: 0, takeovers: 1, handovers: 0, keyed: tracker.status() } satisfies ProcessorStatus;
    const { samples } = parseExposition(await metrics.text());
    metrics.close();
    const value = (series: string): number | undefined => samples.get(series);
    expect(value('online_em_keys{model="m",where="memory"}')).toBe(10);
    expect(value('online_em_keys{model="m",where="known"}')).toBe(25);
    expect(value('online_em_key_evictions_total{model="m"}')).toBe(15);
    expect(value('online_em_key_restore_seconds_bucket{le="0.025",model="m"}')).toBe(4);
    expect(value('online_em_key_restore_seconds_bucket{le="0.5",model="m"}')).toBe(5);
    expect(value('online_em_key_restore_seconds_count{model="m"}')).toBe(5);
    expect(value('online_em_key_restore_seconds_sum{model="m"}')).toBeCloseTo(4 * 0.02 + 0.3, 12);
    expect(value('online_em_messages_total{model="m"}')).toBe(60);
    expect(value('online_em_points_total{model="m"}')).toBe(580);
    expect(value('online_em_key_log_likelihood_average{model="m",key="dev-\\"1\\""}')).toBe(-2.5);
    // A released partition's counts and keys leave this process's series.
    events.emit({ type: 'keys-assigned', taken: [], kept: [1], released: [0], releasedCommitted: true, keysKnown: 5, durationMs: 1 });
    expect(tracker.status().committed.messages).toBe(10);
    expect(tracker.status().keyLogLikelihoods?.size).toBe(0);
  });
});
