import { COVARIANCE_TYPES, type CovarianceType } from '../types.js';

/**
 * The shared words through which the main thread hands a job to the workers (Int32 slots of
 * `control`), and the claim word (`claim`: BigInt64, generation << 32 | next item) by which
 * each thread takes the job's next item (a chunk of a minibatch, or a component of an M-step):
 * a compare-and-swap on both halves, so a thread that woke late for an earlier job can never
 * take an item of the current one.
 */
export const SLOT = {
  /** Job generation: bumped (and notified) for every job handed out. */
  generation: 0,
  /** Items finished in this job (notified when the last one is). */
  done: 1,
  /** Items of this job: chunks, or components. */
  chunks: 2,
  points: 3,
  chunkPoints: 4,
  components: 5,
  dim: 6,
  covarianceType: 7,
  anyMissing: 8,
  /** Version of the shared buffers; a worker whose copy is older takes the new ones from its port. */
  buffersVersion: 9,
  /** 1 when a worker failed; its message is in the error text. */
  error: 10,
  errorLength: 11,
  stop: 12,
  /** What the items are: a JOB value. */
  job: 13,
  /** Of a chunks job's items, how many are chunks: the rest reduce them, a group of components each. */
  chunkItems: 14,
  /** A chunks job's first rows whose E-step is in the shared resp and logLik already (KnownScores). */
  knownRows: 15,
  /** 1 when a chunks job's reduce items also blend and factor their components (fused-update.ts). */
  fusedUpdate: 16,
} as const;

/** The kinds of job: a minibatch's E-step and statistics in chunks (then their reduction), or the M-step of full covariances by component. */
export const JOB = { chunks: 0, components: 1 } as const;

/** Slots, rounded up to keep the claim word 8-byte aligned. */
const CONTROL_INTS = 18;
const CLAIM_OFFSET = CONTROL_INTS * 4;
const ERROR_TEXT_BYTES = 1024;

/** The shared memory of a pool's control: the Int32 slots, the claim word and the text of a worker's error. */
export interface ControlBlock {
  readonly control: Int32Array;
  readonly claim: BigInt64Array;
  readonly errorText: Uint8Array;
}

export function createControlBlock(): SharedArrayBuffer {
  return new SharedArrayBuffer(CLAIM_OFFSET + 8 + ERROR_TEXT_BYTES);
}

export function controlBlock(buffer: SharedArrayBuffer): ControlBlock {
  return {
    control: new Int32Array(buffer, 0, CONTROL_INTS),
    claim: new BigInt64Array(buffer, CLAIM_OFFSET, 1),
    errorText: new Uint8Array(buffer, CLAIM_OFFSET + 8, ERROR_TEXT_BYTES),
  };
}

/** The claim word of chunk `next` of job `generation`. */
export function claimWord(generation: number, next: number): bigint {
  return (BigInt(generation) << 32n) | BigInt(next);
}

/**
 * The claim word of job `generation` once it is over: no item left whatever count a thread
 * read. A worker late for that job may read the next job's count before the next claim word
 * is written; against `items` claimed, a larger count would hand it an item of the next job.
 */
export function closedClaimWord(generation: number): bigint {
  return claimWord(generation, 0xffffffff);
}

/**
 * Take the next item of job `generation`: its index, or -1 when the job has no item left
 * (or is no longer the current one).
 */
export function claimItem(block: ControlBlock, generation: number, items: number): number {
  for (;;) {
    const word = Atomics.load(block.claim, 0);
    if (Number(word >> 32n) !== generation) return -1;
    const next = Number(word & 0xffffffffn);
    if (next >= items) return -1;
    if (Atomics.compareExchange(block.claim, 0, word, word + 1n) === word) return next;
  }
}

/** A worker's failure, for the main thread to raise: the first one is kept. */
export function reportError(block: ControlBlock, message: string): void {
  if (Atomics.compareExchange(block.control, SLOT.error, 0, 1) !== 0) return;
  const { written } = new TextEncoder().encodeInto(message, block.errorText);
  Atomics.store(block.control, SLOT.errorLength, written);
}

export function errorMessage(block: ControlBlock): string {
  const length = Atomics.load(block.control, SLOT.errorLength);
  // A copy: TextDecoder does not read shared memory.
  return new TextDecoder().decode(block.errorText.slice(0, length));
}

export function covarianceTypeCode(type: CovarianceType): number {
  return COVARIANCE_TYPES.indexOf(type);
}

export function covarianceTypeOf(code: number): CovarianceType {
  return COVARIANCE_TYPES[code];
}
