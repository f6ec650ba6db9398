import type { IHeaders } from 'kafkajs';
import { REFUSED_COMPONENT, WARMING_UP_COMPONENT } from '../../stream/item-scoring.js';
import { BINARY_CONTENT_TYPE, CONTENT_TYPE_HEADER, DIMENSION_HEADER, headerText } from '../message-format.js';
import { decodeBinaryScores, isBinaryScores, SCORES_HEADERS } from '../scores/scores-record.js';

/**
 * How `online-em tail` shows a record's value: one decoder per value kind, tried in
 * order; the first that claims a record decodes it. JSON values are parsed; binary points
 * become rows; binary scores take their JSON form; text that is not JSON is a string
 * (`valueEncoding: "utf8"`), and anything else base64 (`valueEncoding: "base64"`).
 */
export interface DecodedValue {
  readonly value: unknown;
  /** Absent for decoded values (JSON, points, scores); `utf8` or `base64` for raw ones. */
  readonly valueEncoding?: 'utf8' | 'base64';
  /** Why a value that claimed a known binary form could not be decoded as it (then shown as base64). */
  readonly valueError?: string;
}

export interface RecordDecoder {
  /** What it decodes, for the docs and tests. */
  readonly name: string;
  /** Whether this decoder reads the record (by its headers, or its bytes). */
  claims(value: Buffer, headers: IHeaders | undefined): boolean;
  /** The decoded value; throws when the record claims a form it does not have. */
  decode(value: Buffer, headers: IHeaders | undefined): DecodedValue;
}

/**
 * Binary points (application/x-online-em-f64le, `dimension` header): the rows, d numbers
 * each, NaN (missing) as null (and ±Infinity, which JSON cannot hold, too).
 */
export const binaryPointsDecoder: RecordDecoder = {
  name: 'binary points',
  claims: (_value, headers) => contentType(headers) === BINARY_CONTENT_TYPE,
  decode(value, headers) {
    const dimText = headerText(headers, DIMENSION_HEADER);
    const dim = Number(dimText);
    if (!Number.isInteger(dim) || dim < 1) throw new Error(`binary points need a '${DIMENSION_HEADER}' header with a positive integer, got ${dimText === undefined ? 'none' : JSON.stringify(dimText)}`);
    if (value.length % (8 * dim) !== 0) throw new Error(`${value.length} bytes are not a whole number of rows of ${dim} float64 values`);
    const rows: (number | null)[][] = [];
    for (let at = 0; at < value.length; at += 8 * dim) {
      const row: (number | null)[] = new Array(dim);
      for (let j = 0; j < dim; j++) {
        const x = value.readDoubleLE(at + 8 * j);
        row[j] = Number.isFinite(x) ? x : null;
      }
      rows.push(row);
    }
    return { value: rows };
  },
};

/**
 * Binary scores (application/x-online-em-scores): the JSON scores form `{"model", "source",
 * "points": [...]}`, model and source from the headers. A refused point is `{"refused": true}`
 * (the binary form does not carry the reason's code).
 */
export const binaryScoresDecoder: RecordDecoder = {
  name: 'binary scores',
  claims: (_value, headers) => isBinaryScores(headers),
  decode(value, headers) {
    const s = decodeBinaryScores(value);
    const points: unknown[] = new Array(s.n);
    for (let i = 0; i < s.n; i++) {
      const c = s.component[i];
      if (c === REFUSED_COMPONENT) points[i] = { refused: true };
      else if (c === WARMING_UP_COMPONENT) points[i] = { warmingUp: true };
      else {
        const r = s.responsibilities;
        points[i] = {
          logLikelihood: finiteOrNull(s.logLikelihood[i]),
          component: c,
          ...(r === null ? {} : { responsibilities: Array.from(r.subarray(i * s.k, (i + 1) * s.k), finiteOrNull) }),
          anomaly: s.anomaly[i] === 1,
        };
      }
    }
    return { value: { model: headerText(headers, SCORES_HEADERS.model) ?? null, source: headerText(headers, SCORES_HEADERS.source) ?? null, points } };
  },
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 text: parsed when it is JSON, else the string itself. */
export const textDecoder: RecordDecoder = {
  name: 'JSON or text',
  claims: (value) => isUtf8(value),
  decode(value) {
    const text = utf8.decode(value);
    try {
      return { value: JSON.parse(text) as unknown };
    } catch {
      return { value: text, valueEncoding: 'utf8' };
    }
  },
};

/** In the order they are tried; anything none claims is shown as base64. */
export const RECORD_DECODERS: readonly RecordDecoder[] = [binaryScoresDecoder, binaryPointsDecoder, textDecoder];

/** A record's value as `tail` prints it; null for a tombstone. */
export function decodeRecordValue(value: Buffer | null, headers: IHeaders | undefined, decoders: readonly RecordDecoder[] = RECORD_DECODERS): DecodedValue {
  if (value === null) return { value: null };
  for (const decoder of decoders) {
    if (!decoder.claims(value, headers)) continue;
    try {
      return decoder.decode(value, headers);
    } catch (error) {
      return { value: value.toString('base64'), valueEncoding: 'base64', valueError: `not ${decoder.name}: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
  return { value: value.toString('base64'), valueEncoding: 'base64' };
}

/** A record's headers as text, one value each (the first of a repeated header). */
export function headersAsText(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(headers ?? {})) {
    const text = headerText(headers, name);
    if (text !== undefined) out[name] = text;
  }
  return out;
}

function contentType(headers: IHeaders | undefined): string | undefined {
  return headerText(headers, CONTENT_TYPE_HEADER)?.split(';')[0].trim().toLowerCase();
}

function isUtf8(bytes: Buffer): boolean {
  try {
    utf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
