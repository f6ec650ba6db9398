import type { Logger } from './logger.js';

/**
 * Warnings of the runtime that a client library sets off and that change nothing: Node 24's
 * TimeoutNegativeWarning from kafkajs 2.2.4, which schedules `throttledUntil - Date.now()`
 * with throttledUntil 0 (a delay of minus the epoch, taken as 1 ms, as before Node 24;
 * tulios/kafkajs#1751, unfixed in the last release).
 */
const HARMLESS = new Set(['TimeoutNegativeWarning']);

let routed: Logger | null = null;

/**
 * The process's runtime warnings go through `logger` instead of Node's own printer, so that a
 * JSON log stays JSON lines only: the harmless ones at debug, the others at warn, with the
 * warning's class as `errorCode`. Once per process (the first logger of a command).
 */
export function routeProcessWarnings(logger: Logger): void {
  if (routed) return;
  routed = logger;
  // Node prints warnings from a listener of its own: without it, only ours tells of them.
  process.removeAllListeners('warning');
  process.on('warning', (warning: Error) => {
    const level = HARMLESS.has(warning.name) ? 'debug' : 'warn';
    logger[level](`${warning.name}: ${warning.message}`, { errorCode: warning.name });
  });
}
