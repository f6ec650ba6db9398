import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import type { IndexedRejection } from '../em/point-validation.js';

/** Codes of a message refused whole for what it is as a record, not for its points (keyed mode's keys). */
export type MessageRefusalCode = 'missing-key' | 'invalid-key';

/** A refused point, or a message refused whole as a record (index 0). */
type DeadLetterRejection = Omit<IndexedRejection, 'code'> & { readonly code: IndexedRejection['code'] | MessageRefusalCode };

const WHOLE_MESSAGE_CODES: ReadonlySet<string> = new Set(['undecodable', 'missing-key', 'invalid-key']);
import { sourceOf, type MessagePosition } from './message-format.js';
import { DEAD_LETTER_TOPIC_MAX_MESSAGE_BYTES } from './topics.js';

/** Headers a dead letter carries on top of the original message's own. */
export const DEAD_LETTER_HEADERS = {
  /** Human summary of what was wrong. */
  reason: 'online-em-reason',
  /** Code of the first rejection (see RejectionCode), e.g. wrong-dimension. */
  code: 'online-em-code',
  /** JSON array of up to 100 {index, code, message}: which points were refused. */
  rejections: 'online-em-rejections',
  rejectedPoints: 'online-em-rejected-points',
  /** Points of the same message that were accepted into the model. */
  acceptedPoints: 'online-em-accepted-points',
  /** topic/partition/offset of the original message. */
  source: 'online-em-source',
  model: 'online-em-model',
  /** What DEAD_LETTER_BUDGET cut, each with its size in bytes before: `headers=23068680,reason=23068741`. Only when something was cut. */
  truncated: 'online-em-truncated',
} as const;

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * The most a dead letter carries, so that every one fits the dead-letter topic's
 * max.message.bytes (DEAD_LETTER_TOPIC_MAX_MESSAGE_BYTES, 64 MiB). A 9-byte value with a
 * 22 MiB garbage header, copied and then quoted in the reasons, once made a commit that the
 * broker refused on every retry. Everything within the budget is copied unchanged; what is
 * cut is named in the `online-em-truncated` header, with its size before.
 */
export const DEAD_LETTER_BUDGET = {
  /** The key; a longer one is cut. */
  keyBytes: 64 * KiB,
  /**
   * The value: what the topic's limit leaves beside the other budgets (about 3 MiB less than
   * it), and run's --max-message-bytes at most, so that the value of every message the processor
   * reads is kept whole; only one refused unread as oversized can be longer, and is cut.
   */
  valueBytes: DEAD_LETTER_TOPIC_MAX_MESSAGE_BYTES - 3 * MiB,
  /** The original headers in all (names, values and 16 bytes a header); those beyond it are left out. */
  headersBytes: 1 * MiB,
  /** Each original header value; a longer one is cut. */
  headerValueBytes: 64 * KiB,
  /** An original header with a longer name is left out. */
  headerNameBytes: 1 * KiB,
  /** `online-em-reason`; beyond it, each rejection's text in it is cut to `textBytes`. */
  reasonBytes: 4 * KiB,
  /** `online-em-rejections`; beyond it, each rejection's text is cut to `textBytes`, and the last ones that still do not fit are left out. */
  rejectionsBytes: 128 * KiB,
  /** A rejection's text where its header is over budget. */
  textBytes: 1 * KiB,
} as const;

/** What a record spends on a header besides its name and value (as recordBytes counts it). */
const HEADER_OVERHEAD_BYTES = 16;

const LISTED_REJECTIONS = 100;
const SUMMARISED_REJECTIONS = 3;
const OWN_HEADERS: ReadonlySet<string> = new Set(Object.values(DEAD_LETTER_HEADERS));

/**
 * The dead letter for a message with refused points: its original key, value, headers
 * and timestamp (within DEAD_LETTER_BUDGET), plus headers saying why. A message whose
 * points were only partly refused is dead-lettered whole (for the reasons), while its good
 * points count.
 */
export function deadLetterFor(
  original: KafkaMessage,
  position: MessagePosition,
  rejections: readonly DeadLetterRejection[],
  pointsInMessage: number,
  model: string,
): Message {
  /** What was cut, and its size in bytes before. */
  const cut = new Map<string, number>();
  const key = bounded('key', original.key, DEAD_LETTER_BUDGET.keyBytes, cut);
  const value = bounded('value', original.value, DEAD_LETTER_BUDGET.valueBytes, cut);
  const headers: IHeaders = {
    ...copiedHeaders(original.headers, cut),
    [DEAD_LETTER_HEADERS.reason]: reasonHeader(rejections, pointsInMessage, cut),
    [DEAD_LETTER_HEADERS.code]: rejections[0].code,
    [DEAD_LETTER_HEADERS.rejections]: rejectionsHeader(rejections, cut),
    [DEAD_LETTER_HEADERS.rejectedPoints]: String(refusedWhole(rejections) ? 0 : rejections.length),
    [DEAD_LETTER_HEADERS.acceptedPoints]: String(refusedWhole(rejections) ? 0 : pointsInMessage - rejections.length),
    [DEAD_LETTER_HEADERS.source]: sourceOf(position),
    [DEAD_LETTER_HEADERS.model]: model,
  };
  if (cut.size > 0) headers[DEAD_LETTER_HEADERS.truncated] = [...cut].map(([what, bytes]) => `${what}=${bytes}`).join(',');
  return { key, value, headers, timestamp: original.timestamp };
}

