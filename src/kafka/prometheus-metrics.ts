import { RESTORE_BUCKETS_SECONDS, type KeyedStatus } from './keyed/keyed-status.js';
import type { ProcessorState, ProcessorStatus } from './processor-status.js';

const PROCESSOR_STATES: readonly ProcessorState[] = ['starting', 'joining', 'standby', 'consuming', 'retrying', 'stopping', 'stopped'];

/** Process memory for the exposition (process.memoryUsage()). */
export interface ProcessMemory {
  readonly rss: number;
  readonly heapUsed: number;
}

interface Sample {
  readonly labels?: Readonly<Record<string, string>>;
  readonly value: number;
}

/**
 * The processor's status in the Prometheus text exposition format (version 0.0.4).
 * Every series carries the model's name as a label, so several processors can share
 * one scrape configuration.
 */
export function prometheusMetrics(status: ProcessorStatus, memory: ProcessMemory): string {
  const lines: string[] = [];
  const model = { model: status.model };
  const metric = (name: string, type: 'counter' | 'gauge', help: string, samples: readonly Sample[]): void => {
    lines.push(`# HELP online_em_${name} ${help}`, `# TYPE online_em_${name} ${type}`);
    for (const s of samples) lines.push(`online_em_${name}${labelText({ ...model, ...s.labels })} ${numberText(s.value)}`);
  };
  const c = status.committed;
  if (status.keyed) return `${keyedMetrics(status, status.keyed, memory, metric, lines).join('\n')}\n`;
  metric('points_total', 'counter', 'Points in the model as of the last commit.', [{ value: c?.engine.pointsSeen ?? 0 }]);
  metric('points_rejected_total', 'counter', 'Points refused with a reason (sent to the dead-letter topic), as of the last commit.', [
    { value: c?.engine.rejected ?? 0 },
  ]);
  metric('messages_total', 'counter', 'Input messages consumed, as of the last commit.', [{ value: c?.counters.messages ?? 0 }]);
  metric('dead_letters_total', 'counter', 'Messages written to the dead-letter topic, as of the last commit.', [{ value: c?.counters.deadLettered ?? 0 }]);
  metric('snapshots_published_total', 'counter', 'Snapshots committed to the snapshot topic.', [{ value: c?.counters.snapshotsPublished ?? 0 }]);
  metric('checkpoints_total', 'counter', 'Checkpoints committed (each with its snapshot, dead letters and input offsets).', [
    { value: c?.counters.checkpoints ?? 0 },
  ]);
  metric('minibatches_total', 'counter', 'Stepwise-EM updates, as of the last commit.', [{ value: c?.engine.batches ?? 0 }]);
  metric('changes_total', 'counter', 'Abrupt changes detected in the prequential log-likelihood (each starts a challenger fit), as of the last snapshot.', [
    { value: c?.changes ?? 0 },
  ]);
  metric('scores_records_total', 'counter', 'Records committed to the scores topic (one per input message with accepted points; 0 without --scores-topic).', [
    { value: c?.counters.scoresPublished ?? 0 },
  ]);
  metric('points_scored_total', 'counter', 'Points scored on the scores topic, as of the last commit.', [{ value: c?.counters.pointsScored ?? 0 }]);
  metric('anomalies_total', 'counter', 'Scored points flagged as anomalies, as of the last commit.', [{ value: c?.counters.anomalies ?? 0 }]);
  if (c?.anomaly?.threshold != null) metric('anomaly_threshold', 'gauge', 'Log-likelihood (nats) below which a point is flagged, at the last commit.', [{ value: c.anomaly.threshold }]);
  if (c?.anomaly?.rate != null) metric('anomaly_rate', 'gauge', 'Fraction of recent scored points flagged, at the last commit.', [{ value: c.anomaly.rate }]);
  metric('reseeds_total', 'counter', 'Dead components re-seeded.', [{ value: c?.engine.reseeds ?? 0 }]);
  metric('jitter_events_total', 'counter', 'Covariances that needed diagonal jitter to stay positive definite.', [{ value: c?.engine.jitterEvents ?? 0 }]);
  metric('skipped_batches_total', 'counter', 'Updates discarded because they were not finite.', [{ value: c?.engine.skippedBatches ?? 0 }]);
  if (c?.logLikelihoodAverage != null) {
    metric('log_likelihood_average', 'gauge', 'Moving average of the prequential log-likelihood, nats per point, at the last commit.', [
      { value: c.logLikelihoodAverage },
    ]);
  }
  if (c?.stepSize != null) metric('step_size', 'gauge', 'Step size of the last update at the last commit.', [{ value: c.stepSize }]);
  if (c?.converged != null) metric('converged', 'gauge', '1 when the moving log-likelihood average has stopped changing.', [{ value: c.converged ? 1 : 0 }]);
  if (c?.at != null) metric('last_commit_timestamp_seconds', 'gauge', 'When the last checkpoint was committed (Unix time).', [{ value: c.at / 1000 }]);
  // Before the first progress event of a process, the committed checkpoint tells.
  metric('live_points', 'gauge', 'Points through the engine now, committed or not.', [{ value: status.live?.pointsSeen ?? c?.engine.pointsSeen ?? 0 }]);
  metric('points_per_second', 'gauge', 'Engine throughput over the last progress interval.', [{ value: status.live?.pointsPerSecond ?? 0 }]);
  const warmingUp = status.live ? status.live.warmingUp : !c || c.engine.batches === 0;
  metric('warming_up', 'gauge', '1 while the warm-up buffer fills (no model yet).', [{ value: warmingUp ? 1 : 0 }]);
  processMetrics(status, memory, metric);
  return `${lines.join('\n')}\n`;
}

