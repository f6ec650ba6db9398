import type { OnlineEm, UpdateListener } from '../../em/online-em.js';
import type { OnlineEmOptions } from '../../em/options.js';
import type { MixtureSnapshot } from '../../em/snapshot.js';
import { FittingSession } from '../../stream/fitting-session.js';
import type { RejectedEvent } from '../../stream/online-em-events.js';
import type { PointInput } from '../../stream/point-input.js';
import type { ProcessorCounters } from '../checkpoint.js';
import type { MessagePosition } from '../message-format.js';
import type { PublishedSnapshot } from '../processor-types.js';
import type { KeyCheckpoint } from './keyed-records.js';
import { seedForKey } from './key-seed.js';

/** A key's snapshot record: the model's snapshot with the key it belongs to. */
export interface KeySnapshot extends PublishedSnapshot {
  readonly key: string;
}

/**
 * One key's model in keyed mode: its fitting session (the run's engine options, seeded
 * from the key), its counters, and the next offset of its partition it has read. Snapshots
 * and checkpoints are taken at the commits of its partition, not on a cadence of its own:
 * a commit writes every key that changed since the last one.
 */
export class KeyModel {
  private readonly session: FittingSession<MessagePosition>;
  private readonly counters: ProcessorCounters;
  private next: bigint | null;
  /** Changed since the last commit of its partition. */
  dirty = false;

  constructor(
    readonly key: string,
    engine: OnlineEmOptions,
    checkpoint: KeyCheckpoint | null,
  ) {
    const options = { ...engine, seed: seedForKey(engine.seed ?? 0, key), snapshotEvery: null, snapshotIntervalMs: null, progressIntervalMs: null };
    this.session = new FittingSession<MessagePosition>(checkpoint ? { ...options, initialState: checkpoint.engine } : options, Date.now);
    this.counters = checkpoint ? { ...checkpoint.counters } : { messages: 0, deadLettered: 0, snapshotsPublished: 0, checkpoints: 0 };
    this.next = checkpoint?.offsets[0] ? BigInt(checkpoint.offsets[0].offset) : null;
  }

  /** Whether the message at `offset` is already in this model (restored past it). */
  holds(offset: bigint): boolean {
    return this.next !== null && offset < this.next;
  }

  get pointsSeen(): number {
    return this.session.engine.counters.pointsSeen;
  }

  /** The engine, for the warm-up fit off the event loop (warmup-off-loop.ts); ingest goes through `ingest`. */
  get engine(): OnlineEm {
    return this.session.engine;
  }

  /** One decoded message into the model; its refused points, if any. `onUpdate` hears each stepwise update (metrics). */
  ingest(input: PointInput<MessagePosition>, position: MessagePosition, onUpdate?: UpdateListener): RejectedEvent<MessagePosition> | null {
    const events = this.session.ingest(input, onUpdate);
    this.next = BigInt(position.offset) + 1n;
    this.counters.messages++;
    this.dirty = true;
    const rejected = events.find((e): e is RejectedEvent<MessagePosition> => e.type === 'rejected') ?? null;
    if (rejected) this.counters.deadLettered++;
    return rejected;
  }

  /** The checkpoint, and the snapshot once out of warm-up, as of now, for a commit. Counts them. */
  commitRecords(model: string, topic: string, partition: number, final: boolean): { checkpoint: KeyCheckpoint; snapshot: KeySnapshot | null } {
    const event = this.session.checkpoint(final);
    this.counters.checkpoints++;
    if (event.snapshot) this.counters.snapshotsPublished++;
    const checkpoint = this.checkpointOf(event.state!, model, topic, partition);
    const snapshot = event.snapshot ? keySnapshot(event.snapshot, model, this.key, checkpoint.offsets, this.counters, final) : null;
    return { checkpoint, snapshot };
  }

  /** The state as a checkpoint, counted nowhere: what an unchanged model is evicted as (the same as its last commit). */
  exportCheckpoint(model: string, topic: string, partition: number): KeyCheckpoint {
    return this.checkpointOf(this.session.engine.exportState(), model, topic, partition);
  }

  private checkpointOf(engine: KeyCheckpoint['engine'], model: string, topic: string, partition: number): KeyCheckpoint {
    const offsets = [{ topic, partition, offset: (this.next ?? 0n).toString() }];
    return { version: 1, model, key: this.key, engine, counters: { ...this.counters }, offsets, createdAt: new Date().toISOString() };
  }

  /** Log-likelihood average of the current model (null while warming up), for the opt-in per-key metric. */
  logLikelihoodAverage(): number | null {
    return this.session.engine.snapshot()?.logLikelihood.average ?? null;
  }
}

function keySnapshot(snapshot: MixtureSnapshot, model: string, key: string, offsets: KeySnapshot['offsets'], counters: ProcessorCounters, final: boolean): KeySnapshot {
  return { ...snapshot, model, key, offsets, input: { messages: counters.messages, deadLettered: counters.deadLettered }, final };
}
