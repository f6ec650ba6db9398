/**
 * The pool itself failed (a worker thread is missing, died or stopped responding), as
 * opposed to the math of a chunk: the engine raises it instead of skipping the minibatch.
 */
export class WorkerPoolError extends Error {
  override readonly name = 'WorkerPoolError';
}
