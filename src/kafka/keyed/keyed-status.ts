import type { ProcessorEvents } from '../processor-events.js';
import type { KeyedCommittedEvent } from './keyed-events.js';

/** Keyed mode's part of the processor status, for metrics. */
export interface KeyedStatus {
  readonly keysInMemory: number;
  readonly keysKnown: number;
  readonly evictions: number;
  /** Evicted keys read back (their latency is a histogram of the metrics, fed by the events). */
  readonly restored: number;
  /** Over the partitions this process holds, as last committed. */
  readonly committed: { readonly messages: number; readonly deadLettered: number; readonly points: number; readonly snapshots: number; readonly checkpoints: number };
  /** Per key, the log-likelihood average at its last commit (only with --key-metrics). */
  readonly keyLogLikelihoods: ReadonlyMap<string, number> | null;
}

/** Builds KeyedStatus from the keyed events alone. */
export class KeyedStatusTracker {
  private keysInMemory = 0;
  private keysKnown = 0;
  private evictions = 0;
  private restoreCount = 0;
  private checkpoints = 0;
  private readonly partitions = new Map<number, KeyedCommittedEvent>();
  private readonly perKey: Map<number, Map<string, number>> | null;

  constructor(events: ProcessorEvents, keyMetrics: boolean) {
    this.perKey = keyMetrics ? new Map() : null;
    events.on((event) => {
      switch (event.type) {
        case 'keys':
          this.keysInMemory = event.inMemory;
          this.keysKnown = event.known;
          this.evictions = event.evictionsTotal;
          break;
        case 'keys-restored':
          this.restoreCount += event.keys;
          break;
        case 'keyed-committed':
          this.partitions.set(event.partition, event);
          this.checkpoints += event.keys;
          if (this.perKey && event.keyLogLikelihoods) {
            const keys = this.perKey.get(event.partition) ?? new Map<string, number>();
            for (const [key, average] of event.keyLogLikelihoods) keys.set(key, average);
            this.perKey.set(event.partition, keys);
          }
          break;
        case 'keys-assigned':
          for (const p of event.released) {
            this.partitions.delete(p);
            this.perKey?.delete(p);
          }
          break;
        case 'session-ended':
          this.partitions.clear();
          this.perKey?.clear();
          break;
        default:
          break;
      }
    }, ['keys', 'keys-restored', 'keyed-committed', 'keys-assigned', 'session-ended']);
  }

  status(): KeyedStatus {
    const committed = this.committedSums();
    let keyLogLikelihoods: Map<string, number> | null = null;
    if (this.perKey) {
      keyLogLikelihoods = new Map();
      for (const keys of this.perKey.values()) for (const [k, v] of keys) keyLogLikelihoods.set(k, v);
    }
    return {
      keysInMemory: this.keysInMemory,
      keysKnown: this.keysKnown,
      evictions: this.evictions,
      restored: this.restoreCount,
      committed,
      keyLogLikelihoods,
    };
  }

  /** For the progress line: the keys. */
  progressKeys(): { inMemory: number; known: number; evictions: number; restored: number } {
    return { inMemory: this.keysInMemory, known: this.keysKnown, evictions: this.evictions, restored: this.restoreCount };
  }

  /** For the progress line: snapshots and dead letters over the partitions held. */
  counters(): { snapshotsPublished: number; deadLettered: number } {
    const s = this.committedSums();
    return { snapshotsPublished: s.snapshots, deadLettered: s.deadLettered };
  }

  private committedSums(): KeyedStatus['committed'] {
    const committed = { messages: 0, deadLettered: 0, points: 0, snapshots: 0, checkpoints: this.checkpoints };
    for (const e of this.partitions.values()) {
      committed.messages += e.messages;
      committed.deadLettered += e.deadLettered;
      committed.points += e.points;
      committed.snapshots += e.snapshotsTotal;
    }
    return committed;
  }
}
