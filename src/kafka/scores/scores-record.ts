import kafkajs, { type IHeaders, type Message } from 'kafkajs';
import { REFUSED_COMPONENT, WARMING_UP_COMPONENT, type ItemScores } from '../../stream/item-scoring.js';
import { CONTENT_TYPE_HEADER, headerText, JSON_CONTENT_TYPE, LITTLE_ENDIAN_HOST, sourceOf, type MessagePosition } from '../message-format.js';

/** content-type of the binary scores record (see encodeBinaryScores for the layout). */
export const SCORES_CONTENT_TYPE = 'application/x-online-em-scores';
export type ScoresFormat = 'json' | 'binary';
/**
 * How the scores topic's record batches are compressed. Scores are the processor's largest
 * output (as large as the input), and kafkajs checksums and copies every batch in JavaScript
 * on the main thread: zstd (src/kafka/compression/zstd-codec.ts) makes them 3–5× smaller.
 */
export type ScoresCompression = 'zstd' | 'none';

/** kafkajs's compression type of a scores compression. */
export function scoresCompressionType(compression: ScoresCompression): kafkajs.CompressionTypes {
  return compression === 'zstd' ? kafkajs.CompressionTypes.ZSTD : kafkajs.CompressionTypes.None;
}

export const SCORES_HEADERS = { model: 'online-em-model', source: 'online-em-source' } as const;

/**
 * Bytes of scores records per record batch of a commit: few round trips (the transactional
 * producer has one request in flight), within the scores topic's max.message.bytes (64 MiB
 * when online-em creates it; a topic made beforehand needs at least this much).
 */
export const SCORES_BATCH_BYTES = 4 * 1024 * 1024;

const MAGIC = 0x534d454f; // "OEMS", little-endian
/** Version 2 carries float32 responsibilities; version 1 (float64 ones) is still read. */
const VERSION = 2;
/** Version 3: version 2 without the responsibilities (--scores-responsibilities off). */
const VERSION_WITHOUT_RESPONSIBILITIES = 3;
const HEADER_BYTES = 16;

/** Bytes per responsibility in a version's layout. */
const RESPONSIBILITY_BYTES: Readonly<Record<number, number>> = { 1: 8, 2: 4, 3: 0 };

/** Bytes of a record of n points and k components, in a version's layout. */
function recordBytes(version: number, n: number, k: number): number {
  return HEADER_BYTES + 8 * n + RESPONSIBILITY_BYTES[version]! * n * k + 4 * n + n;
}


/**
 * The record of one input message's scores, keyed by the input's key; without each point's
 * responsibilities when `responsibilities` is false (--scores-responsibilities off).
 */
export function scoresMessage(
  scores: ItemScores,
  format: ScoresFormat,
  model: string,
  position: MessagePosition,
  key: Buffer | string | null,
  responsibilities = true,
): Message {
  const source = sourceOf(position);
  const headers: IHeaders = { [SCORES_HEADERS.model]: model, [SCORES_HEADERS.source]: source };
  if (format === 'binary') return { key, value: encodeBinaryScores(scores, responsibilities), headers: { [CONTENT_TYPE_HEADER]: SCORES_CONTENT_TYPE, ...headers } };
  return { key, value: Buffer.from(jsonScores(scores, model, source, responsibilities)), headers: { [CONTENT_TYPE_HEADER]: JSON_CONTENT_TYPE, ...headers } };
}

/**
 * `{"model", "source", "points": [...]}`, a point each in input order: `{"logLikelihood",
 * "component", "responsibilities", "anomaly"}` (no "responsibilities" when `responsibilities`
 * is false), `{"refused": true, "code"}` or `{"warmingUp": true}`. Written by hand, as one
 * string grown in place: it is the processor's hottest output (0.70-0.73 µs a point at K = 6,
 * against 0.80-0.90 with a string per point joined).
 */
export function jsonScores(s: ItemScores, model: string, source: string, responsibilities = true): string {
  const k = s.k;
  let out = `{"model":${JSON.stringify(model)},"source":${JSON.stringify(source)},"points":[`;
  for (let i = 0; i < s.n; i++) {
    if (i > 0) out += ',';
    const c = s.component[i];
    if (c === REFUSED_COMPONENT) out += `{"refused":true,"code":${JSON.stringify(s.refused.get(i) ?? 'refused')}}`;
    else if (c === WARMING_UP_COMPONENT) out += '{"warmingUp":true}';
    else {
      out += '{"logLikelihood":' + s.logLikelihood[i] + ',"component":' + c;
      if (responsibilities) {
        out += ',"responsibilities":[' + probability(s.responsibilities[i * k]);
        for (let j = 1; j < k; j++) out += ',' + probability(s.responsibilities[i * k + j]);
        out += ']';
      }
      out += s.anomaly[i] === 1 ? ',"anomaly":true}' : ',"anomaly":false}';
    }
  }
  return out + ']}';
}

