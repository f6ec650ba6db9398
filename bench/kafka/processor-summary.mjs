// A processor run's figures from its probe, /proc samples and log milestones: the interval
// (first fetch -> last point through the engine), where its time went, and end to end.
import { fmt1, fmtInt } from '../lib/format.mjs';
import { log } from './session.mjs';

export function summariseProcessor({ backlog, label, probe, samples, brokerCpu, spawnedAt, allSeenAt, deadLetters, snapshots, shutdownMs, exit, loadBefore, logLines, progressLines }) {
  // Start of consumption: the consumer's first fetch request (after the group join).
  const start = probe.firstFetchStart ?? probe.firstIngestStart;
  const end = probe.lastIngestEnd;
  const processingMs = end - start;
  const e2eMs = allSeenAt - start;
  // Steady state: after the first 10% of the points (warm-up fit and JIT done).
  const at10 = probe.series.find(([, n]) => n >= backlog.points * 0.1);
  const steady = at10 ? ((backlog.points - at10[1]) / (end - at10[0])) * 1000 : null;
  const cpuIn = (list, t0, t1) => {
    const inside = list.filter((s) => s.t >= t0 && s.t <= t1);
    if (inside.length < 2) return null;
    const a = inside[0];
    const b = inside[inside.length - 1];
    return (b.cpuMs - a.cpuMs) / (b.t - a.t);
  };
  const within = (log) => log.filter(([t]) => t >= start && t <= end);
  // Split the interval: no batch in hand (kafkajs fetching and decoding the next one), commit
  // transactions, the engine, and the rest of the time inside batches (decodeMessage, RxJS, bookkeeping).
  const overlap = (a0, a1, b0, b1) => Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
  const batches = probe.batchLog.filter(([b0, b1]) => b1 > start && b0 < end);
  const inBatchesMs = batches.reduce((a, [b0, b1]) => a + overlap(b0, b1, start, end), 0);
  const commitsIn = probe.commitLog.filter(([t, ms]) => overlap(t, t + ms, start, end) > 0);
  const commitInsideBatchesMs = commitsIn.reduce((a, [t, ms]) => a + batches.reduce((b, [b0, b1]) => b + overlap(t, t + ms, Math.max(b0, start), Math.min(b1, end)), 0), 0);
  // Two snapshots within a second of each other while points keep arriving: one transaction too many.
  const doubleSnapshots = snapshots.filter((x, i) => i > 0 && !x.final && x.at - snapshots[i - 1].at < 1000).length;
  const r = {
    label,
    format: backlog.format,
    points: backlog.points,
    bytes: backlog.bytes,
    startupMs: start - spawnedAt,
    processingMs,
    pointsPerSecond: (backlog.points / processingMs) * 1000,
    mbPerSecond: backlog.bytes / 1e3 / processingMs,
    firstFetchToFirstPointMs: probe.firstIngestStart - start,
    // The processor with its engine time taken out: everything Kafka, decoding, RxJS and commits cost it.
    withoutEnginePointsPerSecond: (backlog.points / (processingMs - probe.ingestMs)) * 1000,
    fromFirstPointPointsPerSecond: (backlog.points / (end - probe.firstIngestStart)) * 1000,
    steadyPointsPerSecond: steady,
    e2eMs,
    e2ePointsPerSecond: (backlog.points / e2eMs) * 1000,
    snapshotLagMs: allSeenAt - end,
    breakdown: {
      engineMs: probe.ingestMs,
      maxIngestCallMs: probe.maxIngestMs,
      commits: commitsIn.length,
      commitMs: commitsIn.reduce((a, [t, ms]) => a + overlap(t, t + ms, start, end), 0),
      commitOutsideBatchesMs: commitsIn.reduce((a, [t, ms]) => a + overlap(t, t + ms, start, end), 0) - commitInsideBatchesMs,
      maxCommitMs: Math.max(0, ...commitsIn.map(([, ms]) => ms)),
      commitsWholeRun: probe.commits,
      commitMsWholeRun: probe.commitMs,
      batches: probe.batches,
      messagesPerBatch: probe.messages / Math.max(1, probe.batches),
      insideBatchMs: inBatchesMs,
      /** No batch in hand: from the first fetch to the first batch, and between batches. */
      betweenBatchesMs: processingMs - inBatchesMs,
      otherInBatchMs: inBatchesMs - probe.ingestMs - commitInsideBatchesMs,
      gcCount: probe.gcCount,
      gcMs: probe.gcMs,
      fetches: within(probe.fetchLog).length,
      fetchMs: within(probe.fetchLog).reduce((a, [, ms]) => a + ms, 0),
      // Over the first fetch to the last CPU sample (within 50 ms of the last ingest).
      cpuUtilisation:
        probe.cpuAtFirstFetchMs !== null && probe.cpuSampledAt !== null && probe.cpuSampledAt > probe.firstFetchStart
          ? (probe.cpuAtLastIngestMs - probe.cpuAtFirstFetchMs) / (probe.cpuSampledAt - probe.firstFetchStart)
          : null,
      brokerCpuUtilisation: cpuIn(brokerCpu, start, end),
    },
    deadLetters,
    snapshots,
    doubleSnapshots,
    progressLines,
    commitLog: probe.commitLog.map(([t, ms]) => [Math.round(t - start), ms]),
    shutdownMs,
    exit,
    loadavg1Before: loadBefore,
    rss: samples.map((s) => ({ t: Math.round(s.t - start), rss: s.rss, points: s.points, heapUsed: s.heapUsed ?? null, heapTotal: s.heapTotal ?? null, external: s.external ?? null, arrayBuffers: s.arrayBuffers ?? null })),
    series: probe.series.map(([t, n]) => [Math.round((t - start) * 10) / 10, n]),
    log: logLines.slice(0, 200),
  };
  log(
    `  processor ${label}: ${fmtInt(r.pointsPerSecond)} points/s, ${fmt1(r.mbPerSecond)} MB/s over ${(processingMs / 1000).toFixed(2)} s ` +
      `(startup ${(r.startupMs / 1000).toFixed(1)} s, snapshot with all points ${(r.snapshotLagMs / 1000).toFixed(1)} s after the last point; ` +
      `engine ${(probe.ingestMs / 1000).toFixed(2)} s, ${r.breakdown.commits} commits ${(r.breakdown.commitMs / 1000).toFixed(2)} s, ` +
      `no batch in hand ${(r.breakdown.betweenBatchesMs / 1000).toFixed(2)} s, rest ${(r.breakdown.otherInBatchMs / 1000).toFixed(2)} s, ` +
      `${r.doubleSnapshots} double snapshots, CPU ${fmtInt((r.breakdown.cpuUtilisation ?? NaN) * 100)}%, ${deadLetters} dead letters)`,
  );
  return r;
}
