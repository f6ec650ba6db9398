/** The shared memory of the jobs: the minibatch's rows, the model, what the chunks write, and the M-step's. */
export interface SharedBuffers {
  /** n×d rows. */
  readonly data: SharedArrayBuffer;
  /** The model as shared-factors.ts lays it out. */
  readonly factors: SharedArrayBuffer;
  /** n×K responsibilities. */
  readonly resp: SharedArrayBuffer;
  /** n log-likelihoods. */
  readonly logLik: SharedArrayBuffer;
  /** One slot of partial statistics per chunk. */
  readonly partials: SharedArrayBuffer;
  /** ŝ, the chunks' reduced sum (one slot). */
  readonly sum: SharedArrayBuffer;
  /** The M-step of full covariances, as shared-m-step.ts lays it out. */
  readonly mStep: SharedArrayBuffer;
}

/** Float64 entries each buffer must hold for a job. */
export type BufferSizes = { readonly [B in keyof SharedBuffers]: number };

/** What a worker's port receives when the buffers grew. */
export interface BuffersMessage {
  readonly version: number;
  readonly buffers: SharedBuffers;
}

/** Buffers at least `sizes` large (those named): `current` where big enough, else 1.5× grown (null when none grew). */
export function grownBuffers(current: SharedBuffers, sizes: Partial<BufferSizes>): SharedBuffers | null {
  let grew = false;
  const next = { ...current };
  for (const name of Object.keys(sizes) as (keyof SharedBuffers)[]) {
    const bytes = sizes[name]! * 8;
    if (current[name].byteLength >= bytes) continue;
    next[name] = new SharedArrayBuffer(Math.max(bytes, 8 * Math.ceil((current[name].byteLength / 8) * 1.5)));
    grew = true;
  }
  return grew ? next : null;
}

export function emptyBuffers(): SharedBuffers {
  const empty = (): SharedArrayBuffer => new SharedArrayBuffer(0);
  return { data: empty(), factors: empty(), resp: empty(), logLik: empty(), partials: empty(), sum: empty(), mStep: empty() };
}
