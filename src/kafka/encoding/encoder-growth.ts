import { createRequire } from 'node:module';

/**
 * kafkajs 2.2.4 writes each produce request through nested Encoders (record, records,
 * batch body, batch, partition, topic, request, frame), and each grows to the next power of
 * two with a zero-filled Buffer.alloc and copies the whole batch in: a 4 MiB batch of scores
 * records allocates it ~9 times over (the records' Encoder doubling from 512 bytes). Those
 * buffers are memory outside V8's heap, and V8 runs a full mark-compact for every few tens
 * of MB of it: with --scores-topic (binary, no responsibilities), 2M points allocated 754 MB
 * (266 MB without scores), and the processor ran ~20 full GCs (1-2 without), 0.2 s of its
 * main thread.
 *
 * Two changes to kafkajs's Encoder, same bytes out (only a buffer's spare room differs):
 * - past LARGE, a buffer grows to what is needed and SLACK more (the fields that follow a
 *   record's value, its headers, fit in it), or by a quarter when appended to (still
 *   geometric: appends stay linear), without zero-filling (an Encoder only ever exposes the
 *   bytes it wrote, `buf.slice(0, offset)`): a 37 kB binary scores record took 64 kB;
 * - writeEncoderArray (the records of a compressed batch) makes room for all of them at once.
 * The Encoder class is shared by every kafkajs client of the process, so it is patched once,
 * on its prototype, for all of them. Produce requests of the usual shapes are now written by
 * produce-request.ts, with no nesting at all; this growth is for the produce requests that it
 * leaves to kafkajs, and for any other large request.
 */
const require = createRequire(import.meta.url);

/** Below this, kafkajs's own growth (small buffers: most requests, every record header). */
const LARGE = 16 * 1024;
/** Room past a large write for what an Encoder writes after it. */
const SLACK = 4 * 1024;

interface KafkajsEncoder {
  buf: Buffer;
  offset: number;
  ensureAvailable(length: number): void;
  writeEncoderArray(value: unknown): KafkajsEncoder;
}

interface EncoderClass {
  prototype: KafkajsEncoder;
  nextPowerOfTwo(value: number): number;
}

type Growth = Pick<KafkajsEncoder, 'ensureAvailable' | 'writeEncoderArray'>;

let kafkajsGrowth: Growth | null = null;
let ours: Growth | null = null;

function encoderClass(): EncoderClass {
  return require('kafkajs/src/protocol/encoder.js') as EncoderClass;
}

/** Give kafkajs's Encoder the growth above, once per process. */
export function useExactEncoderGrowth(): void {
  if (ours) return;
  const Encoder = encoderClass();
  const proto = Encoder.prototype;
  kafkajsGrowth = { ensureAvailable: proto.ensureAvailable, writeEncoderArray: proto.writeEncoderArray };
  const writeEncoderArray = proto.writeEncoderArray;
  ours = {
    ensureAvailable(this: KafkajsEncoder, length: number): void {
      const needed = this.offset + length;
      if (!(needed > this.buf.length)) return;
      const grown =
        needed < LARGE ? Encoder.nextPowerOfTwo(needed) : Math.max(needed + SLACK, Math.min(2 * this.buf.length, needed + Math.ceil(needed / 4)));
      const next = needed < LARGE ? Buffer.alloc(grown) : Buffer.allocUnsafe(grown);
      this.buf.copy(next, 0, 0, this.offset);
      this.buf = next;
    },
    writeEncoderArray(this: KafkajsEncoder, value: unknown): KafkajsEncoder {
      // Room for every encoder at once (kafkajs validates the array, as before).
      if (Array.isArray(value)) {
        let total = 0;
        for (const v of value) total += typeof (v as KafkajsEncoder | null)?.offset === 'number' ? (v as KafkajsEncoder).offset : 0;
        this.ensureAvailable(total);
      }
      return writeEncoderArray.call(this, value);
    },
  };
  Object.assign(proto, ours);
}

/** Run `fn` with kafkajs's own growth, until the promise it returns settles (tests: the bytes must not change). */
export async function withKafkajsEncoderGrowth<T>(fn: () => Promise<T>): Promise<T> {
  if (!kafkajsGrowth || !ours) return fn();
  const proto = encoderClass().prototype;
  Object.assign(proto, kafkajsGrowth);
  try {
    return await fn();
  } finally {
    Object.assign(proto, ours);
  }
}
