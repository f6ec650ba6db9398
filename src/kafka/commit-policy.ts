/** When a session commits besides its snapshot interval, shared by the one-model and the keyed pipelines. */

/** Dead letters held before a commit is forced, so memory stays bounded under a flood of bad input (bytes: DEAD_LETTER_BATCH_BYTES). */
export const MAX_BUFFERED_DEAD_LETTERS = 1000;
/** Heartbeat this often within a batch: a long batch must not let the session time out, and a rebalance ends it. */
export const HEARTBEAT_EVERY_MESSAGES = 64;
/** Least time between commits made because the consumer caught up (a lag hovering about 0 catches up often). */
export const CAUGHT_UP_COMMIT_MS = 1000;
/**
 * Scores records in one transaction before a commit is forced (held, or sent ahead in it):
 * large, since each commit also writes a checkpoint, and bounded, so that a transaction
 * stays well within the broker's limits and a replay after a crash stays short.
 */
export const MAX_TRANSACTION_SCORES_BYTES = 64 * 1024 * 1024;
/**
 * Longest a transaction that records were sent ahead in stays open before it is committed,
 * whatever --snapshot-interval says: the broker aborts one older than the producer's
 * transaction timeout (60 s), and its commit would then fail on every retry.
 */
export const MAX_OPEN_TRANSACTION_MS = 20_000;
