import type { Logger } from '../../log/logger.js';
import { classifyConnectionFailure, EXIT_CONNECTION_REFUSED, EXIT_UNREACHABLE } from '../connection/connection-failure.js';
import type { ConnectionSettings } from '../connection/connection-settings.js';
import { describeKafkaError } from '../kafka-client.js';

/**
 * How long a one-shot tool tries to reach the cluster (connect its clients, look at or
 * create its topic) before it gives up. The client's own retries of a refused connection
 * end within a few seconds; this bounds a listener that takes the connection and never answers.
 */
export const CONNECT_DEADLINE_MS = 15_000;

/** What a tool's connecting step gave: its result, or the exit code after one logged line. */
export type ToolConnection<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly exitCode: number };

/**
 * Run a one-shot tool's connecting step (`work`: connect clients, read metadata) within
 * the deadline. On failure, logs one line (what went wrong and what to check) and returns
 * the exit code: 3 when retrying cannot help (credentials, certificates, ACLs), else 5.
 */
export async function connectWithin<T>(connection: ConnectionSettings, logger: Logger, work: () => Promise<T>): Promise<ToolConnection<T>> {
  try {
    return { ok: true, value: await withDeadline(work(), CONNECT_DEADLINE_MS) };
  } catch (error) {
    const failure = await classifyConnectionFailure(error, connection, false);
    if (failure.kind !== 'transient') {
      logger.error(`cannot connect, and retrying will not help: ${failure.line}`);
      return { ok: false, exitCode: EXIT_CONNECTION_REFUSED };
    }
    logger.error(`cannot reach Kafka, giving up: ${describeKafkaError(error)} (brokers ${connection.brokers.join(',')}: check --brokers / KAFKA_BROKERS and that the cluster is up)`);
    return { ok: false, exitCode: EXIT_UNREACHABLE };
  }
}

/** `work`, or a rejection once `ms` have passed without it settling. */
export function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
