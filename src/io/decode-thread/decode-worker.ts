/**
 * The decode thread (threaded-point-chunks.ts): reads a point file, splits and parses its
 * lines and validates the rows, and posts them as ValidatedChunks, in order, while the main
 * thread fits. It reads ahead only as far as the main thread's credit (in bytes of rows)
 * allows, so a large file is never held in memory. Its job comes as the first message
 * (DecodeStart), so that it can be started before the job is known (decode-thread-spawn.ts).
 */
import { parentPort } from 'node:worker_threads';
import { PointFileError, readPointChunks } from '../point-file.js';
import { chunkBytes, type DecodeControl, type DecodeJob, type DecodeMessage } from './decode-messages.js';
import { ChunkValidator } from './validated-chunk.js';

const port = parentPort!;
let credit = 0;
let wake: (() => void) | null = null;
port.on('message', (message: DecodeControl) => {
  if (message.type === 'start') {
    decode(message.job)
      .catch((error: unknown) => post({ type: 'error', message: error instanceof Error ? error.message : String(error), pointFile: error instanceof PointFileError }))
      // The credit listener would keep the thread alive.
      .finally(() => port.removeAllListeners('message'));
    return;
  }
  credit += message.bytes;
  wake?.();
  wake = null;
});

const post = (message: DecodeMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

async function decode(job: DecodeJob): Promise<void> {
  const validator = new ChunkValidator(job.dim, job.maxAbs);
  const chunks = readPointChunks(job.source, { ...job.file, onNotice: (message, kind) => post({ type: 'notice', message, kind }) });
  for await (const chunk of chunks) {
    while (credit <= 0) await new Promise<void>((resolve) => (wake = resolve));
    const validated = validator.validate(chunk);
    credit -= chunkBytes(validated);
    const transfer: ArrayBuffer[] = [];
    for (const run of validated.runs) if (run.kind === 'accepted') transfer.push(run.data.buffer as ArrayBuffer, run.lines.buffer as ArrayBuffer);
    post({ type: 'chunk', chunk: validated }, transfer);
  }
  post({ type: 'end' });
}
