import { existsSync } from 'node:fs';
import { compiledWorkerUrl } from '../../worker-url.js';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { DecodeGroupRequest, DecodeGroupResult } from './decode-group.js';

function decodeWorkerUrl(): URL {
  return compiledWorkerUrl(import.meta.url, 'kafka/message-decode/message-decode-worker.js');
}

/**
 * The processor's decode thread (message-decode-worker.ts): `decode` sends a group of JSON
 * message values and resolves with their rows; groups are answered in order. A failed
 * thread resolves every group under way, and each later one, with null: the caller then
 * decodes on its own thread, as without one, and `failure` says why (once).
 */
export class MessageDecodeThread {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, (result: DecodeGroupResult | null) => void>();
  private nextId = 0;
  private failed: string | null = null;
  private closed = false;

  constructor(
    maxAbs: number,
    private readonly onFailure: (reason: string) => void,
  ) {
    const url = decodeWorkerUrl();
    const path = fileURLToPath(url);
    if (!existsSync(path)) throw new Error(`the decode thread is missing (${path}): run npm run build, or pass --decode-thread off`);
    this.worker = new Worker(url, { workerData: { maxAbs } });
    // Never what keeps a stopping process alive.
    this.worker.unref();
    this.worker.on('message', (result: DecodeGroupResult) => {
      const resolve = this.waiting.get(result.id);
      this.waiting.delete(result.id);
      resolve?.(result);
    });
    this.worker.on('error', (error) => this.fail(`the decode thread failed: ${error.message}`));
    this.worker.on('exit', (code) => {
      if (!this.closed) this.fail(`the decode thread exited (code ${code})`);
    });
  }

  /** The rows of these JSON values, or null when the thread has failed. */
  decode(values: readonly Buffer[]): Promise<DecodeGroupResult | null> {
    if (this.failed !== null || this.closed) return Promise.resolve(null);
    let total = 0;
    for (const v of values) total += v.length;
    const bytes = new Uint8Array(total);
    const ends = new Int32Array(values.length);
    let at = 0;
    values.forEach((v, i) => {
      bytes.set(v, at);
      at += v.length;
      ends[i] = at;
    });
    const id = this.nextId++;
    const request: DecodeGroupRequest = { id, bytes, ends };
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.worker.postMessage(request, [bytes.buffer, ends.buffer]);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const resolve of this.waiting.values()) resolve(null);
    this.waiting.clear();
    void this.worker.terminate();
  }

  private fail(reason: string): void {
    if (this.failed !== null) return;
    this.failed = reason;
    for (const resolve of this.waiting.values()) resolve(null);
    this.waiting.clear();
    this.onFailure(reason);
  }
}
