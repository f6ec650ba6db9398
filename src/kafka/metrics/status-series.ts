import type { ProcessorState, ProcessorStatus } from '../processor-status.js';

const PROCESSOR_STATES: readonly ProcessorState[] = ['starting', 'joining', 'standby', 'consuming', 'retrying', 'stopping', 'stopped'];

/** Process memory (process.memoryUsage()), read at each scrape. */
export interface ProcessMemory {
  readonly rss: number;
  readonly heapUsed: number;
}

/** One sample of a series: its labels besides `model`, and its value. */
export interface SeriesSample {
  readonly labels?: Readonly<Record<string, string>>;
  readonly value: number;
}

/**
 * A series read from the processor's status at each scrape (`online_em_` + name). Its
 * samples are empty while the value is not known yet: the series then has no sample.
 * Counters report the value as of the last commit, so they only grow during a process's life.
 */
export interface StatusSeries {
  readonly name: string;
  readonly type: 'counter' | 'gauge';
  readonly help: string;
  /** Labels besides `model`. */
  readonly labels: readonly string[];
  readonly samples: (status: ProcessorStatus, memory: ProcessMemory) => readonly SeriesSample[];
}

const known = (value: number | null | undefined): readonly SeriesSample[] => (value == null ? [] : [{ value }]);

const series = (name: string, type: StatusSeries['type'], help: string, samples: StatusSeries['samples'], labels: readonly string[] = []): StatusSeries => ({ name, type, help, labels, samples });

/** The lag, state, ownership, session and memory series: the same in both modes. */
const PROCESS_SERIES: readonly StatusSeries[] = [
  series(
    'consumer_lag_messages',
    'gauge',
    'Messages between the last one processed and the end of the partition, at the last fetch.',
    (s) => s.lag.map((l) => ({ labels: { topic: l.topic, partition: String(l.partition) }, value: l.messages })),
    ['topic', 'partition'],
  ),
  series('consuming', 'gauge', '1 while this instance holds the model and consumes the input; 0 while starting, joining, standing by, retrying or stopping.', (s) => known(s.state === 'consuming' ? 1 : 0)),
  series('standby', 'gauge', '1 while another instance of the model holds the input partitions and this one stands by to take over.', (s) => known(s.state === 'standby' ? 1 : 0)),
  series('state', 'gauge', 'The processor state: 1 for the current one.', (s) => PROCESSOR_STATES.map((state) => ({ labels: { state }, value: s.state === state ? 1 : 0 })), ['state']),
  series('takeovers_total', 'counter', 'Times this process took the model over (its first start included).', (s) => known(s.takeovers)),
  series('handovers_total', 'counter', 'Times the group moved the model from this process to another instance.', (s) => known(s.handovers)),
  series('sessions_total', 'counter', 'Consumer sessions started.', (s) => known(s.sessions)),
  series('session_failures_total', 'counter', 'Sessions ended by a Kafka error (each is retried with backoff).', (s) => known(s.sessionFailures)),
  series('resident_memory_bytes', 'gauge', 'Resident set size of the process.', (_, m) => known(m.rss)),
  series('heap_used_bytes', 'gauge', 'V8 heap in use.', (_, m) => known(m.heapUsed)),
];

