import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import kafkajs from 'kafkajs';

/** Fast end of zstd's scale: the scores are float32 columns, mostly runs of 0 and 1, that compress 3–5× even so. */
const LEVEL = 1;

/** Node's zstd (since 22.15 and 23.8; the project runs on 24), or null on an older Node. */
const zstd =
  typeof zlib.zstdCompress === 'function' && typeof zlib.zstdDecompress === 'function'
    ? { compress: promisify(zlib.zstdCompress), decompress: promisify(zlib.zstdDecompress) }
    : null;

/** Whether this Node has zstd (the scores topic's default compression falls back to none without it). */
export function zstdAvailable(): boolean {
  return zstd !== null;
}

function missing(): never {
  throw new Error(`zstd needs Node.js 22.15 or newer (this is ${process.version}): run on Node 24 (.nvmrc), or pass --scores-compression none`);
}

let registered = false;

/**
 * zlib's output chunk for `bytes` of expected output: within [64 KiB, 8 MiB]. zlib's default
 * (16 KiB) cuts a 4 MiB batch's output into dozens of buffers, each a callback and an
 * allocation on the main thread; one large chunk took 35-45% less CPU to compress a 4 MiB
 * scores batch (bench: 20 batches, 351-431 ms at the default, 233-277 ms at 1 MiB).
 */
function chunkSizeFor(bytes: number): number {
  return Math.min(8 * 2 ** 20, Math.max(64 * 1024, Math.ceil(bytes)));
}

/**
 * Kafka's zstd (compression type 4, supported by brokers since 2.1 and by the Java client,
 * librdkafka, franz-go and Sarama) for kafkajs, which ships no zstd codec, from Node's own
 * zlib: no native dependency. The work runs on libuv's thread pool, off the main thread,
 * which then checksums and copies a batch a few times smaller (kafkajs does both in JS).
 * Registered once for the whole process, so every client of ours writes and reads it.
 */
export function registerZstdCodec(): void {
  if (registered) return;
  registered = true;
  kafkajs.CompressionCodecs[kafkajs.CompressionTypes.ZSTD] = () => ({
    // Scores compress 3-5×: half the input is room enough for the output of one chunk.
    compress: async (encoder: { buffer: Buffer }) =>
      (zstd ?? missing()).compress(encoder.buffer, { chunkSize: chunkSizeFor(encoder.buffer.length / 2), params: { [zlib.constants.ZSTD_c_compressionLevel]: LEVEL } }),
    decompress: async (buffer: Buffer) => (zstd ?? missing()).decompress(buffer, { chunkSize: chunkSizeFor(buffer.length * 4) }),
  });
}
