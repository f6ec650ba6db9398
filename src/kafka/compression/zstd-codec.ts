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
    compress: async (encoder: { buffer: Buffer }) => (zstd ?? missing()).compress(encoder.buffer, { params: { [zlib.constants.ZSTD_c_compressionLevel]: LEVEL } }),
    decompress: async (buffer: Buffer) => (zstd ?? missing()).decompress(buffer),
  });
}
