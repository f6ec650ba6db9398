// Is the processor's RSS bounded? A memory run's samples by progress through its backlog.
import { leastSquaresSlope } from '../lib/stats.mjs';

export function memorySummary(run) {
  if (run.error) return { format: run.format, points: null, error: run.error };
  const n = run.points;
  // While consuming: from the first point to the first sample showing all of them (the processor
  // then idles until the snapshot is due; those samples are left out).
  const done = run.rss.findIndex((s) => s.points >= n);
  const samples = (done >= 0 ? run.rss.slice(0, done + 1) : run.rss).filter((s) => s.points > 0);
  const at = (fraction) => samples.find((s) => s.points >= n * fraction) ?? null;
  const warm = samples.filter((s) => s.points >= n * 0.2);
  const rss = warm.map((s) => s.rss);
  const min = Math.min(...rss);
  const max = Math.max(...rss);
  const heap = warm.map((s) => s.heapUsed).filter((x) => x !== null);
  const committed = warm.map((s) => s.heapTotal).filter((x) => x !== null);
  // The largest rise of RSS between two samples from 20% on, and what V8's committed heap did meanwhile.
  let step = null;
  for (let i = 1; i < warm.length; i++) {
    const rise = warm[i].rss - warm[i - 1].rss;
    if (rise > 0 && (!step || rise > step.rss)) {
      step = { rss: rise, atPoints: warm[i].points, heapTotalBefore: warm[i - 1].heapTotal, heapTotalAfter: warm[i].heapTotal };
    }
  }
  const mean = (list) => (list.length ? list.reduce((a, s) => a + s.rss, 0) / list.length : null);
  // Least-squares slope of RSS against points from 20% on: growth per million points.
  const perPoint = leastSquaresSlope(warm, (s) => s.points, (s) => s.rss);
  const slope = perPoint === null ? null : perPoint * 1e6;
  return {
    format: run.format,
    points: n,
    bytes: run.bytes,
    samples: samples.length,
    rssAt: Object.fromEntries([0.1, 0.5, 0.9, 1].map((f) => [`${f * 100}%`, at(f)?.rss ?? null])),
    afterWarmup: { from: '20% of the points', min, max, spread: (max - min) / min },
    heapUsedAfterWarmup: heap.length ? { min: Math.min(...heap), max: Math.max(...heap) } : null,
    heapTotalAfterWarmup: committed.length ? { min: Math.min(...committed), max: Math.max(...committed) } : null,
    largestRssStep: step,
    meanRss: { '20-60%': mean(warm.filter((s) => s.points < n * 0.6)), '60-100%': mean(warm.filter((s) => s.points >= n * 0.6)) },
    rssSlopePerMillionPoints: slope,
    label: run.label,
    pointsPerSecond: run.pointsPerSecond,
    flat: (max - min) / min <= 0.2,
  };
}
