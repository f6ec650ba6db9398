import { Observable } from 'rxjs';
import { RefusedPoint } from '../em/point-validation.js';
import type { IdleDecodeThread } from '../io/decode-thread/decode-thread-spawn.js';
import { readValidatedChunks } from '../io/decode-thread/threaded-point-chunks.js';
import type { ValidatedChunk } from '../io/decode-thread/validated-chunk.js';
import { readPointChunks, type PointChunk, type PointFileOptions } from '../io/point-file.js';
import type { PointInput } from '../stream/point-input.js';

/** The line each row of an input item came from. */
export type ChunkPosition = { readonly lines: ArrayLike<number>; readonly epoch: number };

export interface FitInputOptions extends PointFileOptions {
  readonly decodeThread: boolean;
  /** A decode thread started ahead, used when decodeThread is true (and ended if not). */
  readonly prestarted?: IdleDecodeThread | null;
  /** The engine's fixed dimension (--dim) and largest accepted |x|, which the decode thread validates by. */
  readonly engineDim: number | null;
  readonly maxAbs: number;
}

/**
 * The points of FILE as the online-EM operator's input items, each with the lines of its
 * rows. Reading waits for the fit: each item is fitted before the next is taken. With the
 * decode thread, lines are read, parsed and validated there while the fit runs here; the
 * items are then runs of float64 rows and of refused rows (RefusedPoints of the same code
 * and message), which the engine takes to the same model, counts and rejections as the rows.
 */
export function fitInputs(file: string | null, options: FitInputOptions): Observable<PointInput<ChunkPosition>> {
  const { decodeThread, prestarted, engineDim, maxAbs, ...fileOptions } = options;
  if (!decodeThread) prestarted?.discard();
  return decodeThread
    ? itemsOf(readValidatedChunks(file, { ...fileOptions, engineDim, maxAbs, thread: prestarted }), runItems)
    : itemsOf(readPointChunks(file, fileOptions), rowItems);
}

function rowItems({ rows, lines, epoch }: PointChunk): PointInput<ChunkPosition>[] {
  return [{ points: rows, position: { lines, epoch } }];
}

function runItems({ runs, epoch }: ValidatedChunk): PointInput<ChunkPosition>[] {
  return runs.map((run) =>
    run.kind === 'accepted'
      ? { data: run.data, dim: run.dim, position: { lines: run.lines, epoch } }
      : { points: run.messages.map((message, i) => new RefusedPoint(message, run.codes[i])), position: { lines: run.lines, epoch } },
  );
}

function itemsOf<C>(chunks: AsyncGenerator<C>, items: (chunk: C) => PointInput<ChunkPosition>[]): Observable<PointInput<ChunkPosition>> {
  return new Observable((subscriber) => {
    let stopped = false;
    (async () => {
      for await (const chunk of chunks) {
        if (stopped) return;
        for (const item of items(chunk)) subscriber.next(item);
      }
      subscriber.complete();
    })().catch((error: unknown) => subscriber.error(error));
    return () => {
      stopped = true;
    };
  });
}
