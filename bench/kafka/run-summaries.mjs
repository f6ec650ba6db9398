// Median and range of the repeated runs, field by field, for the report.
import { pct, fmtInt, range } from '../lib/format.mjs';
import { spread } from '../lib/stats.mjs';
import { VARIANTS } from './engine-alone-runs.mjs';
import { log } from './session.mjs';

/** Median and range of each named field over the runs that did not fail. */
const summaries = (list, keys, field = (x, k) => x[k]) => Object.fromEntries(keys.map((k) => [k, spread(list.filter((x) => !x.error).map((x) => field(x, k)))]));

/** Points/s of each engine-alone variant by format. */
export function summariseEngineAlone(engineRuns) {
  const engineAlone = {};
  for (const f of ['binary', 'json']) {
    engineAlone[f] = Object.fromEntries(VARIANTS.map((k) => [k, spread(engineRuns[f].map((r) => r[k]?.pointsPerSecond))]));
  }
  return engineAlone;
}

/** The processor's and the bare consumer's figures by format, and their ratio round by round. */
export function summariseThroughput(runs) {
  const throughput = {};
  for (const f of ['binary', 'json']) {
    const { processor, bare } = runs[f];
    // Processor over bare consumer of the same round, for one processor figure.
    const ratioOf = (key) => spread(processor.map((p, i) => (p.error || bare[i]?.error ? null : p[key] / bare[i].pointsPerSecond)));
    throughput[f] = {
      processor: {
        ...summaries(processor, ['pointsPerSecond', 'mbPerSecond', 'steadyPointsPerSecond', 'processingMs', 'e2eMs', 'e2ePointsPerSecond', 'snapshotLagMs', 'startupMs', 'fromFirstPointPointsPerSecond']),
        breakdown: summaries(
          processor,
          ['engineMs', 'commitMs', 'commits', 'fetches', 'fetchMs', 'betweenBatchesMs', 'otherInBatchMs', 'insideBatchMs', 'gcMs', 'cpuUtilisation', 'brokerCpuUtilisation', 'maxIngestCallMs', 'maxCommitMs', 'messagesPerBatch'],
          (x, k) => x.breakdown[k],
        ),
        ...summaries(processor, ['withoutEnginePointsPerSecond']),
      },
      bare: summaries(bare, ['pointsPerSecond', 'mbPerSecond', 'processingMs', 'betweenBatchesMs', 'insideBatchMs', 'fetchMs', 'cpuUtilisation', 'startupMs']),
      ratio: ratioOf('pointsPerSecond'),
      failures: [...processor, ...bare].filter((x) => x.error).map((x) => `${x.label}: ${x.error}`),
      withoutEngineRatio: ratioOf('withoutEnginePointsPerSecond'),
    };
    throughput[f].doubleSnapshots = processor.filter((x) => !x.error).map((x) => x.doubleSnapshots);
    log(
      `${f}: processor ${range(throughput[f].processor.pointsPerSecond, fmtInt)} points/s, bare ${range(throughput[f].bare.pointsPerSecond, fmtInt)} points/s, ` +
        `ratio ${range(throughput[f].ratio, pct)}`,
    );
  }
  return throughput;
}

/** The processor over SASL_SSL against plaintext, on the same backlog, round by round. */
export function summariseTls(runs) {
  if (runs.skipped) return runs;
  const ok = (r) => r && !r.error;
  const tls = {
    tls: summaries(runs.tls, ['pointsPerSecond', 'mbPerSecond', 'startupMs']),
    plaintext: summaries(runs.plaintext, ['pointsPerSecond', 'mbPerSecond', 'startupMs']),
    ratio: spread(runs.tls.map((t, i) => (ok(t) && ok(runs.plaintext[i]) ? t.pointsPerSecond / runs.plaintext[i].pointsPerSecond : null))),
    failures: [...runs.tls, ...runs.plaintext].filter((x) => x.error).map((x) => `${x.label}: ${x.error}`),
  };
  log(`TLS: ${range(tls.tls.pointsPerSecond, fmtInt)} points/s over SASL_SSL, ${range(tls.plaintext.pointsPerSecond, fmtInt)} over plaintext, ratio ${range(tls.ratio, pct)}`);
  return tls;
}
