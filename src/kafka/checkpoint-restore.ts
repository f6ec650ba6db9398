import type { Admin, Kafka } from 'kafkajs';
import type { Checkpoint, CheckpointPointer } from './checkpoint.js';
import { committedPointer, groupOffsets, readCheckpointsFrom } from './checkpoint-store.js';
import { ModelStateError } from './model-state-error.js';
import { restoreCoverageProblem } from './ownership/partition-coverage.js';
import type { RestoredEvent } from './processor-events.js';
import type { ProcessorConfig } from './processor-types.js';
import { newerCheckpointRefusal, restoreSource } from './restore-source.js';

const CHECKPOINT_READ_TIMEOUT_MS = 60_000;

/** A commit this process made and the broker acknowledged. */
export interface AcknowledgedCommit {
  readonly pointer: CheckpointPointer;
  readonly checkpoint: Checkpoint;
}

export interface Restored {
  /** The checkpoint to resume from; null for a new fit. */
  readonly checkpoint: Checkpoint | null;
  readonly event: RestoredEvent;
}

/**
 * The checkpoint a session resumes from: the one committed with the group's offsets
 * (from memory when this process wrote it), a newer committed one whose offsets were
 * lost, or this process's last acknowledged commit when the group's offsets fell behind
 * it. Says which, and why, in the event it returns. Refuses (ModelStateError) a checkpoint
 * that is gone, or that does not cover the progress the group committed on every partition.
 * Gives up at once when `stopped` resolves.
 */
export async function restoreCheckpoint(kafka: Kafka, admin: Admin, config: ProcessorConfig, acknowledged: AcknowledgedCommit | null, stopped: Promise<void>): Promise<Restored> {
  const group = await groupOffsets(admin, config.group, config.topics.input);
  const restored = await chooseCheckpoint(kafka, admin, config, acknowledged, committedPointer(group), stopped);
  const problem = restoreCoverageProblem(config.topics.input, group, restored.checkpoint?.offsets ?? null, restored.event.checkpoint);
  if (problem) {
    throw new ModelStateError(
      `${problem}. Two writers committed this group's offsets (instances of an older version splitting the partitions, or another application using group ${config.group}); ` +
        `start the model afresh with --reset-model, or use another --model`,
    );
  }
  return restored;
}

async function chooseCheckpoint(
  kafka: Kafka,
  admin: Admin,
  config: ProcessorConfig,
  acknowledged: AcknowledgedCommit | null,
  groupPointer: CheckpointPointer | null,
  stopped: Promise<void>,
): Promise<Restored> {
  const source = restoreSource(groupPointer, acknowledged);
  const event = (kind: RestoredEvent['source'], pointer: CheckpointPointer | null, checkpoint: Checkpoint | null, extra: Partial<RestoredEvent> = {}): RestoredEvent => ({
    type: 'restored',
    model: config.model,
    source: kind,
    checkpoint: pointer,
    groupPointer: groupPointer && pointer && samePointer(groupPointer, pointer) ? null : groupPointer,
    points: checkpoint?.engine.counters.pointsSeen ?? 0,
    messages: checkpoint?.counters.messages ?? 0,
    counters: checkpoint ? { ...checkpoint.counters } : null,
    engine: checkpoint ? { ...checkpoint.engine.counters } : null,
    passedOver: null,
    unreadable: null,
    ...extra,
  });
  if (source.kind === 'acknowledged') {
    // That commit's checkpoint is the truth; the pipeline skips the messages it already
    // holds, and the next commit writes the offsets again.
    const { pointer, checkpoint } = source.commit;
    return { checkpoint, event: event('acknowledged', pointer, checkpoint) };
  }
  if (source.kind === 'none') return { checkpoint: null, event: event('none', null, null) };
  let { pointer } = source;
  let checkpoint: Checkpoint;
  let kind: RestoredEvent['source'] = 'committed';
  let passedOver: RestoredEvent['passedOver'] = null;
  let unreadable: string | null = null;
  if (source.inMemory) {
    checkpoint = source.inMemory.checkpoint;
  } else {
    const read = await readCheckpointsFrom(kafka, admin, config.topics.state, pointer, config.model, CHECKPOINT_READ_TIMEOUT_MS, stopped);
    unreadable = read.unreadable;
    const refusal = read.newest ? newerCheckpointRefusal(read.atPointer, read.newest.checkpoint, config.model, config.topics.input) : null;
    if (read.newest && refusal === null) {
      // Its transaction committed (read_committed shows it), but its offsets were lost:
      // the pipeline skips what it holds, and the next commit writes the offsets again.
      ({ pointer, checkpoint } = read.newest);
      kind = 'newer';
    } else {
      if (read.newest) passedOver = { checkpoint: read.newest.pointer, reason: refusal! };
      if (!read.atPointer) {
        throw new ModelStateError(
          `checkpoint ${config.topics.state}/${pointer.partition}@${pointer.offset}, which the offsets of group ${config.group} point at, is gone ` +
            `and no newer one of model '${config.model}' exists; restore the state topic, or start the model afresh with --reset-model`,
        );
      }
      checkpoint = read.atPointer;
    }
  }
  if (checkpoint.model !== config.model) {
    throw new Error(`the checkpoint committed for group ${config.group} belongs to model '${checkpoint.model}', not '${config.model}': use a group per model`);
  }
  return { checkpoint, event: event(kind, pointer, checkpoint, { passedOver, unreadable }) };
}

function samePointer(a: CheckpointPointer, b: CheckpointPointer): boolean {
  return a.partition === b.partition && a.offset === b.offset;
}
