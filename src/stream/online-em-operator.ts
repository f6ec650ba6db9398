import { asyncScheduler, Observable, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { FittingSession, type FittingSessionOptions } from './fitting-session.js';
import type { OnlineEmEvent } from './online-em-events.js';
import type { PointInput } from './point-input.js';

export interface OnlineEmOperatorOptions extends FittingSessionOptions {
  /**
   * On completion, update on the last partial minibatch before the final snapshot. True
   * for finite inputs; false when completion means a pause (a shutdown that will resume),
   * so the minibatches of a resumed run stay those of an uninterrupted one.
   */
  readonly flushOnComplete?: boolean;
  /** Each notification makes the operator emit a checkpoint event at once. */
  readonly checkpointRequests?: Observable<unknown>;
  /** Clock for the time-based cadences (tests pass a virtual one). */
  readonly scheduler?: SchedulerLike;
}

/**
 * Fit a Gaussian mixture by stepwise online EM to a stream of point batches.
 *
 * Emits `snapshot` events on the cadence and always a final one when the source
 * completes (once a model exists: after the warm-up, or from a short warm-up when the
 * input ends early), `rejected` events for refused points (bad input is never an
 * error of the stream), `progress` events on the progress interval, and `checkpoint`
 * events on request. Everything is emitted synchronously while the input item that
 * caused it is being handled. An error of the source is passed on, and so is any
 * throw of the fit itself (a bug): the stream errors, it never throws past it. Each
 * subscription runs its own FittingSession.
 */
export function onlineEm<P = unknown>(options: OnlineEmOperatorOptions): OperatorFunction<PointInput<P>, OnlineEmEvent<P>> {
  return (source) =>
    new Observable<OnlineEmEvent<P>>((subscriber) => {
      const scheduler = options.scheduler ?? asyncScheduler;
      let session: FittingSession<P>;
      try {
        session = new FittingSession<P>(options, () => scheduler.now());
      } catch (error) {
        subscriber.error(error);
        return;
      }
      /** Run one handler; whatever it throws ends the stream with that error, as RxJS's own operators do. */
      const guarded = (work: () => readonly OnlineEmEvent<P>[]): boolean => {
        // After an error (a synchronous source may go on emitting until it is unsubscribed), do nothing.
        if (subscriber.closed) return false;
        let events: readonly OnlineEmEvent<P>[];
        try {
          events = work();
        } catch (error) {
          subscriber.error(error);
          return false;
        }
        for (const event of events) subscriber.next(event);
        return true;
      };
      const requests = options.checkpointRequests?.subscribe({
        next: () => void guarded(() => [session.checkpoint()]),
        error: (error: unknown) => subscriber.error(error),
      });
      const inputs = source.subscribe({
        next: (input) => void guarded(() => session.ingest(input)),
        error: (error) => subscriber.error(error),
        complete: () => {
          if (guarded(() => session.complete(options.flushOnComplete ?? true))) subscriber.complete();
        },
      });
      return () => {
        inputs.unsubscribe();
        requests?.unsubscribe();
      };
    });
}