/** One model per process: its last committed checkpoint and snapshot, and the engine's live figures. */
export const SINGLE_MODEL_SERIES: readonly StatusSeries[] = [
  series('points_total', 'counter', 'Points in the model as of the last commit.', (s) => known(s.committed?.engine.pointsSeen ?? 0)),
  series('points_rejected_total', 'counter', 'Points refused with a reason (sent to the dead-letter topic), as of the last commit.', (s) => known(s.committed?.engine.rejected ?? 0)),
  series('messages_total', 'counter', 'Input messages consumed, as of the last commit.', (s) => known(s.committed?.counters.messages ?? 0)),
  series('dead_letters_total', 'counter', 'Messages written to the dead-letter topic, as of the last commit.', (s) => known(s.committed?.counters.deadLettered ?? 0)),
  series('snapshots_published_total', 'counter', 'Snapshots committed to the snapshot topic.', (s) => known(s.committed?.counters.snapshotsPublished ?? 0)),
  series('checkpoints_total', 'counter', 'Checkpoints committed (each with its snapshot, dead letters and input offsets).', (s) => known(s.committed?.counters.checkpoints ?? 0)),
  series('minibatches_total', 'counter', 'Stepwise-EM updates, as of the last commit.', (s) => known(s.committed?.engine.batches ?? 0)),
  series('changes_total', 'counter', 'Abrupt changes detected in the prequential log-likelihood (each starts a challenger fit), as of the last snapshot.', (s) => known(s.committed?.changes ?? 0)),
  series('scores_records_total', 'counter', 'Records committed to the scores topic (one per input message with accepted points; 0 without --scores-topic).', (s) => known(s.committed?.counters.scoresPublished ?? 0)),
  series('points_scored_total', 'counter', 'Points scored on the scores topic, as of the last commit.', (s) => known(s.committed?.counters.pointsScored ?? 0)),
  series('anomalies_total', 'counter', 'Scored points flagged as anomalies, as of the last commit.', (s) => known(s.committed?.counters.anomalies ?? 0)),
  series('anomaly_threshold', 'gauge', 'Log-likelihood (nats) below which a point is flagged, at the last commit.', (s) => known(s.committed?.anomaly?.threshold)),
  series('anomaly_rate', 'gauge', 'Fraction of recent scored points flagged, at the last commit.', (s) => known(s.committed?.anomaly?.rate)),
  series('reseeds_total', 'counter', 'Dead components re-seeded.', (s) => known(s.committed?.engine.reseeds ?? 0)),
  series('jitter_events_total', 'counter', 'Covariances that needed diagonal jitter to stay positive definite.', (s) => known(s.committed?.engine.jitterEvents ?? 0)),
  series('skipped_batches_total', 'counter', 'Updates discarded because they were not finite.', (s) => known(s.committed?.engine.skippedBatches ?? 0)),
  series('log_likelihood_average', 'gauge', 'Moving average of the prequential log-likelihood, nats per point, at the last commit.', (s) => known(s.committed?.logLikelihoodAverage)),
  series('step_size', 'gauge', 'Step size of the last update at the last commit.', (s) => known(s.committed?.stepSize)),
  series('converged', 'gauge', '1 when the moving log-likelihood average has stopped changing.', (s) => known(s.committed?.converged == null ? null : s.committed.converged ? 1 : 0)),
  series('last_commit_timestamp_seconds', 'gauge', 'When the last checkpoint was committed (Unix time).', (s) => known(s.committed?.at == null ? null : s.committed.at / 1000)),
  // Before the first progress event of a process, the committed checkpoint tells.
  series('live_points', 'gauge', 'Points through the engine now, committed or not.', (s) => known(s.live?.pointsSeen ?? s.committed?.engine.pointsSeen ?? 0)),
  series('points_per_second', 'gauge', 'Engine throughput over the last progress interval.', (s) => known(s.live?.pointsPerSecond ?? 0)),
  series('warming_up', 'gauge', '1 while the warm-up buffer fills (no model yet).', (s) => known((s.live ? s.live.warmingUp : !s.committed || s.committed.engine.batches === 0) ? 1 : 0)),
  ...PROCESS_SERIES,
];

/**
 * Keyed mode: sums over the partitions this process holds (as last committed), the keys in
 * memory and known, evictions; per-key log-likelihoods only when asked for (--key-metrics:
 * a series per key). The restore latency is a histogram fed by events (latency-histograms.ts).
 */
export const KEYED_SERIES: readonly StatusSeries[] = [
  // Sums over the partitions held: they fall when one moves to another instance, so they are gauges (sum them over the instances).
  series('points_total', 'gauge', 'Points in the models of the partitions this process holds, as of their last commits.', (s) => known(s.keyed?.committed.points ?? 0)),
  series('messages_total', 'gauge', 'Input messages of the partitions this process holds, as of their last commits.', (s) => known(s.keyed?.committed.messages ?? 0)),
  series('dead_letters_total', 'gauge', 'Dead letters of the partitions this process holds, as of their last commits.', (s) => known(s.keyed?.committed.deadLettered ?? 0)),
  series('snapshots_published_total', 'gauge', 'Key snapshots committed for the partitions this process holds.', (s) => known(s.keyed?.committed.snapshots ?? 0)),
  series('checkpoints_total', 'counter', 'Key checkpoints this process committed.', (s) => known(s.keyed?.committed.checkpoints ?? 0)),
  series(
    'keys',
    'gauge',
    'Keys with a model in memory, and keys with a checkpoint in the partitions this process holds.',
    (s) => [
      { labels: { where: 'memory' }, value: s.keyed?.keysInMemory ?? 0 },
      { labels: { where: 'known' }, value: s.keyed?.keysKnown ?? 0 },
    ],
    ['where'],
  ),
  series('key_evictions_total', 'counter', "Key models evicted from memory (--max-keys); each is read back at its key's next message.", (s) => known(s.keyed?.evictions ?? 0)),
  series(
    'key_log_likelihood_average',
    'gauge',
    'Per key: moving average of the prequential log-likelihood at its last commit (--key-metrics).',
    (s) => [...(s.keyed?.keyLogLikelihoods ?? [])].map(([key, value]) => ({ labels: { key }, value })),
    ['key'],
  ),
  series('live_points', 'gauge', 'Points through the engines of the partitions held now, committed or not.', (s) => known(s.live?.pointsSeen ?? s.keyed?.committed.points ?? 0)),
  series('points_per_second', 'gauge', 'Engine throughput over the last progress interval.', (s) => known(s.live?.pointsPerSecond ?? 0)),
  ...PROCESS_SERIES,
];
