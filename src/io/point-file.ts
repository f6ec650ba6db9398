import { RefusedPoint } from '../em/point-validation.js';
import { byteSource, readBytes } from './byte-source.js';
import { CsvDecoder } from './csv-decoder.js';
import { isOverlong, splitLines } from './line-source.js';
import { NdjsonDecoder } from './ndjson-decoder.js';
import type { DecoderContext, NoticeListener, PointDecoder, RowSink } from './point-decoder.js';
import { formatByContent, formatByName, type PointFormatChoice } from './point-format.js';

export type { NoticeKind, NoticeListener } from './point-decoder.js';
export { PointFileError } from './point-file-error.js';

/** The longest line read by default; a longer one is refused (and skipped without being held in memory). */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;
/** Rows per chunk by default (the online-EM operator checks its snapshot cadence between chunks). */
export const DEFAULT_ROWS_PER_CHUNK = 1024;

export interface PointFileOptions {
  /** `auto` (default): .csv(.gz) is CSV, .ndjson/.jsonl/.json(.gz) NDJSON, any other name (stdin) by its first line. */
  readonly format?: PointFormatChoice;
  /** CSV columns or NDJSON object fields to read, in order (default: the numeric ones). */
  readonly columns?: readonly string[] | null;
  /** The dimension the chosen columns must give (a PointFileError otherwise); it does not check array rows. */
  readonly dim?: number | null;
  /** Passes over the input (default 1). A regular file is read again; other input is kept in memory. */
  readonly epochs?: number;
  /** Column (CSV) or field (NDJSON objects) whose value is each row's key; chunks then carry `keys`. */
  readonly keyColumn?: string | null;
  /** Longest line, in bytes (default 64 MiB). */
  readonly maxLineBytes?: number;
  /** Most rows in one chunk (default 1024); a chunk also ends with each read. */
  readonly rowsPerChunk?: number;
  /** Told each one-line notice (a format hint, the columns chosen), once per reader. */
  readonly onNotice?: NoticeListener;
}

/** Rows of consecutive lines, in input order. */
export interface PointChunk {
  /** Each a point (numbers, null where missing), a batch line's rows one by one, or a RefusedPoint for a bad line. */
  readonly rows: unknown[];
  /** The 1-based line of each row. */
  readonly lines: number[];
  /** 1-based pass over the input. */
  readonly epoch: number;
  /** Each row's key (null: none), when a key column was given. */
  readonly keys?: (string | null)[];
}

/**
 * The points of a file (null or `-`: stdin) as chunks of rows with their line numbers.
 * Lines are NDJSON or CSV (see NdjsonDecoder, CsvDecoder); a UTF-8 BOM is skipped;
 * gzip (.gz, or by its magic number) is decompressed as it streams; a FIFO or
 * /dev/fd/N works like stdin. A bad line is a RefusedPoint among the rows, with its
 * reason; a line longer than maxLineBytes too. A file that cannot be read as asked
 * (missing, a directory, a CSV header without the columns named) throws a
 * PointFileError, when iteration starts or reaches it.
 */
export async function* readPointChunks(source: string | null, options: PointFileOptions = {}): AsyncGenerator<PointChunk> {
  const input = byteSource(source);
  const epochs = options.epochs ?? 1;
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const rowsPerChunk = options.rowsPerChunk ?? DEFAULT_ROWS_PER_CHUNK;
  const keyed = (options.keyColumn ?? null) !== null;
  const context: DecoderContext = {
    label: input.label,
    columns: options.columns ?? null,
    keyColumn: options.keyColumn ?? null,
    dim: options.dim ?? null,
    notice: options.onNotice ?? (() => undefined),
  };
  const asked = options.format ?? 'auto';
  const byName = asked === 'auto' ? formatByName(input.path) : asked;
  const decoderFor = (firstLine: string | null): PointDecoder =>
    (byName ?? formatByContent(firstLine)) === 'csv' ? new CsvDecoder(context) : new NdjsonDecoder(context);

  // Input that cannot be read again is kept, as its chunks, for the later passes.
  const kept: Omit<PointChunk, 'epoch'>[] | null = epochs > 1 && !input.rereadable ? [] : null;
  let decoder = null as PointDecoder | null;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    if (kept && epoch > 1) {
      for (const chunk of kept) yield { ...chunk, epoch };
      continue;
    }
    decoder?.startPass();
    const chunks = new ChunkBuilder(rowsPerChunk, keyed);
    for await (const { lines, firstLineNumber } of splitLines(readBytes(input), maxLineBytes)) {
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i];
        if (isOverlong(line)) {
          decoder ??= decoderFor(null);
          decoder.line(new RefusedPoint(`line-too-long: the line has ${line.bytes} bytes, more than the limit of ${maxLineBytes} (--max-line-bytes)`), firstLineNumber + i, chunks);
          continue;
        }
        if (line.trim() === '') continue;
        decoder ??= decoderFor(line);
        decoder.line(line, firstLineNumber + i, chunks);
      }
      for (const chunk of chunks.take()) {
        kept?.push(chunk);
        yield { ...chunk, epoch };
      }
    }
    decoder?.endPass(chunks);
    for (const chunk of chunks.take()) {
      kept?.push(chunk);
      yield { ...chunk, epoch };
    }
  }
}

/** Collects rows into chunks of at most `rowsPerChunk`. */
class ChunkBuilder implements RowSink {
  private rows: unknown[] = [];
  private lines: number[] = [];
  private keys: (string | null)[] = [];
  private done: Omit<PointChunk, 'epoch'>[] = [];

  constructor(
    private readonly rowsPerChunk: number,
    private readonly keyed: boolean,
  ) {}

  push(row: unknown, line: number, key: string | null): void {
    this.rows.push(row);
    this.lines.push(line);
    if (this.keyed) this.keys.push(key);
    if (this.rows.length >= this.rowsPerChunk) this.cut();
  }

  /** The chunks completed, the rows so far included. */
  take(): Omit<PointChunk, 'epoch'>[] {
    if (this.rows.length > 0) this.cut();
    const done = this.done;
    this.done = [];
    return done;
  }

  private cut(): void {
    this.done.push(this.keyed ? { rows: this.rows, lines: this.lines, keys: this.keys } : { rows: this.rows, lines: this.lines });
    this.rows = [];
    this.lines = [];
    this.keys = [];
  }
}
