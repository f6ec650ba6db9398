import type { ProcessorEvent } from './processor-events.js';

/**
 * The fields a JSON log line of the processor carries at its top level, under the same names
 * whatever the event (README, "Structured logs"), beside the event's own fields:
 * - `partition`: the input partition the line is about;
 * - `points`: points in the model (in keyed mode, in the partition's keys);
 * - `logLikelihood`: the prequential log-likelihood, nats per point (a committed snapshot's
 *   moving average; progress: the last minibatch's);
 * - `lag`: messages behind the end of the input partitions;
 * - `errorCode`: what failed, on the lines of a failure.
 * `model` is on every line (bound to the processor's logger).
 */
export interface LogFields {
  readonly partition?: number;
  readonly points?: number;
  readonly logLikelihood?: number | null;
  readonly lag?: number;
  readonly errorCode?: string;
}

/** The codes of the failures that are not Kafka's own errors. */
export const ERROR_CODES = { fenced: 'fenced', modelStateRefused: 'model-state-refused' } as const;

export function logFields(event: ProcessorEvent): LogFields {
  switch (event.type) {
    case 'restored':
      return { points: event.points };
    case 'skipped':
      return { partition: event.partition };
    case 'committed':
      return event.snapshot
        ? { points: event.snapshot.pointsSeen, logLikelihood: event.snapshot.logLikelihoodAverage }
        : { points: event.engine.pointsSeen };
    case 'progress':
      return { ...(event.pointsSeen === null ? {} : { points: event.pointsSeen }), lag: event.lag, logLikelihood: event.logLikelihood };
    case 'session-failed':
      return { errorCode: event.errorCode };
    case 'connection-refused':
      // credentials, authorization, certificate, protocol: what to fix.
      return { errorCode: event.kind };
    case 'fenced':
      return { errorCode: ERROR_CODES.fenced };
    case 'model-state-refused':
      return { errorCode: ERROR_CODES.modelStateRefused };
    case 'keyed-committed':
      return { partition: event.partition, points: event.points };
    default:
      return {};
  }
}
