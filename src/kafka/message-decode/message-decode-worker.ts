/**
 * The processor's decode thread (message-decode-thread.ts): parses groups of JSON message
 * values into float64 rows while the main thread fits the messages before them. It holds
 * no model state and answers each group in the order it came.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { LAYOUT_STRIDE, type DecodeGroupRequest, type DecodeGroupResult } from './decode-group.js';
import { uniformJsonRows } from './uniform-json-rows.js';

const { maxAbs } = workerData as { readonly maxAbs: number };

parentPort!.on('message', ({ id, bytes, ends }: DecodeGroupRequest) => {
  const layout = new Int32Array(ends.length * LAYOUT_STRIDE);
  // Enough for every message (see uniformJsonRows); trimmed before it is sent.
  const data = new Float64Array(Math.ceil(bytes.length / 2));
  let used = 0;
  // Decoded as the main thread decodes a value (a BOM kept, so that it is refused alike).
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let start = 0;
  for (let m = 0; m < ends.length; m++) {
    const rows = uniformJsonRows(text.toString('utf8', start, ends[m]), maxAbs, data, used);
    layout[m * LAYOUT_STRIDE] = used;
    layout[m * LAYOUT_STRIDE + 1] = rows?.n ?? 0;
    layout[m * LAYOUT_STRIDE + 2] = rows?.dim ?? 0;
    if (rows) used += rows.n * rows.dim;
    start = ends[m];
  }
  const result: DecodeGroupResult = { id, data: data.slice(0, used), layout };
  parentPort!.postMessage(result, [result.data.buffer as ArrayBuffer, layout.buffer as ArrayBuffer]);
});
