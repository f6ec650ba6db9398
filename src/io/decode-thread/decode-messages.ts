import type { NoticeKind, PointFileOptions } from '../point-file.js';
import type { ValidatedChunk } from './validated-chunk.js';

/** What the main thread gives the decode thread: the source, how to read it, how to validate. */
export interface DecodeJob {
  /** A path, or null for stdin (piped to the worker's own stdin). */
  readonly source: string | null;
  /** The reader's options, less its notice listener (notices come back as messages). */
  readonly file: Omit<PointFileOptions, 'onNotice'>;
  /** The engine's dimension if fixed (--dim), and its largest accepted |x|. */
  readonly dim: number | null;
  readonly maxAbs: number;
}

/** The decode thread's messages, in input order. */
export type DecodeMessage =
  | { readonly type: 'chunk'; readonly chunk: ValidatedChunk }
  | { readonly type: 'notice'; readonly message: string; readonly kind: NoticeKind }
  | { readonly type: 'end' }
  /** The reader failed: a PointFileError (`pointFile`: the input cannot be read as asked) or a bug. */
  | { readonly type: 'error'; readonly message: string; readonly pointFile: boolean };

/** The main thread's first message: what to decode. */
export interface DecodeStart {
  readonly type: 'start';
  readonly job: DecodeJob;
}

/** The main thread's: it took chunks of this many bytes of rows, so the decode thread may read that much further. */
export interface DecodeCredit {
  readonly type: 'credit';
  readonly bytes: number;
}

export type DecodeControl = DecodeStart | DecodeCredit;

/** A chunk's weight against the read-ahead: its float64 rows, and a little for each refused row. */
export function chunkBytes(chunk: ValidatedChunk): number {
  let bytes = 0;
  for (const run of chunk.runs) bytes += run.kind === 'accepted' ? run.data.byteLength + run.lines.byteLength : 64 * run.lines.length;
  return bytes;
}
