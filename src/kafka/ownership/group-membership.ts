import type { Consumer } from 'kafkajs';
import type { ProcessorEvents } from '../processor-events.js';
import type { OwnerClaim } from './single-owner-assigner.js';

/** What the processor does when this member's assignment changes. Each runs alone, in join order. */
export interface OwnershipHandlers {
  /** This member now holds the model (it stood by, or just joined): fence, restore, consume. */
  take(partitions: readonly number[]): Promise<void>;
  /** A rebalance left the model with this member: go on where it was. */
  keep(partitions: readonly number[]): Promise<void>;
  /** The group moved the model away: commit what is held if still allowed, drop it, stand by. */
  release(): Promise<void>;
}

/**
 * Errors of a heartbeat or commit that only mean the group is rebalancing (kafkajs's
 * isRebalancing): kafkajs rejoins by itself, so they end the batch, never the session.
 */
export function isRebalance(error: unknown): boolean {
  const type = (error as { type?: string } | null)?.type;
  return type === 'REBALANCE_IN_PROGRESS' || type === 'NOT_COORDINATOR_FOR_GROUP' || type === 'ILLEGAL_GENERATION' || type === 'UNKNOWN_MEMBER_ID';
}

/**
 * One consumer's membership of the model's group: follows its assignments (kafkajs's
 * GROUP_JOIN, which comes after every join and sync), keeps the claim the assigner
 * reads at the next join, and turns each change of assignment into one handler call,
 * serially. Batches wait for `settled()`, so none is handled under a role that is
 * about to change.
 */
export class GroupMembership {
  private activeSince: number | null = null;
  private held: readonly number[] = [];
  private joins = 0;
  private standingBy = false;
  /** Stopping: no more changes of role (a join that gives this member the model now must not take it). */
  private closed = false;
  private queue: Promise<void> = Promise.resolve();
  private rejectFailed!: (error: unknown) => void;
  /** Rejects when a handler failed: the session ends. */
  readonly failed = new Promise<never>((_resolve, reject) => (this.rejectFailed = reject));

  constructor(
    private readonly group: string,
    private readonly model: string,
    private readonly topic: string,
    private readonly events: ProcessorEvents,
    private readonly handlers: OwnershipHandlers,
  ) {
    this.failed.catch(() => undefined);
  }

  /** What this member tells the assigner at its next join. */
  claim(): OwnerClaim {
    return { activeSince: this.activeSince };
  }

  /** Follow `consumer`'s joins; call before it runs. */
  follow(consumer: Consumer): void {
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const partitions = [...(payload.memberAssignment[this.topic] ?? [])].sort((a, b) => a - b);
      this.events.emit({ type: 'assigned', group: this.group, memberId: payload.memberId, partitions, generation: ++this.joins });
      this.enqueue(() => this.changeTo(partitions));
    });
  }

  /** Resolves once every assignment received so far has been acted on. */
  settled(): Promise<void> {
    return this.queue;
  }

  /** From now on assignments are ignored; resolves when the change under way (if any) is done. */
  close(): Promise<void> {
    this.closed = true;
    return this.queue;
  }

  /** The session ends (stop or failure): nothing is held any more. */
  reset(): void {
    this.activeSince = null;
    this.held = [];
  }

  private enqueue(work: () => Promise<void>): void {
    this.queue = this.queue.then(work).catch((error: unknown) => {
      this.rejectFailed(error);
    });
  }

  private async changeTo(partitions: readonly number[]): Promise<void> {
    if (this.closed) return;
    const holding = this.activeSince !== null;
    if (partitions.length === 0) {
      if (holding) {
        this.reset();
        await this.handlers.release();
      }
      if (!this.standingBy) {
        this.standingBy = true;
        this.events.emit({ type: 'standing-by', model: this.model, group: this.group });
      }
      return;
    }
    this.standingBy = false;
    const kept = holding && this.held.every((p) => partitions.includes(p));
    if (kept) {
      this.held = partitions;
      await this.handlers.keep(partitions);
      return;
    }
    // A partition went away (the topic was recreated smaller?): start over from the checkpoint.
    if (holding) await this.handlers.release();
    this.activeSince = Date.now();
    this.held = partitions;
    await this.handlers.take(partitions);
  }
}
