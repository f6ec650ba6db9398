import type { OnlineEm } from '../em/online-em.js';
import { fitWarmupOffThread } from '../em/warmup/off-thread-warmup.js';
import { isFloat64Input, rowCount, rowsOf, type PointInput } from '../stream/point-input.js';
import { whileHeartbeating } from './heartbeats.js';

/** How a warm-up fit ran: off the event loop, or (`error`) on it after the worker failed. */
export interface WarmupFitRun {
  readonly points: number;
  readonly durationMs: number;
  readonly error?: string;
}

/**
 * Before the message that completes a model's warm-up: the warm-up fit (seconds, and with
 * `--components auto` at d = 16 up to a minute) runs on a worker thread while the consumer
 * heartbeats, and goes to the engine, which then ingests the message as usual and starts
 * from it. On the event loop it would stop the heartbeats past the session timeout, and
 * the group would take the model away in the middle of it. Null when the message does not
 * complete the warm-up. A failed worker only costs the wait: the engine then fits itself.
 */
export async function fitWarmupWhileHeartbeating<P>(
  engine: OnlineEm,
  input: PointInput<P>,
  heartbeat: () => Promise<void>,
  intervalMs: number,
): Promise<WarmupFitRun | null> {
  const remaining = engine.warmupRemaining;
  if (remaining === 0 || (remaining !== null && rowCount(input) < remaining)) return null;
  const buffer = isFloat64Input(input) ? engine.warmupBufferFilledByFloat64(input.data, input.dim) : engine.warmupBufferFilledBy(rowsOf(input));
  if (!buffer) return null;
  const started = performance.now();
  try {
    engine.provideWarmupFit(buffer, await whileHeartbeating(fitWarmupOffThread(buffer, engine.options), heartbeat, intervalMs));
    return { points: buffer.n, durationMs: performance.now() - started };
  } catch (error) {
    return { points: buffer.n, durationMs: performance.now() - started, error: error instanceof Error ? error.message : String(error) };
  }
}
