import type { AnomalySummary } from '../score/anomaly-threshold.js';
import { channel } from 'node:diagnostics_channel';
import { redactSecrets } from '../log/secrets.js';
import type { EngineCounters, MinibatchUpdate, UpdateListener } from '../em/online-em.js';
import type { CheckpointPointer, ProcessorCounters } from './checkpoint.js';
import type { ConnectionFailureKind } from './connection/connection-failure.js';
import type { KeyedEvent } from './keyed/keyed-events.js';

/**
 * What the processor does, as typed events in the spirit of kafkajs's instrumentation
 * events. The log, the metrics, the tests and the bench subscribe to them; nothing
 * needs to parse log text or patch a prototype to follow the processor.
 */
export type ProcessorEvent =
  | SessionStartedEvent
  | SessionEndedEvent
  | RestoredEvent
  | JoiningEvent
  | AssignedEvent
  | StandingByEvent
  | HandedOverEvent
  | WaitingForGroupEvent
  | ConsumingEvent
  | SkippedEvent
  | IngestedEvent
  | MinibatchUpdatedEvent
  | BatchHandledEvent
  | FetchStartedEvent
  | FetchedEvent
  | LagEvent
  | EngineProgressEvent
  | WarmupFittedEvent
  | DecodeThreadFailedEvent
  | CommittedEvent
  | ProgressReportEvent
  | RebalancedEvent
  | SessionFailedEvent
  | FencedEvent
  | ConnectionRefusedEvent
  | ModelResetEvent
  | ModelStateRefusedEvent
  | StoppingEvent
  | LeftGroupEvent
  | StoppedEvent
  | KeyedEvent;

export type ProcessorEventType = ProcessorEvent['type'];

/** A consumer-group session begins (the first, or after a failure or a rebalance). */
export interface SessionStartedEvent {
  readonly type: 'session-started';
  readonly session: number;
}

/** A session ended (failed, rebalanced, or stopped); its consumer has left. */
export interface SessionEndedEvent {
  readonly type: 'session-ended';
}

/**
 * Where the session resumes from:
 * - `none`: nothing committed; a new fit from `startFrom`;
 * - `committed`: the checkpoint the group's offsets point at;
 * - `newer`: a newer committed checkpoint of the model after that one (its offsets were lost);
 * - `acknowledged`: this process's last commit, because the group's offsets are behind it.
 */
export interface RestoredEvent {
  readonly type: 'restored';
  readonly model: string;
  readonly source: 'none' | 'committed' | 'newer' | 'acknowledged';
  /** The checkpoint record resumed from (null for `none`). */
  readonly checkpoint: CheckpointPointer | null;
  /** The pointer the group's offsets carry, when it differs from `checkpoint`. */
  readonly groupPointer: CheckpointPointer | null;
  readonly points: number;
  readonly messages: number;
  /** The restored checkpoint's counters (null for `none`). */
  readonly counters: ProcessorCounters | null;
  readonly engine: EngineCounters | null;
  /** A newer record of the model that was not resumed from, and why. */
  readonly passedOver: { readonly checkpoint: CheckpointPointer; readonly reason: string } | null;
  /** A newer record that did not decode. */
  readonly unreadable: string | null;
}

/** The consumer is in the group's join: no partitions until the group settles. */
export interface JoiningEvent {
  readonly type: 'joining';
  readonly group: string;
}

/**
 * The group's assignment reached this member: every input partition (it holds the model)
 * or none (another member does). `generation` counts this session's joins.
 */
export interface AssignedEvent {
  readonly type: 'assigned';
  readonly group: string;
  readonly memberId: string;
  readonly partitions: readonly number[];
  readonly generation: number;
}

/** Another member holds the model: this one stands by, ready to take over. Once per turn. */
export interface StandingByEvent {
  readonly type: 'standing-by';
  readonly model: string;
  readonly group: string;
}

/** The group moved the model to another member: what this one held was committed (or its commit was fenced). */
export interface HandedOverEvent {
  readonly type: 'handed-over';
  readonly model: string;
  /** Whether the last work was committed before the handover (false: fenced or failed; the new owner redoes it). */
  readonly committed: boolean;
}

/** Still no assignment: a member that died without leaving holds the partitions until its session times out. */
export interface WaitingForGroupEvent {
  readonly type: 'waiting-for-group';
  readonly group: string;
  readonly waitedMs: number;
  readonly sessionTimeoutMs: number;
}

