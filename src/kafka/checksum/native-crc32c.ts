import { createRequire } from 'node:module';

/**
 * kafkajs 2.2.4 checksums every record batch it produces (CRC-32C over the whole batch,
 * recordBatch/v0) with a byte-at-a-time JavaScript table on the main thread: about 3 ns a
 * byte here, 230 ms of a 4 s run that writes a scores record per input message. The same
 * checksum from @node-rs/crc32 (SSE4.2 / ARMv8 CRC instructions, prebuilt for each
 * platform) runs at over 4 GB/s. kafkajs has no hook for it, so its checksum module's
 * export is replaced in node's module cache: recordBatch/v0 loads it lazily, at the first
 * produce, and takes whatever the cache holds then. Consumers never checksum (kafkajs does
 * not verify fetched batches), and the broker verifies every batch we write, so a wrong
 * checksum could never pass silently.
 */
const require = createRequire(import.meta.url);

/** Which checksum kafkajs uses after `useNativeCrc32c`. */
export type Crc32cImplementation = 'native' | 'javascript';

let installed: Crc32cImplementation | null = null;

/**
 * Give kafkajs the native CRC-32C, once per process. 'javascript' where the native module
 * is missing (a platform without a prebuilt binary) or kafkajs already loaded its
 * record-batch encoder with its own: the same checksum, only slower.
 */
export function useNativeCrc32c(): Crc32cImplementation {
  if (installed !== null) return installed;
  installed = install();
  return installed;
}

function install(): Crc32cImplementation {
  let crc32c: (input: Buffer) => number;
  try {
    ({ crc32c } = require('@node-rs/crc32') as { crc32c: (input: Buffer) => number });
  } catch {
    return 'javascript';
  }
  const checksumPath = require.resolve('kafkajs/src/protocol/recordBatch/crc32C/index.js');
  const encoderPath = require.resolve('kafkajs/src/protocol/recordBatch/v0/index.js');
  // The encoder keeps the function it loaded: too late once it is in the cache.
  if (require.cache[encoderPath] !== undefined) return 'javascript';
  require(checksumPath);
  const cached = require.cache[checksumPath];
  if (cached === undefined) return 'javascript';
  // kafkajs's returns the checksum as an unsigned 32-bit number; so does crc32c.
  cached.exports = (buffer: Buffer): number => crc32c(buffer);
  return 'native';
}
