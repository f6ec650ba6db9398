import type { Admin } from 'kafkajs';
import type { Logger } from '../log/logger.js';

/** How often a topic that does not exist yet is looked for. */
export const TOPIC_POLL_MS = 3_000;

/**
 * Calls `follow(true)` at once when `topic` exists; otherwise says so once, looks for it
 * every few seconds, and calls `follow(false)` when it appears (a processor creates its
 * topics when it starts, which may be after the dashboard). Resolves once `follow` ran or
 * the looking began; the result stops the looking.
 */
export async function followWhenCreated(admin: Admin, topic: string, logger: Logger, waitingLine: string, follow: (existed: boolean) => Promise<void>): Promise<() => void> {
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const stop = (): void => {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
  };
  if ((await admin.listTopics()).includes(topic)) {
    await follow(true);
    return stop;
  }
  logger.info(waitingLine);
  const look = async (): Promise<void> => {
    timer = null;
    if (stopped) return;
    try {
      if ((await admin.listTopics()).includes(topic)) return await follow(false);
    } catch (error) {
      logger.warn(`cannot follow the topic ${topic} yet: ${(error as Error).message}; trying again`);
    }
    if (!stopped) timer = setTimeout(() => void look(), TOPIC_POLL_MS);
  };
  timer = setTimeout(() => void look(), TOPIC_POLL_MS);
  return stop;
}
