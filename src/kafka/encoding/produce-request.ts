import { createRequire } from 'node:module';

/**
 * kafkajs 2.2.4's produce request (v3, which v4–v7 reuse) encodes each record in an Encoder of
 * its own, concatenates them, wraps the record batch in an Encoder per level (batch body, batch,
 * partition, topic, request) and copies the whole batch at each: with --scores-topic, most of
 * what the processor allocates beyond its input. This writes the same bytes with sizes worked
 * out first: the records into one buffer (the codec's input when compressed), each partition's
 * batch into one, and the request into one of its final size (kafkajs's framing, request.js,
 * then copies it twice more, as it does every request).
 *
 * Only for the messages it knows: keys and values null, strings or Buffers, headers of string or
 * Buffer values or arrays of them (a header repeated, as kafkajs hands them to a consumer, and
 * so to a dead letter), timestamps absent or integers (numbers or strings). Any other
 * message in a request, and kafkajs's own encoding writes it, as before.
 */
const require = createRequire(import.meta.url);

type Bytes = Buffer | string | null | undefined;

interface ProduceMessage {
  readonly key?: Bytes;
  readonly value: Bytes;
  readonly headers?: Readonly<Record<string, unknown>>;
  readonly timestamp?: string | number;
}

interface PartitionData {
  readonly partition: number;
  readonly firstSequence?: number;
  readonly messages: readonly ProduceMessage[];
}

export interface ProduceRequestArgs {
  readonly acks: number;
  readonly timeout: number;
  readonly transactionalId?: string | null;
  readonly producerId?: { toString(): string } | number;
  readonly producerEpoch?: number;
  readonly compression?: number;
  readonly topicData: readonly { readonly topic: string; readonly partitions: readonly PartitionData[] }[];
}

interface KafkajsEncoder {
  buf: Buffer;
  offset: number;
  /** The bytes written (kafkajs's getter). */
  readonly buffer: Buffer;
}

interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
}

const MAGIC = 2;
const TRANSACTIONAL = 16;
const CODEC_MASK = 0x07;

/** Whether every message of the request has the shapes this encoder writes. */
export function encodesItself(args: ProduceRequestArgs): boolean {
  for (const { partitions } of args.topicData) {
    for (const { messages, firstSequence } of partitions) {
      if (firstSequence !== undefined && !Number.isInteger(firstSequence)) return false;
      for (const m of messages) {
        if (!isBytes(m.key) || !isBytes(m.value)) return false;
        if (m.timestamp != null && !isIntegerTimestamp(m.timestamp)) return false;
        if (m.headers != null) for (const v of Object.values(m.headers)) if (!(Array.isArray(v) ? v.every(isHeaderValue) : isHeaderValue(v))) return false;
      }
    }
  }
  return true;
}

function isHeaderValue(v: unknown): boolean {
  return typeof v === 'string' || Buffer.isBuffer(v);
}

function isBytes(v: unknown): v is Bytes {
  return v == null || typeof v === 'string' || Buffer.isBuffer(v);
}

function isIntegerTimestamp(t: unknown): boolean {
  return (typeof t === 'number' && Number.isSafeInteger(t)) || (typeof t === 'string' && /^-?\d{1,15}$/.test(t));
}

/** The request's bytes, as kafkajs's v3 encode returns them: a kafkajs Encoder holding them. */
export async function encodeProduceRequest(args: ProduceRequestArgs): Promise<KafkajsEncoder> {
  const transactionalId = args.transactionalId ?? null;
  const producerId = BigInt((args.producerId ?? -1).toString());
  const producerEpoch = args.producerEpoch ?? 0;
  const compression = args.compression ?? 0;
  const topics: { name: Buffer; partitions: { partition: number; batch: Buffer }[] }[] = [];
  for (const { topic, partitions } of args.topicData) {
    const encoded = [];
    // kafkajs marks the batch transactional for a non-empty id (`!!transactionalId`).
    for (const data of partitions) encoded.push(await recordBatch(data, compression, Boolean(transactionalId), producerId, producerEpoch));
    topics.push({ name: Buffer.from(topic, 'utf8'), partitions: encoded });
  }
  const id = transactionalId === null ? null : Buffer.from(transactionalId, 'utf8');
  let size = 2 + (id?.length ?? 0) + 2 + 4 + 4;
  for (const t of topics) {
    size += 2 + t.name.length + 4;
    for (const p of t.partitions) size += 4 + 4 + p.batch.length;
  }
  const w = new Writer(size);
  w.int16(id === null ? -1 : id.length);
  if (id) w.bytes(id);
  w.int16(args.acks);
  w.int32(args.timeout);
  w.int32(topics.length);
  for (const t of topics) {
    w.int16(t.name.length);
    w.bytes(t.name);
    w.int32(t.partitions.length);
    for (const p of t.partitions) {
      w.int32(p.partition);
      w.int32(p.batch.length);
      w.bytes(p.batch);
    }
  }
  return asEncoder(w.done());
}

