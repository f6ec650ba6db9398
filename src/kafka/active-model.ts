import type { ModelSlot } from './model-slot.js';
import type { SessionPipeline } from './session-pipeline.js';

/**
 * The model while this member holds it: its slot, the pipeline that feeds and commits
 * it, and the timer of its timed commits. Made when the group gives this member the
 * input partitions; ended by a handover, a stop or the session's end.
 */
export class ActiveModel {
  private readonly timedCommits: NodeJS.Timeout;
  /** Handed over: a failure of its last commit (fenced by the new owner) no longer ends the session. */
  private released = false;

  constructor(
    readonly slot: ModelSlot,
    readonly pipeline: SessionPipeline,
    commitCheckMs: number,
    /** After a handover the producer's epoch is the old owner's: the next take must start a new one. */
    private readonly retireProducer: () => void,
    fail: (error: unknown) => void,
  ) {
    this.timedCommits = setInterval(() => pipeline.commitIfDue(), commitCheckMs);
    pipeline.failed.catch((error: unknown) => {
      if (!this.released) fail(error);
    });
  }

  /** The group moved the model away: commit what it holds, if the new owner has not fenced this one yet. */
  async release(): Promise<boolean> {
    clearInterval(this.timedCommits);
    this.released = true;
    const committed = await this.pipeline.commitHeld();
    this.retireProducer();
    return committed;
  }

  /** A graceful stop: the final snapshot and offsets, committed after the batch under way. */
  async finish(): Promise<void> {
    clearInterval(this.timedCommits);
    await this.pipeline.idle();
    await this.pipeline.finish();
  }

  close(): void {
    clearInterval(this.timedCommits);
  }
}
