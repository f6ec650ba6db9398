import type { ConsumerConfig } from 'kafkajs';

/** The slice of one partition a fetch brings at most (a larger single message still comes whole). */
export const MAX_BYTES_PER_PARTITION = 512 * 1024;

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
    // A fetch fills partitions in request order until maxBytes: with room for a slice of each
    // of up to 16 partitions, every fetch brings every partition forward, so a backlog is read
    // interleaved instead of partition after partition (a drifting fit must see time in order).
    maxBytes: MAX_BYTES_PER_PARTITION * 16,
    maxBytesPerPartition: MAX_BYTES_PER_PARTITION,
    retry: { retries: 5, restartOnFailure: async () => false },
  };
}

/** A tenth of the session timeout: a member misses several before the group gives up on it. */
export function heartbeatIntervalMs(sessionTimeoutMs: number): number {
  return Math.max(500, Math.floor(sessionTimeoutMs / 10));
}
