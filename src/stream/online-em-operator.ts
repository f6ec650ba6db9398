import { asyncScheduler, Observable, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { OnlineEm, type EngineState } from '../em/online-em.js';
import type { OnlineEmOptions } from '../em/options.js';
import type { OnlineEmEvent } from './online-em-events.js';
import { isFloat64Input, positionOf, type PointInput } from './point-input.js';
import { SnapshotCadence } from './snapshot-cadence.js';

export interface OnlineEmOperatorOptions extends OnlineEmOptions {
  /** Emit a snapshot after this many minibatches (null: not by count). Default 10. */
  readonly snapshotEvery?: number | null;
  /** Emit a snapshot when this many ms have passed since the last (null: not by time). */
  readonly snapshotIntervalMs?: number | null;
  /** Emit progress events this often (ms); none when null. */
  readonly progressIntervalMs?: number | null;
  /**
   * On completion, update on the last partial minibatch before the final snapshot. True
   * for finite inputs; false when completion means a pause (a shutdown that will resume),
   * so the minibatches of a resumed run stay those of an uninterrupted one.
   */
  readonly flushOnComplete?: boolean;
  /**
   * Attach the full engine state to every snapshot event (for checkpoints); on
   * completion without a model, a final checkpoint event carries it instead.
   */
  readonly includeState?: boolean;
  /** Each notification makes the operator emit a checkpoint event at once. */
  readonly checkpointRequests?: Observable<unknown>;
  /** Resume from a checkpoint instead of starting afresh. */
  readonly initialState?: EngineState;
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
 * caused it is being handled. An error of the source is passed on. Each subscription
 * runs its own engine.
 */
export function onlineEm<P = unknown>(options: OnlineEmOperatorOptions): OperatorFunction<PointInput<P>, OnlineEmEvent<P>> {
  return (source) =>
    new Observable<OnlineEmEvent<P>>((subscriber) => {
      const scheduler = options.scheduler ?? asyncScheduler;
      const engine = options.initialState ? OnlineEm.restore(options, options.initialState) : new OnlineEm(options);
      const cadence = new SnapshotCadence(
        options.snapshotEvery === undefined ? 10 : options.snapshotEvery,
        options.snapshotIntervalMs ?? null,
        scheduler.now(),
      );
      const progressInterval = options.progressIntervalMs ?? null;
      let lastProgress = { time: scheduler.now(), points: engine.counters.pointsSeen };
      let position: P | undefined;

      const emitSnapshot = (final: boolean): void => {
        const snapshot = engine.snapshot(new Date(scheduler.now()));
        if (!snapshot) return;
        cadence.mark(engine.counters.batches, scheduler.now());
        subscriber.next({
          type: 'snapshot',
          snapshot,
          position,
          final,
          ...(options.includeState ? { state: engine.exportState() } : {}),
        });
      };

      const emitProgress = (now: number): void => {
        const seconds = (now - lastProgress.time) / 1000;
        const points = engine.counters.pointsSeen - lastProgress.points;
        lastProgress = { time: now, points: engine.counters.pointsSeen };
        const snapshot = engine.snapshot();
        subscriber.next({
          type: 'progress',
          counters: { ...engine.counters },
          pointsPerSecond: seconds > 0 ? points / seconds : 0,
          logLikelihood: snapshot?.logLikelihood ?? { last: null, average: null },
          warmingUp: engine.model === null,
        });
      };

      const emitCheckpoint = (final: boolean): void => {
        const snapshot = engine.snapshot(new Date(scheduler.now()));
        // A checkpoint that carries the model counts as a snapshot for the cadence.
        if (snapshot) cadence.mark(engine.counters.batches, scheduler.now());
        subscriber.next({ type: 'checkpoint', state: engine.exportState(), snapshot, position, final });
      };
      const requests = options.checkpointRequests?.subscribe(() => emitCheckpoint(false));

      const inputs = source.subscribe({
        next: (input) => {
          let rejections;
          try {
            rejections = isFloat64Input(input)
              ? engine.ingestFloat64(input.data, input.dim)
              : engine.ingestRows(Array.isArray(input) ? input : (input as { points: readonly unknown[] }).points);
          } catch (error) {
            // Bad input never throws; this is a bug, and the stream must say so rather than go on.
            subscriber.error(error);
            return;
          }
          position = positionOf(input);
          if (rejections.length > 0) subscriber.next({ type: 'rejected', rejections, position });
          const now = scheduler.now();
          if (cadence.due(engine.counters.batches, now)) emitSnapshot(false);
          if (progressInterval !== null && now - lastProgress.time >= progressInterval) emitProgress(now);
        },
        error: (error) => subscriber.error(error),
        complete: () => {
          if (options.flushOnComplete ?? true) engine.flush();
          if (engine.model) emitSnapshot(true);
          else if (options.includeState) emitCheckpoint(true);
          subscriber.complete();
        },
      });
      return () => {
        inputs.unsubscribe();
        requests?.unsubscribe();
      };
    });
}
