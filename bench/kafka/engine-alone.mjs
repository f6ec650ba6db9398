// The processor's work without Kafka, in one process, on the very messages the Kafka bench
// produces (regenerated from the same seed): explains where the processor's time goes.
//   engine    OnlineEm.ingestFloat64 / ingestRows on messages decoded beforehand
//   decode    decodeMessage alone (binary: aligned copy; JSON: JSON.parse), as the processor calls it
//   decode+engine   decodeMessage + ingest, message by message
//   operator  decodeMessage + Subject.next into the onlineEm operator with the processor's settings
//             (snapshots every 5 s with the full state attached, progress events, checkpoint requests)
// Usage: node bench/kafka/engine-alone.mjs '<json {format, points, seed, variants}>'; prints one JSON line.
import { Subject } from 'rxjs';
import { OnlineEm } from '../../dist/em/online-em.js';
import { decodeMessage } from '../../dist/kafka/message-format.js';
import { onlineEm } from '../../dist/stream/online-em-operator.js';
import { encodeMessage, messagePoints, nowMs, POINTS_PER_MESSAGE, runEngineOptions } from './common.mjs';

const { format, points, seed, variants = ['operator', 'decode+engine', 'decode', 'engine'] } = JSON.parse(process.argv[2]);
const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;
const options = runEngineOptions();

const messages = [];
let bytes = 0;
for (let i = 0; i * POINTS_PER_MESSAGE < points; i++) {
  const m = encodeMessage(format, messagePoints(seed, i));
  bytes += m.value.length;
  messages.push(m);
}
const position = (i) => ({ topic: 'bench', partition: 0, offset: String(i) });
const decode = (m, i) => decodeMessage(m.value, m.headers, position(i), MAX_MESSAGE_BYTES);
const ingest = (engine, input) => (input.data ? engine.ingestFloat64(input.data, input.dim) : engine.ingestRows(input.points));

function time(run) {
  const t0 = nowMs();
  const extra = run();
  const ms = nowMs() - t0;
  return { ms, pointsPerSecond: (points / ms) * 1000, mbPerSecond: bytes / 1e3 / ms, ...extra };
}

const results = {};
for (const variant of variants) {
  if (variant === 'engine') {
    const inputs = messages.map(decode);
    const engine = new OnlineEm(options);
    results[variant] = time(() => {
      let rejected = 0;
      for (const input of inputs) rejected += ingest(engine, input).length;
      return { rejected, batches: engine.counters.batches };
    });
  } else if (variant === 'decode') {
    results[variant] = time(() => {
      let check = 0;
      for (let i = 0; i < messages.length; i++) {
        const input = decode(messages[i], i);
        check += input.data ? input.data[0] : input.points.length;
      }
      return { check };
    });
  } else if (variant === 'decode+engine') {
    const engine = new OnlineEm(options);
    results[variant] = time(() => {
      let rejected = 0;
      for (let i = 0; i < messages.length; i++) rejected += ingest(engine, decode(messages[i], i)).length;
      return { rejected, batches: engine.counters.batches };
    });
  } else if (variant === 'operator') {
    const inputs = new Subject();
    const checkpointRequests = new Subject();
    let snapshots = 0;
    let progress = 0;
    const subscription = inputs
      .pipe(
        onlineEm({
          ...options,
          snapshotEvery: null,
          snapshotIntervalMs: 5000,
          progressIntervalMs: 2500,
          flushOnComplete: false,
          includeState: true,
          checkpointRequests,
        }),
      )
      .subscribe((event) => {
        if (event.type === 'snapshot') snapshots++;
        if (event.type === 'progress') progress++;
      });
    results[variant] = time(() => {
      for (let i = 0; i < messages.length; i++) inputs.next(decode(messages[i], i));
      return { snapshots, progress };
    });
    subscription.unsubscribe();
  }
}
process.stdout.write(`${JSON.stringify({ format, points, bytes, messages: messages.length, results })}\n`);
