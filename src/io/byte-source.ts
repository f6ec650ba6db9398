import { createReadStream, statSync } from 'node:fs';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { PointFileError } from './point-file-error.js';

/** Bytes per read of a file. */
const CHUNK_BYTES = 1 << 20;
const GZIP_MAGIC = [0x1f, 0x8b] as const;

/** Where points are read from: a path, or null for stdin. */
export interface ByteSource {
  readonly path: string | null;
  /** For messages: the path, or `stdin`. */
  readonly label: string;
  /** A regular file, which can be read again (stdin, a FIFO, /dev/fd/N cannot). */
  readonly rereadable: boolean;
}

/**
 * The source named on a command line (null or `-`: stdin). A regular file, a FIFO or a
 * character device (`<(zcat f.gz)` gives /dev/fd/N) will do; a missing path or a
 * directory is a PointFileError.
 */
export function byteSource(source: string | null): ByteSource {
  if (source === null || source === '-') return { path: null, label: 'stdin', rereadable: false };
  let stats;
  try {
    stats = statSync(source);
  } catch (error) {
    throw new PointFileError(`FILE '${source}' cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}): check the path`);
  }
  if (stats.isDirectory()) throw new PointFileError(`FILE '${source}' is a directory, not a file of points`);
  return { path: source, label: source, rereadable: stats.isFile() };
}

/**
 * The bytes of the source, decompressed when it is gzip (by a .gz name, or by the gzip
 * magic number at its start, so `cat f.gz |` works too). Read and decompression
 * errors become PointFileErrors.
 */
export async function* readBytes(source: ByteSource): AsyncGenerator<Buffer> {
  const raw: AsyncIterable<Buffer> =
    source.path === null ? (process.stdin as AsyncIterable<Buffer>) : createReadStream(source.path, { highWaterMark: CHUNK_BYTES });
  const iterator = raw[Symbol.asyncIterator]();
  let first: IteratorResult<Buffer>;
  try {
    first = await iterator.next();
  } catch (error) {
    throw readError(source, error);
  }
  if (first.done) return;
  const head = first.value;
  const gzip = /\.gz$/i.test(source.path ?? '') || (head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1]);
  const all = (async function* () {
    try {
      yield head;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      // A reader that stops early closes the file.
      await iterator.return?.();
    }
  })();
  try {
    if (!gzip) {
      yield* all;
      return;
    }
    const gunzip = pipeline(all, createGunzip({ chunkSize: 256 * 1024 }), () => undefined);
    for await (const chunk of gunzip as AsyncIterable<Buffer>) yield chunk;
  } catch (error) {
    if (error instanceof PointFileError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (gzip && code.startsWith('Z_')) {
      throw new PointFileError(`cannot decompress ${source.label} as gzip (${(error as Error).message}): is it complete, and gzip?`);
    }
    throw readError(source, error);
  }
}

function readError(source: ByteSource, error: unknown): PointFileError {
  const e = error as NodeJS.ErrnoException;
  return new PointFileError(`cannot read ${source.label}: ${e.code ?? e.message ?? String(error)}`);
}
