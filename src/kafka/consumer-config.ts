import type { ConsumerConfig } from 'kafkajs';

/**
 * The processor's consumer settings, shared with the Kafka bench's bare consumer so the
 * baseline it is compared against reads the same way.
 */
export function processorConsumerConfig(groupId: string, sessionTimeoutMs: number): ConsumerConfig {
  return {
    groupId,
    readUncommitted: false,
    sessionTimeout: sessionTimeoutMs,
    heartbeatInterval: heartbeatIntervalMs(sessionTimeoutMs),
    // A short fetch wait keeps shutdown and rebalances quick when the topic is idle.
    maxWaitTimeInMs: 1_000,
    // Small fetches keep memory flat; the broker still returns a larger message whole (KIP-74).
    maxBytes: 4 * 1024 * 1024,
    maxBytesPerPartition: 2 * 1024 * 1024,
    retry: { retries: 5, restartOnFailure: async () => false },
  };
}

/** A tenth of the session timeout: a member misses several before the group gives up on it. */
export function heartbeatIntervalMs(sessionTimeoutMs: number): number {
  return Math.max(500, Math.floor(sessionTimeoutMs / 10));
}
