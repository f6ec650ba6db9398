/** When a session commits besides its snapshot interval, shared by the one-model and the keyed pipelines. */

/** Dead letters held before a commit is forced, so memory stays bounded under a flood of bad input (bytes: DEAD_LETTER_BATCH_BYTES). */
export const MAX_BUFFERED_DEAD_LETTERS = 1000;
/** Heartbeat this often within a batch: a long batch must not let the session time out, and a rebalance ends it. */
export const HEARTBEAT_EVERY_MESSAGES = 64;
/** Least time between commits made because the consumer caught up (a lag hovering about 0 catches up often). */
export const CAUGHT_UP_COMMIT_MS = 1000;
/**
 * Scores records held before a commit is forced: they wait in memory for their transaction.
 * Large, since each commit also writes a checkpoint (about 100 B of JSON scores per point:
 * 16 MiB is some 160k points).
 */
export const MAX_HELD_SCORES_BYTES = 16 * 1024 * 1024;