/** firstOffset, length and the batch (partitionLeaderEpoch, magic, CRC-32C, body), as RecordBatch v0 writes it. */
async function recordBatch(data: PartitionData, compression: number, transactional: boolean, producerId: bigint, producerEpoch: number): Promise<{ partition: number; batch: Buffer }> {
  const { messages } = data;
  const dateNow = Date.now();
  // kafkajs sorts the timestamps as they are given (strings sort as text) and takes the first and last.
  const given = messages.map((m) => m.timestamp).filter((t) => t != null) as (string | number)[];
  given.sort();
  const timestamps = given.length === 0 ? [dateNow] : given;
  const firstTimestamp = timestamps[0];
  const maxTimestamp = timestamps[timestamps.length - 1];
  const records = encodeRecords(messages, dateNow, Number(firstTimestamp));
  const codecType = compression & CODEC_MASK;
  const codec = compression === 0 ? null : lookupCodec(compression);
  const payload = codec ? await codec.compress({ buffer: records }) : records;
  // Body: attributes … firstSequence, the record count, the records (or their compression).
  const bodyLength = 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4 + payload.length;
  const batchLength = 4 + 1 + 4 + bodyLength;
  const w = new Writer(8 + 4 + batchLength);
  w.int64(0n);
  w.int32(batchLength);
  w.int32(0); // partitionLeaderEpoch
  w.int8(MAGIC);
  const crcAt = w.skip(4);
  const bodyAt = w.position;
  w.int16(codecType | (transactional ? TRANSACTIONAL : 0));
  w.int32(messages.length - 1);
  w.int64(BigInt(firstTimestamp));
  w.int64(BigInt(maxTimestamp));
  w.int64(producerId);
  w.int16(producerEpoch);
  w.int32(data.firstSequence ?? 0);
  w.int32(messages.length);
  w.bytes(payload);
  const out = w.done();
  out.writeUInt32BE(crc32c(out.subarray(bodyAt)), crcAt);
  return { partition: data.partition, batch: out };
}

/** Every record (Record v0) into one buffer of their total size. */
function encodeRecords(messages: readonly ProduceMessage[], dateNow: number, firstTimestamp: number): Buffer {
  const parts = messages.map((m, i) => {
    const key = bytesOf(m.key);
    const value = bytesOf(m.value);
    // A repeated header is one header per value, in order (kafkajs's flatMap).
    const headers = Object.entries(m.headers ?? {}).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((one) => [Buffer.from(k, 'utf8'), bytesOf(one as Bytes)!] as const));
    const timestampDelta = Number(m.timestamp || dateNow) - firstTimestamp;
    let body = 1 + varLongSize(timestampDelta) + varIntSize(i) + bytesSize(key) + bytesSize(value) + varIntSize(headers.length);
    for (const [k, v] of headers) body += bytesSize(k) + bytesSize(v);
    return { key, value, headers, timestampDelta, body };
  });
  let size = 0;
  for (const p of parts) size += varIntSize(p.body) + p.body;
  const w = new Writer(size);
  parts.forEach((p, i) => {
    w.varInt(p.body);
    w.int8(0);
    w.varLong(p.timestampDelta);
    w.varInt(i);
    w.varBytes(p.key);
    w.varBytes(p.value);
    w.varInt(p.headers.length);
    for (const [k, v] of p.headers) {
      w.varBytes(k);
      w.varBytes(v);
    }
  });
  return w.done();
}

function bytesOf(v: Bytes): Buffer | null {
  if (v == null) return null;
  return Buffer.isBuffer(v) ? v : Buffer.from(String(v), 'utf8');
}