export interface ConsumingEvent {
  readonly type: 'consuming';
  readonly topic: string;
  readonly group: string;
  readonly model: string;
}

/** The consumer started below the checkpoint's offset: these offsets are already in the model. */
export interface SkippedEvent {
  readonly type: 'skipped';
  readonly topic: string;
  readonly partition: number;
  readonly fromOffset: string;
  /** Inclusive. */
  readonly toOffset: string;
}

/** One input message went through the engine. Emitted only while someone listens for it. */
export interface IngestedEvent {
  readonly type: 'ingested';
  readonly pointsSeen: number;
  readonly durationMs: number;
}

/** One stepwise update of an engine (E-step to M-step). Emitted only while someone listens for it. */
export interface MinibatchUpdatedEvent {
  readonly type: 'minibatch-updated';
  readonly points: number;
  readonly durationMs: number;
}

/** One fetched batch went through the pipeline (commits included). Emitted only while someone listens for it. */
export interface BatchHandledEvent {
  readonly type: 'batch-handled';
  readonly messages: number;
  readonly durationMs: number;
}

/** The consumer sent a fetch request (kafkajs's FETCH_START). Only while someone listens for it. */
export interface FetchStartedEvent {
  readonly type: 'fetch-started';
}

/** A fetch came back (kafkajs's FETCH: request, response and record decoding). Only while someone listens for it. */
export interface FetchedEvent {
  readonly type: 'fetched';
  readonly durationMs: number;
  readonly batches: number;
}

/** Consumer lag of a partition at its last fetched batch. */
export interface LagEvent {
  readonly type: 'lag';
  readonly topic: string;
  readonly partition: number;
  readonly messages: number;
}

/** The engine's progress (throughput, fit), as the fitting session reports it. */
export interface EngineProgressEvent {
  readonly type: 'engine-progress';
  readonly pointsSeen: number;
  readonly pointsPerSecond: number;
  readonly logLikelihood: number | null;
  readonly warmingUp: boolean;
}

/** The warm-up fit ran on a worker thread while the consumer heartbeated (`error`: it failed, and the engine fitted on the event loop). */
export interface WarmupFittedEvent {
  readonly type: 'warmup-fitted';
  readonly points: number;
  readonly durationMs: number;
  readonly error?: string;
}

/** The decode thread failed: JSON messages are decoded on the main thread from now on. */
export interface DecodeThreadFailedEvent {
  readonly type: 'decode-thread-failed';
  readonly reason: string;
}

/** A transaction committed: dead letters, the snapshot (if any), the checkpoint and the offsets. */
export interface CommittedEvent {
  readonly type: 'committed';
  readonly model: string;
  readonly checkpoint: CheckpointPointer;
  readonly counters: ProcessorCounters;
  readonly engine: EngineCounters;
  /** The snapshot published with it; null while warming up. */
  readonly snapshot: {
    readonly number: number;
    readonly final: boolean;
    readonly pointsSeen: number;
    readonly logLikelihoodAverage: number | null;
    readonly stepSize: number | null;
    readonly converged: boolean;
    readonly weights: readonly number[];
    /** Abrupt changes detected so far, and pointsSeen at the last one. */
    readonly changes: number;
    readonly lastChangeAt: number | null;
    /** With --scores-topic: the anomaly threshold in force and the recent rate. */
    readonly anomaly: AnomalySummary | null;
  } | null;
  /** Points in the warm-up buffer when no model exists yet. */
  readonly warmupBuffered: number;
  readonly deadLetters: number;
  readonly durationMs: number;
}

/** The periodic report: throughput and state, or that it is idle. */
export interface ProgressReportEvent {
  readonly type: 'progress';
  readonly idle: boolean;
  readonly pointsSeen: number | null;
  readonly pointsPerSecond: number;
  readonly lag: number;
  readonly warmingUp: boolean;
  readonly logLikelihood: number | null;
  readonly snapshots: number;
  readonly deadLettered: number;
  readonly topic: string;
  /** Keyed mode: keys in memory and known, evictions and keys read back so far (absent for one model). */
  readonly keys?: { readonly inMemory: number; readonly known: number; readonly evictions: number; readonly restored: number };
}

