import type { RejectionCode } from '../em/point-validation.js';

/** What the file-reading worker is started with. */
export interface WorkerData {
  readonly file: string;
  readonly epochs: number;
  readonly maxAbs: number;
}

/** Valid rows of one read of the file, and the points refused in it. */
export interface FileChunk {
  readonly type: 'chunk';
  readonly epoch: number;
  readonly dim: number;
  /** n×dim, NaN where missing. */
  readonly data: Float64Array;
  /** Line number of each valid row. */
  readonly lines: Int32Array;
  readonly refused: readonly { readonly line: number; readonly code: RejectionCode; readonly message: string }[];
}

export type ReaderMessage = FileChunk | { readonly type: 'end' } | { readonly type: 'error'; readonly message: string };

/** The main thread grants the worker room for more chunks. */
export interface ReaderRequest {
  readonly credit: number;
}
