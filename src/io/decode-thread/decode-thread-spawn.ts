import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { compiledWorkerUrl } from '../../worker-url.js';

/**
 * A decode thread (decode-worker.ts) that has been started but given no job yet: it loads its
 * modules meanwhile and then waits for a DecodeStart. Its stdin is open, for a job that reads
 * stdin. Until taken it is unref'd, so an unused one never keeps the process alive.
 */
export class IdleDecodeThread {
  private worker: Worker | null;
  /** It failed or exited before it was taken: the taker would never hear of it, so take() starts another. */
  private lost = false;

  private constructor(worker: Worker) {
    this.worker = worker;
    worker.unref();
    const lose = (): void => {
      if (this.worker === worker) this.lost = true;
    };
    worker.on('error', lose);
    worker.on('exit', lose);
  }

  /** A new decode thread; the error says what to do when the compiled worker is missing. */
  static spawn(): IdleDecodeThread {
    const url = compiledWorkerUrl(import.meta.url, 'io/decode-thread/decode-worker.js');
    const path = fileURLToPath(url);
    if (!existsSync(path)) throw new Error(`the decode thread is missing (${path}): run npm run build, or pass --decode-thread off`);
    return new IdleDecodeThread(new Worker(url, { stdin: true }));
  }

  /** The thread, once, ref'd again: the taker gives it its job and ends it. */
  take(): Worker {
    const worker = this.worker;
    if (worker === null) throw new Error('this decode thread was already taken');
    this.worker = null;
    if (this.lost) return IdleDecodeThread.spawn().take();
    worker.ref();
    return worker;
  }

  /** Ends the thread if nobody took it. */
  discard(): void {
    void this.worker?.terminate();
    this.worker = null;
  }
}

/**
 * `fit`'s decode thread, started before fit's modules are loaded so that both boot at once
 * (the thread's start was ~50-70 ms of idle main thread in a 1 s fit). Null where it cannot be
 * started; `fit` then starts its own if asked.
 */
export function prestartDecodeThread(): IdleDecodeThread | null {
  try {
    return IdleDecodeThread.spawn();
  } catch {
    return null;
  }
}
