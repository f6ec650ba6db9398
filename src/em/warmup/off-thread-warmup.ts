import { existsSync } from 'node:fs';
import { compiledWorkerUrl } from '../../worker-url.js';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ResolvedOptions } from '../options.js';
import type { PointBatch } from '../types.js';
import type { WarmupFit } from './warmup-fit.js';

function warmupWorkerUrl(): URL {
  return compiledWorkerUrl(import.meta.url, 'em/warmup/warmup-worker.js');
}

/** The fit was given up: `signal` aborted. */
export class WarmupFitAborted extends Error {
  constructor() {
    super('the warm-up fit was stopped');
  }
}

/**
 * `fitWarmup` on a worker thread of its own, which exits when done: the calling thread's
 * event loop runs on meanwhile. Same options, same buffer, same bits as on the calling
 * thread. Rejects, in one line, when the worker is missing or fails; with WarmupFitAborted,
 * the worker terminated, when `signal` aborts (a shutdown need not wait for the fit).
 */
export function fitWarmupOffThread(buffer: PointBatch, options: ResolvedOptions, signal?: AbortSignal): Promise<WarmupFit> {
  const url = warmupWorkerUrl();
  const path = fileURLToPath(url);
  if (!existsSync(path)) return Promise.reject(new Error(`the warm-up worker is missing (${path}): run npm run build`));
  if (signal?.aborted) return Promise.reject(new WarmupFitAborted());
  return new Promise((resolve, reject) => {
    // A copy: the buffer stays the caller's, to compare with when the fit is used.
    const worker = new Worker(url, { workerData: { data: buffer.data.slice(0, buffer.n * buffer.dim), dim: buffer.dim, options } });
    let result: WarmupFit | null = null;
    let aborted = false;
    const abort = (): void => {
      aborted = true;
      void worker.terminate();
    };
    signal?.addEventListener('abort', abort, { once: true });
    worker.once('message', (message: WarmupFit) => (result = message));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      signal?.removeEventListener('abort', abort);
      if (result) resolve(result);
      else reject(aborted ? new WarmupFitAborted() : new Error(`the warm-up worker exited with code ${code} before its fit`));
    });
  });
}
