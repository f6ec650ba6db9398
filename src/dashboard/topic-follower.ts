import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import type { Logger } from '../log/logger.js';
import { followWhenCreated } from './follow-when-created.js';

/**
 * What the dashboard's sources share: a consumer that reads `topic` read_committed and commits
 * nothing, in a group of its own (kafkajs assigns partitions only to a group), new each time
 * and deleted at stop; an admin; and the wait for a topic that does not exist yet.
 */
export class TopicFollower {
  readonly groupId: string;
  readonly consumer: Consumer;
  readonly admin: Admin;
  private stopLooking: (() => void) | null = null;

  constructor(
    kafka: Kafka,
    readonly topic: string,
    groupPrefix: string,
  ) {
    this.groupId = `${groupPrefix}-${randomUUID()}`;
    this.consumer = kafka.consumer({ groupId: this.groupId, readUncommitted: false, allowAutoTopicCreation: false, maxWaitTimeInMs: 250 });
    this.admin = kafka.admin();
  }

  /** Connects, then `follow(true)` at once, or `follow(false)` once the topic is created (saying `waitingLine` meanwhile). */
  async start(logger: Logger, waitingLine: string, follow: (existed: boolean) => Promise<void>): Promise<void> {
    await this.admin.connect();
    this.stopLooking = await followWhenCreated(this.admin, this.topic, logger, waitingLine, follow);
  }

  async stop(): Promise<void> {
    this.stopLooking?.();
    await this.consumer.disconnect().catch(() => undefined);
    await this.admin.deleteGroups([this.groupId]).catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }
}
