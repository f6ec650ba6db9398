// Timing shared by the bench's two measured consumers (the processor's probe and the bare
// consumer), so both sides of the ratio are measured the same way. Imports nothing from dist:
// the probe is preloaded into the processor and must not load modules of its own.
import { performance, PerformanceObserver } from 'node:perf_hooks';

/** Wall clock in ms, sub-millisecond resolution. */
export const nowMs = () => performance.timeOrigin + performance.now();

/** Process CPU time (user + system) in ms. */
export function cpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Count garbage collections and their time into `stats.gcCount` and `stats.gcMs`. */
export function observeGc(stats) {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      stats.gcCount++;
      stats.gcMs += e.duration;
    }
  }).observe({ entryTypes: ['gc'] });
}

/**
 * Record the consumer's first fetch request (time and CPU: where measuring starts) and every
 * fetch's count and duration into `stats`; `onFetch(event)` sees each fetch too.
 */
export function watchFetches(consumer, stats, onFetch = () => {}) {
  consumer.on(consumer.events.FETCH_START, () => {
    if (stats.firstFetchStart !== null) return;
    stats.firstFetchStart = nowMs();
    stats.cpuAtFirstFetchMs = cpuMs();
  });
  consumer.on(consumer.events.FETCH, (event) => {
    stats.fetches++;
    stats.fetchMs += event.payload.duration;
    onFetch(event);
  });
}
