import type { RefusedPoint } from '../em/point-validation.js';

/** Where a decoder puts each row: a point (or a RefusedPoint), its 1-based line, its key. */
export interface RowSink {
  push(row: unknown, line: number, key: string | null): void;
}

/**
 * What a reader says once about its input: a `hint` that it looks like another format
 * (what to pass), or which `columns` it chose. Each is one line, ready for stderr.
 */
export type NoticeKind = 'hint' | 'columns';
export type NoticeListener = (message: string, kind: NoticeKind) => void;

/** What every format's decoder is told. */
export interface DecoderContext {
  /** The source, for messages (a path, or `stdin`). */
  readonly label: string;
  /** Columns (CSV) or fields (NDJSON objects) to read, in order; null: the numeric ones. */
  readonly columns: readonly string[] | null;
  /** Column or field whose value is each row's key; null: no keys. */
  readonly keyColumn: string | null;
  /** The dimension asked for, which the chosen columns must give; null: any. */
  readonly dim: number | null;
  readonly notice: NoticeListener;
}

/**
 * Turns the non-blank lines of one format into rows. Stateful: the columns are chosen
 * once (on the first pass) and kept for later passes, notices are given once.
 */
export interface PointDecoder {
  /** A pass over the input begins (a CSV's first line is its header again). */
  startPass(): void;
  /** One non-blank line, or the refusal that stands for it (a line too long to read). */
  line(text: string | RefusedPoint, lineNumber: number, sink: RowSink): void;
  /** The pass ended: the rows held back (while choosing columns) go out. */
  endPass(sink: RowSink): void;
}
