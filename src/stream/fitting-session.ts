import { OnlineEm, type EngineState, type UpdateListener } from '../em/online-em.js';
import type { OnlineEmOptions } from '../em/options.js';
import type { CheckpointEvent, OnlineEmEvent, ProgressEvent, SnapshotEvent } from './online-em-events.js';
import type { MixtureSnapshot } from '../em/snapshot.js';
import { ingestCutAtBoundaries } from './minibatch-cuts.js';
import { positionOf, type PointInput } from './point-input.js';
import { SnapshotCadence } from './snapshot-cadence.js';

export interface FittingSessionOptions extends OnlineEmOptions {
  /** Emit a snapshot after this many minibatches (null: not by count). Default 10. */
  readonly snapshotEvery?: number | null;
  /** Emit a snapshot when this many ms have passed since the last (null: not by time). */
  readonly snapshotIntervalMs?: number | null;
  /** Emit progress events this often (ms); none when null. */
  readonly progressIntervalMs?: number | null;
  /**
   * Attach the full engine state to every snapshot event (for checkpoints); on
   * completion without a model, a final checkpoint event carries it instead.
   */
  readonly includeState?: boolean;
  /** Resume from a checkpoint instead of starting afresh. */
  readonly initialState?: EngineState;
}

/**
 * One fit driven by direct, synchronous calls: the engine with its snapshot cadence and
 * progress reporting. `ingest` takes one input item and returns the events it caused;
 * `checkpoint` returns the state now; `complete` ends the input. Everything an adapter
 * needs (the RxJS operator, the Kafka processor's model slots) without a hidden channel:
 * each call's result says what happened. `now` is the clock of the time-based cadences.
 */
export class FittingSession<P = unknown> {
  readonly engine: OnlineEm;
  private readonly cadence: SnapshotCadence;
  private readonly progressInterval: number | null;
  private lastProgress: { time: number; points: number };
  private position: P | undefined;

  constructor(
    private readonly options: FittingSessionOptions,
    private readonly now: () => number,
  ) {
    this.engine = options.initialState ? OnlineEm.restore(options, options.initialState) : new OnlineEm(options);
    const every = options.snapshotEvery === undefined ? 10 : options.snapshotEvery;
    this.cadence = new SnapshotCadence(every, options.snapshotIntervalMs ?? null, now(), this.engine.counters.batches);
    this.progressInterval = options.progressIntervalMs ?? null;
    this.lastProgress = { time: now(), points: this.engine.counters.pointsSeen };
  }

  /**
   * Ingest one input item: its rejected points, then the snapshots due on the count
   * cadence (each the model at its own minibatch boundary, even inside the item), then a
   * snapshot due by time, then progress if due. `onUpdate` hears every stepwise update
   * the item completes.
   */
  ingest(input: PointInput<P>, onUpdate?: UpdateListener): OnlineEmEvent<P>[] {
    const engine = this.engine;
    const atBoundaries: MixtureSnapshot[] = [];
    const takeAtBoundary = (): void => {
      const now = this.now();
      const snapshot = engine.snapshot(new Date(now));
      if (!snapshot) return;
      atBoundaries.push(snapshot);
      this.cadence.mark(engine.counters.batches, now);
    };
    // With the state (the Kafka processor) a snapshot goes with its message's offsets, so it
    // must be the model after the whole message: items are not cut, the cadence is checked after each.
    const nextDue = this.options.includeState ? () => null : () => this.cadence.nextDueBatch();
    const rejections = ingestCutAtBoundaries(engine, input, nextDue, takeAtBoundary, onUpdate);
    this.position = positionOf(input);
    const events: OnlineEmEvent<P>[] = [];
    if (rejections.length > 0) events.push({ type: 'rejected', rejections, position: this.position });
    for (const snapshot of atBoundaries) events.push({ type: 'snapshot', snapshot, position: this.position, final: false });
    const now = this.now();
    if (this.cadence.due(engine.counters.batches, now)) {
      const snapshot = this.snapshot(false);
      if (snapshot) events.push(snapshot);
    }
    if (this.progressInterval !== null && now - this.lastProgress.time >= this.progressInterval) events.push(this.progress(now));
    return events;
  }

  /** The full state now, with the current model (null while warming up). */
  checkpoint(final = false): CheckpointEvent<P> {
    const now = this.now();
    const snapshot = this.engine.snapshot(new Date(now));
    // A checkpoint that carries the model counts as a snapshot for the cadence.
    if (snapshot) this.cadence.mark(this.engine.counters.batches, now);
    return { type: 'checkpoint', state: this.engine.exportState(), snapshot, position: this.position, final };
  }

  /**
   * The input has ended. With `flush`, the last partial minibatch updates the model (a
   * finite input); without, it stays buffered (a pause that a restart resumes). Returns
   * the final snapshot, or while still warming up and asked for state, a final checkpoint.
   */
  complete(flush: boolean, onUpdate?: UpdateListener): OnlineEmEvent<P>[] {
    if (flush) this.engine.flush(onUpdate);
    const snapshot = this.snapshot(true);
    if (snapshot) return [snapshot];
    return this.options.includeState ? [this.checkpoint(true)] : [];
  }

  private snapshot(final: boolean): SnapshotEvent<P> | null {
    const now = this.now();
    const snapshot = this.engine.snapshot(new Date(now));
    if (!snapshot) return null;
    this.cadence.mark(this.engine.counters.batches, now);
    return { type: 'snapshot', snapshot, position: this.position, final, ...(this.options.includeState ? { state: this.engine.exportState() } : {}) };
  }

  private progress(now: number): ProgressEvent {
    const { counters } = this.engine;
    const seconds = (now - this.lastProgress.time) / 1000;
    const points = counters.pointsSeen - this.lastProgress.points;
    this.lastProgress = { time: now, points: counters.pointsSeen };
    const snapshot = this.engine.snapshot();
    return {
      type: 'progress',
      counters: { ...counters },
      pointsPerSecond: seconds > 0 ? points / seconds : 0,
      logLikelihood: snapshot?.logLikelihood ?? { last: null, average: null },
      warmingUp: this.engine.model === null,
    };
  }
}
