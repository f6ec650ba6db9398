import { endianness } from 'node:os';
import type { IHeaders } from 'kafkajs';
import { RefusedPoint } from '../em/point-validation.js';
import { jsonPointRows } from '../io/json-points.js';
import type { PointInput } from '../stream/point-input.js';
import type { PartitionOffset } from './checkpoint.js';

/** content-type of binary messages: little-endian float64 rows, NaN where missing. */
export const BINARY_CONTENT_TYPE = 'application/x-online-em-f64le';
export const JSON_CONTENT_TYPE = 'application/json';
/** Header with the dimension d of binary rows (a decimal integer). */
export const DIMENSION_HEADER = 'dimension';
export const CONTENT_TYPE_HEADER = 'content-type';

export const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** Where a message came from; snapshots and dead letters carry it back. */
export type MessagePosition = PartitionOffset;

/** `topic/partition/offset` of an input message: how dead letters and scores records point back at it. */
export function sourceOf(position: MessagePosition): string {
  return `${position.topic}/${position.partition}/${position.offset}`;
}

export function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined || value === null) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
}

/**
 * Decode one message into the operator's input. JSON (the default, or content-type
 * application/json) holds a point, a batch or {"points": [...]}; binary holds
 * little-endian float64 rows with the dimension in a header. A message that cannot
 * be decoded becomes a single RefusedPoint with the reason.
 */
export function decodeMessage(
  value: Buffer | null,
  headers: IHeaders | undefined,
  position: MessagePosition,
  maxBytes: number,
): PointInput<MessagePosition> {
  const refuse = (message: string): PointInput<MessagePosition> => ({ points: [new RefusedPoint(message)], position });
  if (value === null || value.length === 0) return refuse('empty message: no value');
  if (value.length > maxBytes) return refuse(`oversized message: ${value.length} bytes, the limit is ${maxBytes} (--max-message-bytes)`);
  const contentType = contentTypeOf(headers);
  if (contentType === BINARY_CONTENT_TYPE) {
    const dimText = headerText(headers, DIMENSION_HEADER);
    const dim = dimText === undefined ? NaN : Number(dimText);
    if (!Number.isInteger(dim) || dim < 1 || dim > 65536) {
      return refuse(`binary message needs a '${DIMENSION_HEADER}' header with an integer from 1 to 65536, got ${dimText === undefined ? 'none' : JSON.stringify(dimText)}`);
    }
    if (value.length % (8 * dim) !== 0) {
      return refuse(`binary message of ${value.length} bytes is not a whole number of rows of ${dim} float64 values (${8 * dim} bytes each)`);
    }
    return { data: float64FromLittleEndian(value), dim, position };
  }
  if (!isJsonContentType(contentType)) {
    return refuse(`unsupported content-type ${JSON.stringify(contentType)}: use ${JSON_CONTENT_TYPE} or ${BINARY_CONTENT_TYPE}`);
  }
  return { points: jsonPointRows(value.toString('utf8')), position };
}

/** A message whose value decodeMessage parses as JSON text: non-empty, within the limit, JSON by its content-type. */
export function isJsonMessage(value: Buffer | null, headers: IHeaders | undefined, maxBytes: number): value is Buffer {
  return value !== null && value.length > 0 && value.length <= maxBytes && isJsonContentType(contentTypeOf(headers));
}

function contentTypeOf(headers: IHeaders | undefined): string {
  return (headerText(headers, CONTENT_TYPE_HEADER) ?? JSON_CONTENT_TYPE).split(';')[0].trim().toLowerCase();
}

function isJsonContentType(contentType: string): boolean {
  return contentType === JSON_CONTENT_TYPE || contentType === 'text/json';
}

/** Copy little-endian float64 bytes into an aligned Float64Array. */
function float64FromLittleEndian(bytes: Buffer): Float64Array {
  const out = new Float64Array(bytes.length / 8);
  if (LITTLE_ENDIAN_HOST) {
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(i * 8, true);
  return out;
}

/** Encode n×dim rows as a binary message value (for producers of the fast path). */
export function encodeBinaryPoints(data: Float64Array): Buffer {
  if (LITTLE_ENDIAN_HOST) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const out = Buffer.alloc(data.length * 8);
  for (let i = 0; i < data.length; i++) out.writeDoubleLE(data[i], i * 8);
  return out;
}

export function binaryHeaders(dim: number): IHeaders {
  return { [CONTENT_TYPE_HEADER]: BINARY_CONTENT_TYPE, [DIMENSION_HEADER]: String(dim) };
}