/** A responsibility as JSON: most are exactly 0 or 1, which need no conversion. */
function probability(x: number): string {
  return x === 0 ? '0' : x === 1 ? '1' : String(x);
}

/**
 * Little-endian: "OEMS", u8 version (2), 3 bytes zero, u32 n, u32 k; then f64
 * logLikelihood[n] (NaN where not scored), f32 responsibilities[n×k], i32 component[n] (-1
 * refused, -2 warming up), u8 anomaly[n]. The model and the source are in the headers.
 * Responsibilities are float32: 7 significant digits is all a probability needs, and the
 * record, written once per input message, is then 40% smaller at K = 6 (version 1 carried
 * float64 and was about as large as the input itself). Without `responsibilities`, version
 * 3: the same layout less the responsibilities (13 bytes a point, a third of version 2's at K = 6).
 */
export function encodeBinaryScores(s: ItemScores, responsibilities = true): Buffer {
  const { n, k } = s;
  const version = responsibilities ? VERSION : VERSION_WITHOUT_RESPONSIBILITIES;
  // Never from Buffer's pool: the typed-array views below need offsets aligned to 8.
  const out = Buffer.alloc(recordBytes(version, n, k));
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt8(version, 4);
  out.writeUInt32LE(n, 8);
  out.writeUInt32LE(k, 12);
  if (!LITTLE_ENDIAN_HOST || out.byteOffset % 8 !== 0) return encodeByteByByte(s, out, responsibilities);
  // Whole columns copied at once: the record is the processor's hottest output.
  let at = out.byteOffset + HEADER_BYTES;
  new Float64Array(out.buffer, at, n).set(s.logLikelihood.subarray(0, n));
  at += 8 * n;
  if (responsibilities) {
    new Float32Array(out.buffer, at, n * k).set(s.responsibilities.subarray(0, n * k));
    at += 4 * n * k;
  }
  new Int32Array(out.buffer, at, n).set(s.component.subarray(0, n));
  at += 4 * n;
  new Uint8Array(out.buffer, at, n).set(s.anomaly.subarray(0, n));
  return out;
}

function encodeByteByByte(s: ItemScores, out: Buffer, responsibilities: boolean): Buffer {
  const { n, k } = s;
  let at = HEADER_BYTES;
  for (let i = 0; i < n; i++, at += 8) out.writeDoubleLE(s.logLikelihood[i], at);
  if (responsibilities) for (let i = 0; i < n * k; i++, at += 4) out.writeFloatLE(s.responsibilities[i], at);
  for (let i = 0; i < n; i++, at += 4) out.writeInt32LE(s.component[i], at);
  for (let i = 0; i < n; i++, at++) out[at] = s.anomaly[i];
  return out;
}

/** A binary scores record decoded (for consumers, the tail tool and tests). */
export interface DecodedScores {
  readonly version: number;
  readonly n: number;
  readonly k: number;
  readonly logLikelihood: Float64Array;
  /** n×k; null in a record written without them (version 3). */
  readonly responsibilities: Float64Array | null;
  readonly component: Int32Array;
  readonly anomaly: Uint8Array;
}

export function decodeBinaryScores(value: Buffer): DecodedScores {
  if (value.length < HEADER_BYTES || value.readUInt32LE(0) !== MAGIC) throw new Error('not an online-em binary scores record (no "OEMS" magic)');
  const version = value.readUInt8(4);
  if (RESPONSIBILITY_BYTES[version] === undefined) throw new Error(`binary scores record of version ${version}; this online-em reads versions 1 to 3: upgrade online-em to read it`);
  const n = value.readUInt32LE(8);
  const k = value.readUInt32LE(12);
  if (value.length !== recordBytes(version, n, k)) throw new Error(`binary scores record of ${value.length} bytes does not hold ${n} points of ${k} components`);
  let at = HEADER_BYTES;
  const logLikelihood = new Float64Array(n);
  for (let i = 0; i < n; i++, at += 8) logLikelihood[i] = value.readDoubleLE(at);
  const responsibilities = version === VERSION_WITHOUT_RESPONSIBILITIES ? null : new Float64Array(n * k);
  if (version === 1) for (let i = 0; i < n * k; i++, at += 8) responsibilities![i] = value.readDoubleLE(at);
  else if (responsibilities) for (let i = 0; i < n * k; i++, at += 4) responsibilities[i] = value.readFloatLE(at);
  const component = new Int32Array(n);
  for (let i = 0; i < n; i++, at += 4) component[i] = value.readInt32LE(at);
  const anomaly = Uint8Array.from(value.subarray(at, at + n));
  return { version, n, k, logLikelihood, responsibilities, component, anomaly };
}

/** Whether a record is a binary scores record, by its content-type. */
export function isBinaryScores(headers: IHeaders | undefined): boolean {
  return headerText(headers, CONTENT_TYPE_HEADER) === SCORES_CONTENT_TYPE;
}
