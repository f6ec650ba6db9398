import { KafkaJSError, KafkaJSNonRetriableError, KafkaJSProtocolError } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { describeKafkaError, isConnectionError } from '../../src/kafka/kafka-client.js';
import { RecordTooLargeError } from '../../src/kafka/record-too-large.js';
import { sizeRefusal } from '../../src/kafka/transactional-publisher.js';

/** The broker's refusal as kafkajs makes it from the error code (kafkajs/src/protocol/error.js). */
const protocolError = (type: string, code: number, message: string): Error => new KafkaJSProtocolError({ type, code, retriable: false, message } as never);
/** As kafkajs's retrier hands on a non-retriable error: wrapped, with the protocol error as its cause. */
const asRetrierGivesIt = (e: Error): Error => new (KafkaJSNonRetriableError as unknown as new (e: Error, o: { cause: Error }) => Error)(e, { cause: e });

const SIZE_ERRORS = [
  ['MESSAGE_TOO_LARGE', 10, 'The request included a message larger than the max message size the server will accept'],
  ['RECORD_LIST_TOO_LARGE', 18, 'The request included message batch larger than the configured segment size on the server'],
] as const;

describe('describeKafkaError', () => {
  it.each(SIZE_ERRORS)('%s: says a record was too large for its topic and names max.message.bytes, however kafkajs wraps it', (type, code, message) => {
    for (const error of [protocolError(type, code, message), asRetrierGivesIt(protocolError(type, code, message))]) {
      const text = describeKafkaError(error);
      expect(text).toBe(
        `the broker refused a record as too large for its topic (${type}): raise the topic's max.message.bytes ` +
          '(kafka-configs --alter --entity-type topics --entity-name TOPIC --add-config max.message.bytes=BYTES)',
      );
      expect(text).not.toMatch(/check the brokers|--brokers/);
      expect(isConnectionError(error)).toBe(false);
    }
  });

  it('a commit refused for size names the topic of its largest record (sizeRefusal, in the transactional publisher)', () => {
    const refused = asRetrierGivesIt(protocolError(...SIZE_ERRORS[0]));
    const error = sizeRefusal(refused, [
      { topic: 'snapshots', messages: [{ value: 'x'.repeat(100) }] },
      { topic: 'dead-letters', messages: [{ value: 'x'.repeat(2000) }, { value: 'x' }] },
    ]);
    expect(error).toBeInstanceOf(RecordTooLargeError);
    expect(describeKafkaError(error)).toBe(
      "the broker refused a record as too large for topic 'dead-letters' (MESSAGE_TOO_LARGE; its largest record in this commit was about 2064 bytes): " +
        "raise the topic's max.message.bytes (kafka-configs --alter --entity-type topics --entity-name dead-letters --add-config max.message.bytes=BYTES)",
    );
    // Wrapped once more, it still says so.
    expect(describeKafkaError(new Error('session failed', { cause: error }))).toBe(describeKafkaError(error));
    expect(isConnectionError(error)).toBe(false);
    // Any other error passes through unchanged.
    const other = new KafkaJSError('Broker not connected');
    expect(sizeRefusal(other, [{ topic: 't', messages: [] }])).toBe(other);
  });

  it('other errors as before: the message, with its cause\'s when that adds to it', () => {
    expect(describeKafkaError(new Error('plain'))).toBe('plain');
    expect(describeKafkaError(new KafkaJSError('Connection error', { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') } as never))).toBe('Connection error (connect ECONNREFUSED 127.0.0.1:1)');
    expect(describeKafkaError('text')).toBe('text');
  });
});
