/**
 * Work that runs one piece at a time and stops for good at the first failure: a session's
 * batches, commits and changes of partitions. After a failure the engines are ahead of
 * what was committed, so nothing more may run; `failed` rejects at once so the session ends.
 */
export class SerialWork {
  private lock: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private rejectFailed!: (error: unknown) => void;
  readonly failed = new Promise<never>((_resolve, reject) => (this.rejectFailed = reject));

  constructor() {
    this.failed.catch(() => undefined);
  }

  /** The first failure, or null. */
  get failedWith(): unknown {
    return this.failure;
  }

  /** Run `work` after the pieces before it; rejects (and runs nothing) once anything failed. */
  run(work: () => Promise<void>): Promise<void> {
    const run = this.lock.then(() => {
      if (this.failure) throw this.failure;
      return work();
    });
    this.lock = run.catch((error: unknown) => this.fail(error));
    return run;
  }

  /** A failure outside the queue that must end it too. */
  fail(error: unknown): void {
    this.failure ??= error;
    this.rejectFailed(error);
  }

  /** Resolves when nothing runs. */
  idle(): Promise<void> {
    return this.lock.then(() => undefined, () => undefined);
  }
}