/** The group rebalanced and this member kept the model: it goes on where it was, nothing restored. */
export interface RebalancedEvent {
  readonly type: 'rebalanced';
  readonly partitions: readonly number[];
}

export interface SessionFailedEvent {
  readonly type: 'session-failed';
  readonly error: string;
  /** The error's code (error-chain.ts errorCode): the broker's error type, a system error code, or the error's class. */
  readonly errorCode: string;
  /** The brokers could not be reached (as opposed to refusing a request). */
  readonly connection: boolean;
  readonly retryInMs: number;
  readonly brokers: readonly string[];
}

/** Another instance took over the transactional id: this one stands by again (or, when stopping, stops). */
export interface FencedEvent {
  readonly type: 'fenced';
  readonly transactionalId: string;
  readonly stopping: boolean;
}

/** The cluster refused this client in a way retrying cannot fix: the process stops. */
export interface ConnectionRefusedEvent {
  readonly type: 'connection-refused';
  readonly kind: Exclude<ConnectionFailureKind, 'transient'>;
  /** What went wrong, with which brokers, protocol and mechanism, and what to check. */
  readonly reason: string;
}

/** --reset-model deleted the model's group (its committed offsets): the fit starts over. */
export interface ModelResetEvent {
  readonly type: 'model-reset';
  readonly model: string;
  readonly group: string;
  /** The checkpoint the deleted offsets pointed at, if any. */
  readonly checkpoint: CheckpointPointer | null;
  /** Partitions that had committed offsets. */
  readonly partitions: number;
}

/** The model's stored state cannot be resumed from safely: the process stops, saying what to do. */
export interface ModelStateRefusedEvent {
  readonly type: 'model-state-refused';
  readonly reason: string;
}

export interface StoppingEvent {
  readonly type: 'stopping';
}

/** A graceful stop committed the final snapshot and offsets and left the group. */
export interface LeftGroupEvent {
  readonly type: 'left-group';
}

export interface StoppedEvent {
  readonly type: 'stopped';
}

export type ProcessorListener = (event: ProcessorEvent) => void;

/** The Node diagnostics channel every processor publishes its events on, for in-process tools (the bench probe). */
export const PROCESSOR_DIAGNOSTICS_CHANNEL = 'online-em:processor';
const diagnostics = channel(PROCESSOR_DIAGNOSTICS_CHANNEL);

/**
 * The processor's event bus. A listener's throw is its own bug: it is reported and never
 * breaks the processor.
 */
export class ProcessorEvents {
  private readonly listeners = new Set<ProcessorListener>();
  /** Listeners of every event, and listeners by event type. */
  private listeningToAll = 0;
  private readonly listeningTo = new Map<ProcessorEventType, number>();

  /** Listen; the result stops listening. `types` limits it to those events (and lets `wants` say so). */
  on(listener: ProcessorListener, types?: readonly ProcessorEventType[]): () => void {
    const filtered: ProcessorListener = types ? (event) => void (types.includes(event.type) && listener(event)) : listener;
    this.listeners.add(filtered);
    this.count(types, 1);
    return () => {
      if (this.listeners.delete(filtered)) this.count(types, -1);
    };
  }

  /** Whether anyone listens for `type` (so costly events are built only then). */
  wants(type: ProcessorEventType): boolean {
    return this.listeningToAll > 0 || (this.listeningTo.get(type) ?? 0) > 0 || diagnostics.hasSubscribers;
  }

  /** The engines' update listener that emits `minibatch-updated`; undefined while no one listens (the engine reads no clock then). */
  updateListener(): UpdateListener | undefined {
    return this.wants('minibatch-updated') ? this.emitUpdate : undefined;
  }

  private readonly emitUpdate = (u: MinibatchUpdate): void => this.emit({ type: 'minibatch-updated', points: u.n, durationMs: u.durationMs });

  emit(event: ProcessorEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        process.emitWarning(redactSecrets(`an online-em processor event listener threw on '${event.type}': ${error instanceof Error ? error.message : String(error)}`));
      }
    }
    if (diagnostics.hasSubscribers) diagnostics.publish(event);
  }

  private count(types: readonly ProcessorEventType[] | undefined, delta: number): void {
    if (!types) this.listeningToAll += delta;
    else for (const t of types) this.listeningTo.set(t, (this.listeningTo.get(t) ?? 0) + delta);
  }
}
