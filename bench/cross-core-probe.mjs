#!/usr/bin/env node
/**
 * Cross-core round trip on this machine, as the parallel E-step's hand-off sees it:
 *
 *   node bench/cross-core-probe.mjs [--ms 500] [--samples 10]
 *
 * Two threads bounce one cache line (a store, then a spin on the answer) 1,000 times per
 * block; prints the median round trip in ns of each `--ms` period, one line. On a VM the
 * two vCPUs move between host cores: the figure then jumps (here between ~150 and ~500 ns),
 * and with it the cost of every cache line the threads share.
 */
import { parseArgs } from 'node:util';
import { Worker, isMainThread, workerData } from 'node:worker_threads';

const PING = 0;
const PONG = 16;
const STOP = 32;
const READY = 48;

if (isMainThread) {
  const { values } = parseArgs({ options: { ms: { type: 'string', default: '500' }, samples: { type: 'string', default: '10' } } });
  const control = new Int32Array(new SharedArrayBuffer(256));
  const worker = new Worker(new URL(import.meta.url), { workerData: control.buffer });
  while (Atomics.load(control, READY) === 0);
  const periods = [];
  for (let p = 0; p < Number(values.samples); p++) {
    const blocks = [];
    const started = performance.now();
    while (performance.now() - started < Number(values.ms)) {
      const t0 = performance.now();
      for (let i = 0; i < 1000; i++) {
        Atomics.store(control, PING, 1);
        while (Atomics.load(control, PONG) === 0);
        Atomics.store(control, PONG, 0);
      }
      blocks.push((performance.now() - t0) * 1000);
    }
    blocks.sort((a, b) => a - b);
    periods.push(Math.round(blocks[blocks.length >> 1]));
  }
  process.stdout.write(`cross-core round trip, ns per ${values.ms} ms period: ${periods.join(' ')}\n`);
  Atomics.store(control, STOP, 1);
  Atomics.store(control, PING, 1);
  await worker.terminate();
} else {
  const control = new Int32Array(workerData);
  Atomics.store(control, READY, 1);
  for (;;) {
    while (Atomics.load(control, PING) === 0);
    Atomics.store(control, PING, 0);
    if (Atomics.load(control, STOP) === 1) break;
    Atomics.store(control, PONG, 1);
  }
}
