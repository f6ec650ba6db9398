import { PointFileError, type PointFileOptions } from '../point-file.js';
import { chunkBytes, type DecodeControl, type DecodeMessage } from './decode-messages.js';
import { IdleDecodeThread } from './decode-thread-spawn.js';
import type { ValidatedChunk } from './validated-chunk.js';

/**
 * Bytes of decoded rows the decode thread may hold ahead of the fit: enough that it goes on
 * reading through the warm-up fit (at d = 16 this is 250,000 points, about half a second of
 * parsing), and a bound on the memory a file much larger than that can take.
 */
const READ_AHEAD_BYTES = 32 * 2 ** 20;

export interface ThreadedReadOptions extends PointFileOptions {
  /** The engine's fixed dimension (--dim), or null; and its largest accepted |x|. */
  readonly engineDim: number | null;
  readonly maxAbs: number;
  /** A thread started ahead (prestartDecodeThread), taken for this read; else one is started here. */
  readonly thread?: IdleDecodeThread | null;
}

/**
 * The chunks of `readPointChunks(source)`, read, parsed and validated on a thread of their
 * own (decode-worker.ts) as ValidatedChunks, in input order, while the caller fits the ones
 * before. The thread reads at most READ_AHEAD_BYTES of rows ahead. A PointFileError of the reader
 * is raised here as one; stopping the iteration early terminates the thread.
 */
export async function* readValidatedChunks(source: string | null, options: ThreadedReadOptions): AsyncGenerator<ValidatedChunk> {
  const { engineDim, maxAbs, onNotice, thread, ...file } = options;
  const worker = (thread ?? IdleDecodeThread.spawn()).take();
  const fromStdin = source === null || source === '-';
  if (fromStdin) process.stdin.pipe(worker.stdin!);
  else worker.stdin!.end();
  const queue: DecodeMessage[] = [];
  let failure: Error | null = null;
  let exited = false;
  let wake: (() => void) | null = null;
  const notify = (): void => {
    wake?.();
    wake = null;
  };
  worker.on('message', (message: DecodeMessage) => {
    queue.push(message);
    notify();
  });
  worker.on('error', (error) => {
    failure ??= new Error(`the decode thread failed: ${error.message}; rerun with --decode-thread off`);
    notify();
  });
  worker.on('exit', () => {
    exited = true;
    notify();
  });
  const control = (message: DecodeControl): void => worker.postMessage(message);
  const credit = (bytes: number): void => control({ type: 'credit', bytes });
  control({ type: 'start', job: { source, file, dim: engineDim, maxAbs } });
  credit(READ_AHEAD_BYTES);
  try {
    for (;;) {
      const message = queue.shift();
      if (message === undefined) {
        if (failure) throw failure;
        if (exited) throw new Error('the decode thread stopped before the end of its input; rerun with --decode-thread off');
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      if (message.type === 'end') return;
      if (message.type === 'error') throw message.pointFile ? new PointFileError(message.message) : new Error(message.message);
      if (message.type === 'notice') {
        onNotice?.(message.message, message.kind);
        continue;
      }
      credit(chunkBytes(message.chunk));
      yield message.chunk;
    }
  } finally {
    if (fromStdin) process.stdin.unpipe(worker.stdin!);
    if (!exited) await worker.terminate();
  }
}