/** An undecodable message is refused whole, with one rejection. */
function refusedWhole(rejections: readonly DeadLetterRejection[]): boolean {
  return rejections.length === 1 && WHOLE_MESSAGE_CODES.has(rejections[0].code);
}

/** The human summary: the first few rejections, each text as `text` gives it. */
function reasonText(rejections: readonly DeadLetterRejection[], pointsInMessage: number, text: (message: string) => string): string {
  const whole = refusedWhole(rejections);
  const summary = rejections
    .slice(0, SUMMARISED_REJECTIONS)
    .map((r) => (whole ? text(r.message) : `point ${r.index}: ${r.code}: ${text(r.message)}`))
    .join('; ');
  const more = rejections.length > SUMMARISED_REJECTIONS ? `; and ${rejections.length - SUMMARISED_REJECTIONS} more` : '';
  return whole ? summary : `${rejections.length} of ${pointsInMessage} points refused: ${summary}${more}`;
}

function reasonHeader(rejections: readonly DeadLetterRejection[], pointsInMessage: number, cut: Map<string, number>): string {
  const full = reasonText(rejections, pointsInMessage, (m) => m);
  const bytes = Buffer.byteLength(full);
  if (bytes <= DEAD_LETTER_BUDGET.reasonBytes) return full;
  cut.set('reason', bytes);
  // At most three texts of textBytes and a short frame: within reasonBytes.
  return reasonText(rejections, pointsInMessage, shortText);
}

function rejectionsHeader(rejections: readonly DeadLetterRejection[], cut: Map<string, number>): string {
  const listed = rejections.slice(0, LISTED_REJECTIONS);
  const full = JSON.stringify(listed.map(({ index, code, message }) => ({ index, code, message })));
  const bytes = Buffer.byteLength(full);
  if (bytes <= DEAD_LETTER_BUDGET.rejectionsBytes) return full;
  cut.set('rejections', bytes);
  // Still a JSON array: whole entries, with their texts cut, while they fit.
  const entries: string[] = [];
  let size = 2;
  for (const { index, code, message } of listed) {
    const entry = JSON.stringify({ index, code, message: shortText(message) });
    const entryBytes = Buffer.byteLength(entry) + (entries.length > 0 ? 1 : 0);
    if (size + entryBytes > DEAD_LETTER_BUDGET.rejectionsBytes) break;
    entries.push(entry);
    size += entryBytes;
  }
  return `[${entries.join(',')}]`;
}

/** A rejection's text cut to textBytes, saying so and how long it was. */
function shortText(message: string): string {
  const bytes = Buffer.byteLength(message);
  if (bytes <= DEAD_LETTER_BUDGET.textBytes) return message;
  const note = `… [cut, ${bytes} bytes in all]`;
  return `${cutUtf8(message, DEAD_LETTER_BUDGET.textBytes - Buffer.byteLength(note))}${note}`;
}

/**
 * The original headers within the budget: a header with an overlong name is left out, a value
 * is cut to headerValueBytes, and the headers beyond headersBytes are left out. The original's
 * own online-em-* headers (a dead letter fed back in) give way to this dead letter's.
 */
function copiedHeaders(original: IHeaders | undefined, cut: Map<string, number>): IHeaders {
  const out: IHeaders = {};
  let spent = 0;
  let originalBytes = 0;
  let truncated = false;
  for (const [name, value] of Object.entries(original ?? {})) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    const nameBytes = Buffer.byteLength(name);
    for (const v of values) originalBytes += nameBytes + byteLength(v);
    if (OWN_HEADERS.has(name)) continue;
    if (nameBytes > DEAD_LETTER_BUDGET.headerNameBytes) {
      truncated = true;
      continue;
    }
    const kept: (Buffer | string)[] = [];
    for (const v of values) {
      const copy = cutBytes(v, DEAD_LETTER_BUDGET.headerValueBytes);
      const size = HEADER_OVERHEAD_BYTES + nameBytes + byteLength(copy);
      truncated ||= copy !== v;
      if (spent + size > DEAD_LETTER_BUDGET.headersBytes) {
        truncated = true;
        continue;
      }
      spent += size;
      kept.push(copy);
    }
    if (kept.length > 0) out[name] = Array.isArray(value) ? kept : kept[0];
  }
  if (truncated) cut.set('headers', originalBytes);
  return out;
}

/** A key or value within `maxBytes`, cut (and noted in `cut` as `what`) when longer. */
function bounded(what: string, data: Buffer | null, maxBytes: number, cut: Map<string, number>): Buffer | null {
  if (data === null || data.length <= maxBytes) return data;
  cut.set(what, data.length);
  return data.subarray(0, maxBytes);
}

function cutBytes(v: Buffer | string, maxBytes: number): Buffer | string {
  if (Buffer.isBuffer(v)) return v.length <= maxBytes ? v : v.subarray(0, maxBytes);
  return Buffer.byteLength(v) <= maxBytes ? v : cutUtf8(v, maxBytes);
}

/** The longest start of `text` of at most `maxBytes` in UTF-8, never splitting a character. */
function cutUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text.slice(0, maxBytes), 'utf8');
  let end = Math.min(maxBytes, bytes.length);
  // Back off continuation bytes (10xxxxxx) to the start of the character that does not fit whole.
  if (end < bytes.length) while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

function byteLength(v: Buffer | string): number {
  return Buffer.isBuffer(v) ? v.length : Buffer.byteLength(v);
}
