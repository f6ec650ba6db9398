import type { Logger } from '../log/logger.js';

/**
 * First SIGINT or SIGTERM: a graceful stop. A second one exits at once (code 130),
 * for when the graceful path itself is stuck.
 */
export function onShutdownSignals(logger: Logger, stop: () => void): () => void {
  let received = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (received) {
      logger.warn(`${signal} again: exiting at once`);
      process.exit(130);
    }
    received = true;
    logger.info(`${signal}: stopping after the message in flight (send it again to exit at once)`);
    stop();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
