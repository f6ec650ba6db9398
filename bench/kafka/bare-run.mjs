// One run of the bare consumer (bench/kafka/bare-consumer.mjs) over a backlog, timed as the
// processor is: first fetch -> last message decoded.
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { fmt1, fmtInt } from '../lib/format.mjs';
import { runJsonChild } from './children.mjs';
import { nowMs } from './common.mjs';
import { BROKERS } from './config.mjs';
import { createdGroups, log, prefix } from './session.mjs';

const BARE = fileURLToPath(new URL('bare-consumer.mjs', import.meta.url));

export async function runBare(backlog, label) {
  const group = `${prefix}-${label}-group`;
  createdGroups.add(group);
  const loadBefore = loadavg()[0];
  const spawnedAt = nowMs();
  const r = await runJsonChild(BARE, { brokers: BROKERS, topic: backlog.topic, group, points: backlog.points, format: backlog.format });
  if (r.error) {
    log(`  bare consumer ${label}: FAILED: ${r.error}`);
    return { label, format: backlog.format, error: r.error };
  }
  const start = r.firstFetchStart ?? r.firstMessageStart;
  const ms = r.lastMessageEnd - start;
  const out = {
    label,
    format: backlog.format,
    points: r.points,
    bytes: r.bytes,
    startupMs: start - spawnedAt,
    processingMs: ms,
    pointsPerSecond: (r.points / ms) * 1000,
    mbPerSecond: r.bytes / 1e3 / ms,
    firstFetchToFirstPointMs: r.firstMessageStart - start,
    fromFirstPointPointsPerSecond: (r.points / (r.lastMessageEnd - r.firstMessageStart)) * 1000,
    cpuUtilisation: r.cpuAtFirstFetchMs !== null ? (r.cpuAtLastMessageMs - r.cpuAtFirstFetchMs) / ms : null,
    fetches: r.fetches,
    fetchMs: r.fetchMs,
    batches: r.batches,
    insideBatchMs: r.insideBatchMs,
    /** No batch in hand: from the first fetch to the first batch, and between batches. */
    betweenBatchesMs: ms - r.insideBatchMs,
    gcCount: r.gcCount,
    gcMs: r.gcMs,
    rss: r.rss,
    loadavg1Before: loadBefore,
  };
  log(
    `  bare consumer ${label}: ${fmtInt(out.pointsPerSecond)} points/s, ${fmt1(out.mbPerSecond)} MB/s over ${(ms / 1000).toFixed(2)} s ` +
      `(in batches ${(r.insideBatchMs / 1000).toFixed(2)} s, no batch in hand ${(out.betweenBatchesMs / 1000).toFixed(2)} s, CPU ${fmtInt((out.cpuUtilisation ?? NaN) * 100)}%)`,
  );
  return out;
}