function bytesSize(b: Buffer | null): number {
  return b === null ? varIntSize(-1) : varIntSize(b.length) + b.length;
}

/** Zig-zag varint of a 32-bit integer (Encoder.sizeOfVarInt). */
function varIntSize(value: number): number {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  let n = 1;
  while (v >= 0x80) {
    v >>>= 7;
    n++;
  }
  return n;
}

function zigZag64(value: number): bigint {
  const v = BigInt(value);
  return v >= 0n ? v << 1n : (-v << 1n) - 1n;
}

function varLongSize(value: number): number {
  let v = zigZag64(value);
  let n = 1;
  while (v >= 0x80n) {
    v >>= 7n;
    n++;
  }
  return n;
}

/** Big-endian fields and varints into a buffer of a size known beforehand. */
class Writer {
  private readonly buf: Buffer;
  position = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  int8(v: number): void {
    this.buf.writeInt8(v, this.position);
    this.position += 1;
  }

  int16(v: number): void {
    this.buf.writeInt16BE(v, this.position);
    this.position += 2;
  }

  int32(v: number): void {
    this.buf.writeInt32BE(v, this.position);
    this.position += 4;
  }

  int64(v: bigint): void {
    this.buf.writeBigInt64BE(BigInt.asIntN(64, v), this.position);
    this.position += 8;
  }

  skip(n: number): number {
    const at = this.position;
    this.position += n;
    return at;
  }

  bytes(b: Buffer): void {
    b.copy(this.buf, this.position);
    this.position += b.length;
  }

  varInt(value: number): void {
    let v = ((value << 1) ^ (value >> 31)) >>> 0;
    while (v >= 0x80) {
      this.buf[this.position++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.position++] = v;
  }

  varLong(value: number): void {
    let v = zigZag64(value);
    while (v >= 0x80n) {
      this.buf[this.position++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.position++] = Number(v);
  }

  varBytes(b: Buffer | null): void {
    if (b === null) return this.varInt(-1);
    this.varInt(b.length);
    this.bytes(b);
  }

  done(): Buffer {
    if (this.position !== this.buf.length) throw new Error(`produce request encoding: wrote ${this.position} bytes of ${this.buf.length}`);
    return this.buf;
  }
}

function lookupCodec(compression: number): Codec {
  const { lookupCodec: lookup } = require('kafkajs/src/protocol/message/compression/index.js') as { lookupCodec(type: number): Codec | null };
  const codec = lookup(compression);
  if (!codec) throw new Error(`no codec for compression type ${compression}`);
  return codec;
}

function crc32c(bytes: Buffer): number {
  return (require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (b: Buffer) => number)(bytes);
}

type ProduceRequestFactory = (args: ProduceRequestArgs) => { encode: () => Promise<KafkajsEncoder> };

/** kafkajs's own v3 produce request, once replaced (tests compare the bytes). */
export let kafkajsProduceRequest: ProduceRequestFactory | null = null;

/**
 * Have kafkajs's produce requests (v3 to v7) encode with encodeProduceRequest, once per process:
 * v3's export is replaced in node's module cache; v4 to v7 take it when they load (at the first
 * produce), so false when one already has (kafkajs's encoding then stays).
 */
export function useOwnProduceEncoding(): boolean {
  if (kafkajsProduceRequest) return true;
  const versionPath = (v: number) => require.resolve(`kafkajs/src/protocol/requests/produce/v${v}/request.js`);
  if ([4, 5, 6, 7].some((v) => require.cache[versionPath(v)] !== undefined)) return false;
  const path = versionPath(3);
  require(path);
  const cached = require.cache[path];
  if (cached === undefined) return false;
  const original = cached.exports as ProduceRequestFactory;
  kafkajsProduceRequest = original;
  cached.exports = ((args: ProduceRequestArgs) => {
    const request = original(args);
    return encodesItself(args) ? { ...request, encode: () => encodeProduceRequest(args) } : request;
  }) satisfies ProduceRequestFactory;
  return true;
}

function asEncoder(bytes: Buffer): KafkajsEncoder {
  const Encoder = require('kafkajs/src/protocol/encoder.js') as new (initialSize?: number) => KafkajsEncoder;
  const encoder = new Encoder(0);
  encoder.buf = bytes;
  encoder.offset = bytes.length;
  return encoder;
}
