import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import type { Logger } from '../log/logger.js';
import { followWhenCreated } from './follow-when-created.js';
import type { SnapshotStore } from './snapshot-store.js';

/**
 * Follows the snapshot topic into a SnapshotStore: every partition from the beginning,
 * read_committed (aborted snapshots never show), committing nothing. kafkajs assigns
 * partitions only to a group: one of its own, new each time, deleted at stop.
 */
export class KafkaSnapshotSource {
  private readonly groupId = `online-em-dashboard-${randomUUID()}`;
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  /** Records skipped as not JSON objects, since the start. */
  skipped = 0;
  private stopLooking: (() => void) | null = null;

  constructor(
    kafka: Kafka,
    private readonly topic: string,
    private readonly store: SnapshotStore,
    private readonly logger: Logger,
  ) {
    this.consumer = kafka.consumer({ groupId: this.groupId, readUncommitted: false, allowAutoTopicCreation: false, maxWaitTimeInMs: 250 });
    this.admin = kafka.admin();
  }

  /**
   * Connects and subscribes; resolves once records flow, or once it waits for a topic that
   * does not exist yet (then followed from its beginning when run creates it); throws when
   * the connection failed.
   */
  async start(): Promise<void> {
    await this.admin.connect();
    const waiting = `snapshot topic ${this.topic} does not exist yet: the dashboard follows it once run creates it`;
    this.stopLooking = await followWhenCreated(this.admin, this.topic, this.logger, waiting, () => this.follow());
  }

  private async follow(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.topic], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        if (message.value === null) return; // a tombstone: nothing to draw
        let json: unknown;
        try {
          json = JSON.parse(message.value.toString('utf8'));
        } catch {
          json = null;
        }
        if (!this.store.add(`${partition}:${message.offset}`, json)) {
          if (this.skipped++ === 0) this.logger.warn(`${this.topic} partition ${partition} offset ${message.offset}: not a JSON snapshot, skipped (and any further ones, counted)`);
        }
      },
    });
    this.logger.debug(`dashboard following ${this.topic} from the beginning (group ${this.groupId})`);
  }

  async stop(): Promise<void> {
    this.stopLooking?.();
    await this.consumer.disconnect().catch(() => undefined);
    await this.admin.deleteGroups([this.groupId]).catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }
}
