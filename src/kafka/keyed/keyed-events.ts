/** Keyed mode's processor events (part of ProcessorEvent). */

/** The group changed this member's input partitions: the keys of `taken` were indexed, those of `released` committed and dropped. */
export interface KeysAssignedEvent {
  readonly type: 'keys-assigned';
  readonly taken: readonly number[];
  readonly kept: readonly number[];
  readonly released: readonly number[];
  /** Whether the released partitions' last commits went through (false: the new owner had fenced them). */
  readonly releasedCommitted: boolean;
  /** Keys with a checkpoint in the partitions now held. */
  readonly keysKnown: number;
  /** Time to fence, scan the state topic and index the taken partitions. */
  readonly durationMs: number;
}

/** Evicted keys' checkpoints read back from the state topic before their messages. */
export interface KeysRestoredEvent {
  readonly type: 'keys-restored';
  readonly partition: number;
  readonly keys: number;
  /** Of those, read from the state topic (not found in the local spill file). */
  readonly fromStateTopic: number;
  /** From the miss to the models in memory: every key of the read waited this long. */
  readonly durationMs: number;
}

/** One input partition's keyed commit. */
export interface KeyedCommittedEvent {
  readonly type: 'keyed-committed';
  readonly partition: number;
  /** Keys checkpointed (those changed since the last commit). */
  readonly keys: number;
  readonly snapshots: number;
  readonly deadLetters: number;
  /** The partition's totals as committed. */
  readonly messages: number;
  readonly deadLettered: number;
  readonly points: number;
  readonly snapshotsTotal: number;
  readonly offset: string;
  readonly durationMs: number;
  /** Per key, the log-likelihood average of the committed model (only with --key-metrics). */
  readonly keyLogLikelihoods: readonly (readonly [string, number])[] | null;
}

/** Keys in memory and known after a batch or a change of partitions. */
export interface KeysEvent {
  readonly type: 'keys';
  readonly inMemory: number;
  readonly known: number;
  readonly evictionsTotal: number;
}

export type KeyedEvent = KeysAssignedEvent | KeysRestoredEvent | KeyedCommittedEvent | KeysEvent;
