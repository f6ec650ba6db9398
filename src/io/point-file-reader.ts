import { Worker } from 'node:worker_threads';
import { Observable } from 'rxjs';
import { RefusedPoint } from '../em/point-validation.js';
import type { PointInput } from '../stream/point-input.js';
import type { ReaderMessage, ReaderRequest, WorkerData } from './point-file-protocol.js';

/** Where the rows of an input item came from: a line number per row. */
export interface LinePosition {
  readonly lines: ArrayLike<number>;
  readonly epoch: number;
}

/** Chunks the worker may have decoded ahead of the fit. */
const READ_AHEAD = 3;
/** Rows per input item handed to the operator (it checks its snapshot cadence between items). */
export const ROWS_PER_INPUT = 1024;

/**
 * The points of an NDJSON file, decoded and validated on a worker thread while the
 * caller fits on its own: for each read of the file, its refused points (as
 * RefusedPoint rows, so they are counted and reported) and its valid rows (float64).
 * The worker stays at most READ_AHEAD chunks ahead, so memory is bounded by that.
 */
export function pointFileChunks(file: string, epochs: number, maxAbs: number): Observable<PointInput<LinePosition>> {
  return new Observable((subscriber) => {
    const workerData: WorkerData = { file, epochs, maxAbs };
    const worker = new Worker(new URL('./point-file-worker.js', import.meta.url), { workerData });
    let finished = false;
    const grant = (credit: number): void => worker.postMessage({ credit } satisfies ReaderRequest);
    worker.on('message', (message: ReaderMessage) => {
      if (message.type === 'end') {
        finished = true;
        subscriber.complete();
        void worker.terminate();
        return;
      }
      if (message.type === 'error') {
        finished = true;
        subscriber.error(new Error(message.message));
        return;
      }
      const { epoch, refused } = message;
      if (refused.length > 0) {
        subscriber.next({
          points: refused.map((r) => new RefusedPoint(r.message, r.code)),
          position: { lines: refused.map((r) => r.line), epoch },
        });
      }
      // In pieces as the main-thread path makes them, so snapshot cadences stay as fine.
      const { data, dim, lines } = message;
      for (let start = 0; start < lines.length; start += ROWS_PER_INPUT) {
        const end = Math.min(lines.length, start + ROWS_PER_INPUT);
        subscriber.next({ data: data.subarray(start * dim, end * dim), dim, position: { lines: lines.subarray(start, end), epoch } });
      }
      grant(1);
    });
    worker.on('error', (error) => {
      finished = true;
      subscriber.error(error);
    });
    worker.on('exit', (code) => {
      if (!finished) subscriber.error(new Error(`the reader thread stopped (exit code ${code}) before the end of ${file}`));
    });
    grant(READ_AHEAD);
    return () => {
      finished = true;
      void worker.terminate();
    };
  });
}
