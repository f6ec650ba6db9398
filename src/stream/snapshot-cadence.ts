/**
 * Decides when a snapshot is due: after `everyBatches` minibatches and/or once
 * `intervalMs` has passed since the last one, and only if the model moved since.
 */
export class SnapshotCadence {
  private lastTime: number;

  /** `lastBatches`: the engine's count at the start (a restored one counts on from its checkpoint). */
  constructor(
    private readonly everyBatches: number | null,
    private readonly intervalMs: number | null,
    now: number,
    private lastBatches = 0,
  ) {
    this.lastTime = now;
  }

  /** The minibatch count at which the count cadence is next due (null: not by count). */
  nextDueBatch(): number | null {
    return this.everyBatches === null ? null : this.lastBatches + this.everyBatches;
  }

  due(batches: number, now: number): boolean {
    if (batches === this.lastBatches) return false;
    if (this.everyBatches !== null && batches - this.lastBatches >= this.everyBatches) return true;
    return this.intervalMs !== null && now - this.lastTime >= this.intervalMs;
  }

  mark(batches: number, now: number): void {
    this.lastBatches = batches;
    this.lastTime = now;
  }
}
