import type { AnomalySummary } from '../score/anomaly-threshold.js';
import type { EngineCounters } from '../em/online-em.js';
import type { ProcessorCounters } from './checkpoint.js';
import type { KeyedStatus } from './keyed/keyed-status.js';

/**
 * What the processor is doing now. `joining`: in the group's join, no partitions yet;
 * `standby`: another instance of the model holds them, this one is ready to take over.
 */
export type ProcessorState = 'starting' | 'joining' | 'standby' | 'consuming' | 'retrying' | 'stopping' | 'stopped';

/**
 * The processor's state for metrics and health checks. Counters are those of the last
 * committed checkpoint, so they only grow during a process's life (work redone after a
 * failed session is not counted twice); `live` is the engine's latest progress.
 */
export interface ProcessorStatus {
  readonly model: string;
  readonly state: ProcessorState;
  /** Why the last session failed (while retrying), else null. */
  readonly lastError: string | null;
  /** Sessions started (a session is one consumer-group membership; each failure starts a new one). */
  readonly sessions: number;
  readonly sessionFailures: number;
  /** The last committed checkpoint: this process's, or the one its session restored. */
  readonly committed: {
    readonly counters: Readonly<ProcessorCounters>;
    readonly engine: Readonly<EngineCounters>;
    /** When this process committed it (ms since the epoch); null when restored from an earlier process. */
    readonly at: number | null;
    /** Of the last committed snapshot; null while warming up. */
    readonly logLikelihoodAverage: number | null;
    readonly stepSize: number | null;
    readonly converged: boolean | null;
    /** Abrupt changes detected, as of the last committed snapshot (null while warming up). */
    readonly changes: number | null;
    /** With --scores-topic: the anomaly rule's threshold and recent rate at the last committed snapshot. */
    readonly anomaly: AnomalySummary | null;
  } | null;
  readonly live: { readonly pointsSeen: number; readonly pointsPerSecond: number; readonly warmingUp: boolean } | null;
  readonly lag: readonly { readonly topic: string; readonly partition: number; readonly messages: number }[];
  /** Since when (ms since the epoch) the state is what it is. */
  readonly stateSince: number;
  /** Times this process took the model over (the first start included) and handed it over. */
  readonly takeovers: number;
  readonly handovers: number;
  /** Keyed mode's keys, restores and per-partition counts (absent for one model). */
  readonly keyed?: KeyedStatus;
}
