import { decodeEngineState, encodeEngineState, type Float64Json } from '../em/engine-state-codec.js';
import { IncompatibleStateError } from '../em/errors.js';
import type { EngineState } from '../em/online-em.js';
import type { AnomalyThresholdState } from '../score/anomaly-threshold.js';

/** Counters of the processor that survive restarts with the model. */
export interface ProcessorCounters {
  /** Input messages consumed (each is in the model's counts, in the dead-letter topic, or both). */
  messages: number;
  /** Messages written to the dead-letter topic. */
  deadLettered: number;
  snapshotsPublished: number;
  checkpoints: number;
  /** With --scores-topic: scores records written (one per message with accepted points), points scored, points flagged. */
  scoresPublished?: number;
  pointsScored?: number;
  anomalies?: number;
}

/** Next offset to read per input partition, as committed with the checkpoint. */
export interface PartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** Everything that is restored on start: the engine, the processor's counters, the offsets. */
export interface Checkpoint {
  readonly version: 1;
  readonly model: string;
  readonly engine: EngineState;
  readonly counters: ProcessorCounters;
  readonly offsets: readonly PartitionOffset[];
  /** The anomaly threshold's state, with --scores-topic (absent before scores were turned on). */
  readonly scoring?: AnomalyThresholdState;
  readonly createdAt: string;
}

export class CheckpointFormatError extends Error {
  constructor(message: string) {
    super(`unreadable checkpoint: ${message}`);
    this.name = 'CheckpointFormatError';
  }
}

const F64 = '$f64';

/** The checkpoint's form of a Float64Array: base64 of its bytes, exact, so a restore is bit for bit. */
const FLOAT64_AS_BASE64: Float64Json = {
  encode: (values) => ({ [F64]: Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64') }),
  decode: (json) => {
    if (json === null || typeof json !== 'object' || typeof (json as Record<string, unknown>)[F64] !== 'string') return null;
    const raw = Buffer.from((json as Record<string, string>)[F64], 'base64');
    if (raw.length % 8 !== 0) return null;
    const out = new Float64Array(raw.length / 8);
    new Uint8Array(out.buffer).set(raw);
    return out;
  },
};

/** JSON, the engine state in it by the engine-state codec with its Float64Arrays as base64. */
export function encodeCheckpoint(checkpoint: Checkpoint): Buffer {
  return Buffer.from(JSON.stringify({ ...checkpoint, engine: encodeEngineState(checkpoint.engine, FLOAT64_AS_BASE64) }));
}

export function decodeCheckpoint(bytes: Buffer): Checkpoint {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new CheckpointFormatError(error instanceof Error ? error.message : String(error));
  }
  const c = value as Checkpoint;
  if (c === null || typeof c !== 'object' || c.version !== 1 || typeof c.model !== 'string' || !c.engine || !Array.isArray(c.offsets)) {
    throw new CheckpointFormatError('not an online-em checkpoint of version 1');
  }
  try {
    return { ...c, engine: decodeEngineState(c.engine, FLOAT64_AS_BASE64) };
  } catch (error) {
    // A damaged engine state makes the record unreadable, as damaged JSON does.
    if (error instanceof IncompatibleStateError) throw new CheckpointFormatError(error.message);
    throw error;
  }
}

/** Offset-commit metadata pointing at the checkpoint committed with those offsets. */
export interface CheckpointPointer {
  readonly partition: number;
  readonly offset: string;
}

const POINTER_PREFIX = 'online-em-checkpoint:';

export function encodePointer(pointer: CheckpointPointer): string {
  return `${POINTER_PREFIX}${pointer.partition}:${pointer.offset}`;
}

export function decodePointer(metadata: string | null | undefined): CheckpointPointer | null {
  if (!metadata?.startsWith(POINTER_PREFIX)) return null;
  const [partition, offset] = metadata.slice(POINTER_PREFIX.length).split(':');
  if (!/^\d+$/.test(partition ?? '') || !/^\d+$/.test(offset ?? '')) return null;
  return { partition: Number(partition), offset };
}
