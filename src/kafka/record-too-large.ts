import { errorChain } from './error-chain.js';

/** kafkajs's error types for a record, or a batch of records, that the broker refuses for its size (kafkajs/src/protocol/error.js). */
const TOO_LARGE_TYPES: ReadonlySet<string> = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

/**
 * Which size refusal of the broker's `error` is, looked for along the chain kafkajs wraps
 * (KafkaJSNonRetriableError → its cause, the KafkaJSProtocolError with the type); null when
 * it is none. No retry can cure one: the same records are refused again.
 */
export function tooLargeType(error: unknown): string | null {
  for (const e of errorChain(error)) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === 'string' && TOO_LARGE_TYPES.has(type)) return type;
  }
  return null;
}

/** What to do about a topic (null: not known) that refuses a record for its size, in words. */
export function tooLargeAdvice(topic: string | null): string {
  return `raise the topic's max.message.bytes (kafka-configs --alter --entity-type topics --entity-name ${topic ?? 'TOPIC'} --add-config max.message.bytes=BYTES)`;
}

/**
 * The broker refused a record of a commit as larger than its topic allows: which topic, how
 * large the largest record sent to it was, and what to do. (Dead letters are bounded to fit the
 * topic online-em creates, dead-letter.ts; a topic created beforehand may allow less.)
 */
export class RecordTooLargeError extends Error {
  constructor(
    readonly topic: string,
    readonly recordBytes: number,
    readonly type: string,
    options: { cause: unknown },
  ) {
    super(
      `the broker refused a record as too large for topic '${topic}' (${type}; its largest record in this commit was about ${recordBytes} bytes): ${tooLargeAdvice(topic)}`,
      options,
    );
    this.name = 'RecordTooLargeError';
  }
}
