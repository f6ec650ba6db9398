import type { OnlineEm } from '../em/online-em.js';
import { fitWarmupOffThread, WarmupFitAborted } from '../em/warmup/off-thread-warmup.js';
import { warmupFitWork } from '../em/warmup/warmup-fit.js';
import { isFloat64Input, rowCount, rowsOf, type PointInput } from '../stream/point-input.js';
import { heartbeatIntervalMs } from './consumer-config.js';
import { whileHeartbeating } from './heartbeats.js';
import type { ProcessorEvents } from './processor-events.js';

/**
 * Fits of less work (at most about a tenth of a second) stay on the event loop: they cannot
 * outlast a session, and a worker thread costs tens of milliseconds to start, which a
 * thousand keys warming up in `--keyed` mode would pay a thousand times.
 */
const OFF_THREAD_WORK = 1e8;

/** How often a fit in progress looks whether the process is stopping. */
const STOP_POLL_MS = 100;

/**
 * How a warm-up fit ran: off the event loop; or (`error`) on it after the worker failed; or
 * (`stopped`) not at all: the process began to stop, and the caller must not ingest on.
 */
export interface WarmupFitRun {
  readonly points: number;
  readonly durationMs: number;
  readonly error?: string;
  readonly stopped?: true;
}

/**
 * Before the message that completes a model's warm-up: the warm-up fit (seconds, and with
 * `--components auto` at d = 16 up to a minute) runs on a worker thread while the consumer
 * heartbeats, and goes to the engine, which then ingests the message as usual and starts
 * from it. On the event loop it would stop the heartbeats past the session timeout, and
 * the group would take the model away in the middle of it. Null when the message does not
 * complete the warm-up, or when its fit is quick. A failed worker only costs the wait: the
 * engine then fits itself. When `stopping()` turns true the worker is terminated, so that a
 * shutdown does not wait for the fit: the buffer is checkpointed and fitted at the next start.
 */
export async function fitWarmupWhileHeartbeating<P>(
  engine: OnlineEm,
  input: PointInput<P>,
  heartbeat: () => Promise<void>,
  intervalMs: number,
  stopping: () => boolean = () => false,
): Promise<WarmupFitRun | null> {
  const remaining = engine.warmupRemaining;
  if (remaining === 0 || (remaining !== null && rowCount(input) < remaining)) return null;
  const buffer = isFloat64Input(input) ? engine.warmupBufferFilledByFloat64(input.data, input.dim) : engine.warmupBufferFilledBy(rowsOf(input));
  if (!buffer || warmupFitWork(engine.options, buffer.n, buffer.dim) < OFF_THREAD_WORK) return null;
  const started = performance.now();
  const stop = new AbortController();
  const watch = setInterval(() => stopping() && stop.abort(), STOP_POLL_MS);
  try {
    engine.provideWarmupFit(buffer, await whileHeartbeating(fitWarmupOffThread(buffer, engine.options, stop.signal), heartbeat, intervalMs));
    return { points: buffer.n, durationMs: performance.now() - started };
  } catch (error) {
    const durationMs = performance.now() - started;
    if (error instanceof WarmupFitAborted) return { points: buffer.n, durationMs, stopped: true };
    return { points: buffer.n, durationMs, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearInterval(watch);
  }
}

/** What a consumer session lends its warm-up fits: the session timeout, its events, whether it stops. */
export interface WarmupSessionContext {
  readonly config: { readonly sessionTimeoutMs: number };
  readonly events: ProcessorEvents;
  isStopping(): boolean;
}

/**
 * A session's step before it ingests a message into a warming-up engine: the fit off the
 * event loop, heartbeating at the session's interval, told as `warmup-fitted`. True when it
 * waited for a fit (or gave one up to a stop): the caller then looks again whether to go on.
 */
export async function warmupBeforeIngest<P>(engine: OnlineEm, input: PointInput<P>, heartbeat: () => Promise<void>, context: WarmupSessionContext): Promise<boolean> {
  const run = await fitWarmupWhileHeartbeating(engine, input, heartbeat, heartbeatIntervalMs(context.config.sessionTimeoutMs), () => context.isStopping());
  if (!run) return false;
  if (!run.stopped) context.events.emit({ type: 'warmup-fitted', points: run.points, durationMs: run.durationMs, ...(run.error ? { error: run.error } : {}) });
  return true;
}
