import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { Logger } from '../log/logger.js';
import type { ConnectionSettings } from './connection/connection-settings.js';
import { kafkajsSecurity } from './connection/kafkajs-security.js';
import { registerZstdCodec } from './compression/zstd-codec.js';
import { useNativeCrc32c } from './checksum/native-crc32c.js';
import { useOwnProduceEncoding } from './encoding/produce-request.js';
import { hideAbortedRecordsInFetches } from './read-committed/aborted-records.js';
import { errorChain } from './error-chain.js';
import { RecordTooLargeError, tooLargeAdvice, tooLargeType } from './record-too-large.js';

// Every client made here writes and reads zstd batches (the scores topic's default).
registerZstdCodec();
// ... and checksums the batches it writes natively, not in JavaScript on the main thread.
useNativeCrc32c();
// ... and writes a produce request's records and batch once each, not once per level of it.
useOwnProduceEncoding();
// ... and never hands a read_committed consumer a record of an aborted transaction.
hideAbortedRecordsInFetches();

/** kafkajs's log levels by number (its `logLevel` maps names to numbers only). */
const LEVEL_NAMES: Readonly<Record<number, string>> = { [logLevel.ERROR]: 'ERROR', [logLevel.WARN]: 'WARN', [logLevel.INFO]: 'INFO', [logLevel.DEBUG]: 'DEBUG' };

/**
 * A kafkajs client whose own log goes to our logger at debug level: kafkajs reports
 * every retry as an error, while we report what matters (and what to do) ourselves.
 * `connection` gives the brokers, the client id and TLS/SASL (a plaintext one is made
 * from `brokers` and `clientId`).
 */
export function createKafka(
  options: ({ connection: ConnectionSettings } | { brokers: readonly string[]; clientId: string }) & { logger: Logger; connectionTimeoutMs?: number },
): Kafka {
  const { logger } = options;
  const connection: ConnectionSettings =
    'connection' in options ? options.connection : { brokers: options.brokers, clientId: options.clientId, securityProtocol: 'PLAINTEXT', sasl: null, tls: null };
  return new Kafka({
    clientId: connection.clientId,
    brokers: [...connection.brokers],
    ...kafkajsSecurity(connection),
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 100, maxRetryTime: 5_000, retries: 5 },
    // At --log-level debug the client's own debug log too (scrubbed of secrets like every line).
    logLevel: logger.level === 'debug' ? logLevel.DEBUG : logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log }: LogEntry) => {
        const { message, ...fields } = log;
        logger.debug(`kafkajs ${namespace} ${LEVEL_NAMES[level] ?? level}: ${message}`, fields as Record<string, unknown>);
      },
  });
}

/**
 * A one-line description of a Kafka error, without the stack. A record the broker refused for
 * its size says so and names the topic setting, whatever kafkajs wrapped it in (no check of the
 * brokers would help).
 */
export function describeKafkaError(error: unknown): string {
  const named = errorChain(error).find((e): e is RecordTooLargeError => e instanceof RecordTooLargeError);
  if (named) return named.message;
  const tooLarge = tooLargeType(error);
  if (tooLarge) return `the broker refused a record as too large for its topic (${tooLarge}): ${tooLargeAdvice(null)}`;
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  const original = (error as { originalError?: unknown }).originalError;
  const inner = cause instanceof Error ? cause : original instanceof Error ? original : null;
  return inner && !error.message.includes(inner.message) ? `${error.message} (${inner.message})` : error.message;
}

/** Errors that mean another instance has taken over this model's transactional id. */
export function isFenced(error: unknown): boolean {
  const type = (error as { type?: string } | null)?.type;
  // (TRANSACTIONAL_ID_AUTHORIZATION_FAILED is an ACL that is missing, not a takeover: see connection-failure.ts.)
  return type === 'PRODUCER_FENCED' || type === 'INVALID_PRODUCER_EPOCH';
}

/** Errors that mean the brokers could not be reached (as opposed to refusing a request). */
export function isConnectionError(error: unknown): boolean {
  const text = `${(error as Error | null)?.name ?? ''} ${describeKafkaError(error)}`;
  return /Connection|ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|timed? ?out|getaddrinfo/i.test(text);
}
