import type { Kafka } from 'kafkajs';
import type { Logger } from '../log/logger.js';
import type { SnapshotStore } from './snapshot-store.js';
import { TopicFollower } from './topic-follower.js';

/**
 * Follows the snapshot topic into a SnapshotStore: every partition from the beginning,
 * read_committed (aborted snapshots never show), committing nothing. kafkajs assigns
 * partitions only to a group: one of its own, new each time, deleted at stop.
 */
export class KafkaSnapshotSource {
  private readonly follower: TopicFollower;
  /** Records skipped as not JSON objects, since the start. */
  skipped = 0;

  constructor(
    kafka: Kafka,
    private readonly topic: string,
    private readonly store: SnapshotStore,
    private readonly logger: Logger,
  ) {
    this.follower = new TopicFollower(kafka, topic, 'online-em-dashboard');
  }

  /**
   * Connects and subscribes; resolves once records flow, or once it waits for a topic that
   * does not exist yet (then followed from its beginning when run creates it); throws when
   * the connection failed.
   */
  async start(): Promise<void> {
    const waiting = `snapshot topic ${this.topic} does not exist yet: the dashboard follows it once run creates it`;
    await this.follower.start(this.logger, waiting, () => this.follow());
  }

  private async follow(): Promise<void> {
    const { consumer } = this.follower;
    await consumer.connect();
    await consumer.subscribe({ topics: [this.topic], fromBeginning: true });
    await consumer.run({
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
    this.logger.debug(`dashboard following ${this.topic} from the beginning (group ${this.follower.groupId})`);
  }

  stop(): Promise<void> {
    return this.follower.stop();
  }
}
