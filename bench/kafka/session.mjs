// One run of the Kafka bench: its progress log, the names it creates on the broker (deleted at
// the end) and its child processes (killed on the way out).
import { progressLog } from '../lib/progress.mjs';

export const log = progressLog('kafka-bench');
export const runId = `${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}-${process.pid}`;
export const prefix = `bench-kafka-${runId}`;
/** The topics every processor run shares. */
export const sharedTopics = { snapshot: `${prefix}-snapshots`, deadLetter: `${prefix}-dead-letters`, state: `${prefix}-state` };
export const createdTopics = new Set(Object.values(sharedTopics));
export const createdGroups = new Set();
export const children = new Set();

/** Milliseconds since the bench started. */
export const sinceStartMs = () => Date.now() - log.startedAt;
