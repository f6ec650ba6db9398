import { randomUUID } from 'node:crypto';
import type { IHeaders, KafkaMessage } from 'kafkajs';
import { choleskyLower } from '../../../src/em/cholesky.js';
import type { PublishedSnapshot } from '../../../src/kafka/processor-types.js';
import { testKafka, type uniqueNames } from './kafka-io.js';
import { ProcessorProcess } from './processor-process.js';

/** Helpers of the reliability tests (test/kafka/reliability/): faults, comparisons, exact accounting. */

export type Names = ReturnType<typeof uniqueNames>;

/** `kafka.sh up|down|status` for the broker on `port`, asynchronously (the fault tests stop and start their own broker). */
export { kafkaScript } from '../../../src/cli/local-broker.js';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The largest |a - b| over every weight, mean and covariance entry of two snapshots. */
export function maxParameterDifference(a: PublishedSnapshot, b: PublishedSnapshot): number {
  const x = [...a.weights, ...a.means.flat(), ...a.covariances.flat(2)];
  const y = [...b.weights, ...b.means.flat(), ...b.covariances.flat(2)];
  if (x.length !== y.length) return Infinity;
  let max = 0;
  for (let i = 0; i < x.length; i++) {
    const diff = Math.abs(x[i] - y[i]);
    if (!(diff <= max)) max = Number.isNaN(diff) ? Infinity : diff;
  }
  return max;
}

/** Problems of one snapshot's parameters: non-finite entries, weights not summing to 1, a covariance not positive definite. */
export function parameterProblems(s: PublishedSnapshot): string[] {
  const problems: string[] = [];
  const all = [...s.weights, ...s.means.flat(), ...s.covariances.flat(2)];
  if (!all.every(Number.isFinite)) problems.push('non-finite parameter');
  const sum = s.weights.reduce((a, b) => a + b, 0);
  if (!(Math.abs(sum - 1) <= 1e-9)) problems.push(`weights sum to ${sum}`);
  if (!s.weights.every((w) => w >= 0)) problems.push('negative weight');
  s.covariances.forEach((cov, c) => {
    const flat = Float64Array.from(cov.flat());
    if (!choleskyLower(flat, s.dim)) problems.push(`covariance ${c} not positive definite`);
    for (let i = 0; i < s.dim; i++) {
      for (let j = 0; j < i; j++) if (cov[i][j] !== cov[j][i]) problems.push(`covariance ${c} not symmetric`);
    }
  });
  return problems;
}

/**
 * Remove the members of a consumer group whose process was SIGKILLed, as the group
 * coordinator does itself when their session times out (30 s with the processor's
 * settings). It is the same removal, only sooner: the restarted processor then joins at
 * once instead of sitting out the timeout after every kill. kafkajs has no public API
 * for LeaveGroup on behalf of another member, so this reaches its internal cluster.
 * Call it only once the member's process has exited.
 */
export async function evictGroupMembers(group: string): Promise<number> {
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  let members: { memberId: string }[];
  try {
    const { groups } = await admin.describeGroups([group]);
    members = groups[0]?.members ?? [];
  } finally {
    await admin.disconnect();
  }
  if (members.length === 0) return 0;
  const createCluster = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  if (!createCluster) throw new Error('kafkajs internals changed: no private createCluster on the client');
  const cluster = (kafka as unknown as Record<symbol, (o: object) => InternalCluster>)[createCluster]({});
  await cluster.connect();
  let evicted = 0;
  try {
    const coordinator = await cluster.findGroupCoordinator({ groupId: group });
    for (const m of members) {
      try {
        await coordinator.leaveGroup({ groupId: group, memberId: m.memberId });
        evicted++;
      } catch {
        // Already gone (its session expired meanwhile): nothing to do.
      }
    }
  } finally {
    await cluster.disconnect();
  }
  return evicted;
}

interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  findGroupCoordinator(o: { groupId: string }): Promise<{ leaveGroup(o: { groupId: string; memberId: string }): Promise<unknown> }>;
}

export interface RawRecord {
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, string[]>;
}

