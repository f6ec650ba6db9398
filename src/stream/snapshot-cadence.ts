/**
 * Decides when a snapshot is due: after `everyBatches` minibatches and/or once
 * `intervalMs` has passed since the last one, and only if the model moved since.
 */
export class SnapshotCadence {
  private lastBatches = 0;
  private lastTime: number;

  constructor(
    private readonly everyBatches: number | null,
    private readonly intervalMs: number | null,
    now: number,
  ) {
    this.lastTime = now;
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
