/**
 * The model's stored state cannot be resumed from without losing or repeating input
 * (a checkpoint gone with its topic, or one that does not cover the group's progress).
 * Retrying cannot fix it: the process stops with its own exit code, saying what to do.
 */
export class ModelStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelStateError';
  }
}