/**
 * Every record of a single-partition topic up to its end offset, read_committed (only
 * committed transactions) or read_uncommitted (aborted records too). Reads until the
 * consumer reaches the high watermark (or the last stable offset), so it never waits on
 * a guess of how many records there are.
 */
export async function readAllRecords(topic: string, options: { readUncommitted?: boolean; timeoutMs?: number } = {}): Promise<RawRecord[]> {
  const kafka = testKafka();
  const groupId = `reliability-reader-${randomUUID()}`;
  const admin = kafka.admin();
  await admin.connect();
  const consumer = kafka.consumer({
    groupId,
    readUncommitted: options.readUncommitted ?? false,
    maxWaitTimeInMs: 200,
    maxBytes: 64 * 1024 * 1024,
    maxBytesPerPartition: 64 * 1024 * 1024,
  });
  const out: RawRecord[] = [];
  try {
    const [end] = await admin.fetchTopicOffsets(topic);
    const high = BigInt(end?.high ?? '0');
    if (high === 0n) return out;
    let position = 0n;
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const deadline = Date.now() + (options.timeoutMs ?? 120_000);
    // Transaction markers and aborted records take offsets too, and kafkajs skips batches
    // of only those without calling eachBatch: follow every batch's end through this event.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      const last = BigInt(payload.lastOffset);
      if (last + 1n > position) position = last + 1n;
    });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) out.push(toRaw(m));
      },
    });
    while (position < high && Date.now() < deadline) await sleep(100);
    if (position < high) throw new Error(`read ${topic} up to offset ${position} of ${high} only`);
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
  return out;
}

function toRaw(m: KafkaMessage): RawRecord {
  const headers: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(m.headers ?? ({} as IHeaders))) {
    const list = Array.isArray(v) ? v : [v];
    headers[k] = list.filter((x) => x !== undefined).map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x)));
  }
  return { offset: m.offset, key: m.key, value: m.value, headers };
}

/** Snapshots of a snapshot topic, committed only, in order. */
export async function readCommittedSnapshots(topic: string): Promise<PublishedSnapshot[]> {
  return (await readAllRecords(topic)).map((r) => JSON.parse(r.value!.toString('utf8')) as PublishedSnapshot);
}

export { processorArgs } from './processor-process.js';

/**
 * Run a processor until a committed snapshot shows `points` points, then SIGTERM it and
 * return its final snapshot (the last committed one) with the process (its log).
 */
export async function runToEnd(names: Names, points: number, extra: readonly string[], timeoutMs = 180_000) {
  const proc = ProcessorProcess.forNames(names, extra);
  await proc.waitForSnapshot(points, timeoutMs);
  proc.kill('SIGTERM');
  const exit = await proc.exited;
  const snapshots = await readCommittedSnapshots(names.snapshot);
  return { exit, snapshots, final: snapshots[snapshots.length - 1], proc };
}

/**
 * Lines of a processor's log that look like a stack trace (a frame, or an uncaught error):
 * its lines that are not JSON, and the lines of every text inside its records.
 */
export function stackTraceLines(proc: ProcessorProcess): string[] {
  const texts = [...proc.nonJsonLines, ...proc.records.flatMap((r) => Object.values(r).filter((v): v is string => typeof v === 'string'))];
  return texts.flatMap((t) => t.split('\n')).filter((l) => /^\s+at .+[(:]\d|unexpected error|Uncaught|UnhandledPromiseRejection/.test(l));
}

/**
 * Poll the offset a group committed on partition 0 of `topic` until `done(offset)` holds
 * (or `timeoutMs` passes); returns that offset. Offsets are committed only inside the
 * processor's transactions, so this sees each commit as soon as it is visible.
 */
export async function waitForCommittedOffset(group: string, topic: string, done: (offset: number) => boolean, timeoutMs: number, pollMs = 10): Promise<number> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [t] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      const offset = Number(t?.partitions.find((p) => p.partition === 0)?.offset ?? -1);
      if (done(offset)) return offset;
      if (Date.now() > deadline) throw new Error(`group ${group} did not commit a wanted offset on ${topic} within ${timeoutMs} ms (last ${offset})`);
      await sleep(pollMs);
    }
  } finally {
    await admin.disconnect();
  }
}
