/**
 * online-em as a library: the RxJS operator, the engine behind it, and the types
 * that cross its boundary.
 */
export { onlineEm, type OnlineEmOperatorOptions } from './stream/online-em-operator.js';
export { FittingSession, type FittingSessionOptions } from './stream/fitting-session.js';
export type { OnlineEmEvent, SnapshotEvent, CheckpointEvent, RejectedEvent, ProgressEvent } from './stream/online-em-events.js';
export type { PointInput, PointRowsInput, Float64RowsInput } from './stream/point-input.js';
export { OnlineEm, type EngineState, type EngineCounters, type MinibatchUpdate, type UpdateListener } from './em/online-em.js';
export { resolveOptions, defaultWarmup, DEFAULTS, type OnlineEmOptions, type ResolvedOptions } from './em/options.js';
export { ENGINE_OPTION_SCHEMA, type OptionSchema } from './em/option-schema.js';
export { InvalidOptionError, IncompatibleStateError } from './em/errors.js';
export { decodeEngineState, encodeEngineState, FLOAT64_AS_NUMBERS, type Float64Json } from './em/engine-state-codec.js';
export { SNAPSHOT_SCHEMA, paramsFromSnapshot, type MixtureSnapshot } from './em/snapshot.js';
export type { PublishedSnapshot } from './kafka/published-snapshot.js';
export type { PartitionOffset } from './kafka/checkpoint.js';
// For a kafkajs consumer of the topics of your own: read_committed without kafkajs 2.2.4's aborted records.
export { hideAbortedRecordsInFetches } from './kafka/read-committed/aborted-records.js';
export type { AnomalySummary } from './score/anomaly-threshold.js';
export type { IndexedRejection, PointRejection, RejectionCode } from './em/point-validation.js';
export type { CovarianceType, MixtureParams, PointBatch, SufficientStats } from './em/types.js';
export { fitBatchEm, type BatchEmOptions, type BatchEmResult } from './em/batch-em.js';
// The parallel E-step's threads are unref'd (a process exits without this); closing them is for embedders and tests.
export { closeStatisticsExecutors, defaultThreads } from './em/parallel/executors.js';
export { meanLogLikelihood } from './em/score.js';
export { mergeStats } from './em/sufficient-stats.js';
export { randomMixture, sampleMixture } from './synthetic/mixture-generator.js';
export { scorePoints, pointScorer, type PointScores, type PointScorer, type ScoringPoints, type ScoringOptions } from './score/score-points.js';
export { InvalidMixtureError, type ScoringModel, type MixtureSnapshotLike } from './score/scoring-model.js';
export { argmaxComponents } from './score/argmax-components.js';