type MetricWriter = (name: string, type: 'counter' | 'gauge', help: string, samples: readonly Sample[]) => void;

/** The lag, state, ownership, session and memory series: the same in both modes. */
function processMetrics(status: ProcessorStatus, memory: ProcessMemory, metric: MetricWriter): void {
  metric(
    'consumer_lag_messages',
    'gauge',
    'Messages between the last one processed and the end of the partition, at the last fetch.',
    status.lag.map((l) => ({ labels: { topic: l.topic, partition: String(l.partition) }, value: l.messages })),
  );
  metric('consuming', 'gauge', '1 while this instance holds the model and consumes the input; 0 while starting, joining, standing by, retrying or stopping.', [
    { value: status.state === 'consuming' ? 1 : 0 },
  ]);
  metric('standby', 'gauge', '1 while another instance of the model holds the input partitions and this one stands by to take over.', [
    { value: status.state === 'standby' ? 1 : 0 },
  ]);
  metric('state', 'gauge', 'The processor state: 1 for the current one.', PROCESSOR_STATES.map((state) => ({ labels: { state }, value: status.state === state ? 1 : 0 })));
  metric('takeovers_total', 'counter', 'Times this process took the model over (its first start included).', [{ value: status.takeovers }]);
  metric('handovers_total', 'counter', 'Times the group moved the model from this process to another instance.', [{ value: status.handovers }]);
  metric('sessions_total', 'counter', 'Consumer sessions started.', [{ value: status.sessions }]);
  metric('session_failures_total', 'counter', 'Sessions ended by a Kafka error (each is retried with backoff).', [{ value: status.sessionFailures }]);
  metric('resident_memory_bytes', 'gauge', 'Resident set size of the process.', [{ value: memory.rss }]);
  metric('heap_used_bytes', 'gauge', 'V8 heap in use.', [{ value: memory.heapUsed }]);
}

/**
 * Keyed mode: counts over the partitions this process holds (as last committed), the keys
 * in memory and known, evictions, and the restore latency of evicted keys as a histogram;
 * per-key log-likelihoods only when asked for (--key-metrics: a series per key).
 */
function keyedMetrics(status: ProcessorStatus, keyed: KeyedStatus, memory: ProcessMemory, metric: MetricWriter, lines: string[]): string[] {
  const c = keyed.committed;
  // Sums over the partitions held: they fall when one moves to another instance, so they are gauges (sum them over the instances).
  metric('points_total', 'gauge', 'Points in the models of the partitions this process holds, as of their last commits.', [{ value: c.points }]);
  metric('messages_total', 'gauge', 'Input messages of the partitions this process holds, as of their last commits.', [{ value: c.messages }]);
  metric('dead_letters_total', 'gauge', 'Dead letters of the partitions this process holds, as of their last commits.', [{ value: c.deadLettered }]);
  metric('snapshots_published_total', 'gauge', 'Key snapshots committed for the partitions this process holds.', [{ value: c.snapshots }]);
  metric('checkpoints_total', 'counter', 'Key checkpoints this process committed.', [{ value: c.checkpoints }]);
  metric('keys', 'gauge', 'Keys with a model in memory, and keys with a checkpoint in the partitions this process holds.', [
    { labels: { where: 'memory' }, value: keyed.keysInMemory },
    { labels: { where: 'known' }, value: keyed.keysKnown },
  ]);
  metric('key_evictions_total', 'counter', 'Key models evicted from memory (--max-keys); each is read back at its key\'s next message.', [{ value: keyed.evictions }]);
  const name = 'online_em_key_restore_seconds';
  lines.push(`# HELP ${name} Time an evicted key waited for its checkpoint to be read back from the state topic.`, `# TYPE ${name} histogram`);
  const model = labelText({ model: status.model }).slice(1, -1);
  RESTORE_BUCKETS_SECONDS.forEach((le, i) => lines.push(`${name}_bucket{${model},le="${le}"} ${keyed.restores.buckets[i]}`));
  lines.push(`${name}_bucket{${model},le="+Inf"} ${keyed.restores.count}`, `${name}_sum{${model}} ${numberText(keyed.restores.sumSeconds)}`, `${name}_count{${model}} ${keyed.restores.count}`);
  if (keyed.keyLogLikelihoods) {
    metric(
      'key_log_likelihood_average',
      'gauge',
      'Per key: moving average of the prequential log-likelihood at its last commit (--key-metrics).',
      [...keyed.keyLogLikelihoods].map(([key, value]) => ({ labels: { key }, value })),
    );
  }
  metric('live_points', 'gauge', 'Points through the engines of the partitions held now, committed or not.', [{ value: status.live?.pointsSeen ?? c.points }]);
  metric('points_per_second', 'gauge', 'Engine throughput over the last progress interval.', [{ value: status.live?.pointsPerSecond ?? 0 }]);
  processMetrics(status, memory, metric);
  return lines;
}

function labelText(labels: Readonly<Record<string, string>>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function numberText(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}
