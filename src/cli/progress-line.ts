import type { ProgressEvent } from '../stream/online-em-events.js';

let formatter: Intl.NumberFormat | null = null;
/** Created on first use: building an Intl formatter costs ~10 ms at start-up. */
const integer = { format: (n: number): string => (formatter ??= new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })).format(n) };

/** One human line of progress: throughput, batches, fit quality, rejections. */
export function formatProgress(event: ProgressEvent): string {
  const { counters, logLikelihood, warmingUp } = event;
  const parts = [
    `${integer.format(counters.pointsSeen)} points`,
    `${integer.format(event.pointsPerSecond)}/s`,
    warmingUp ? 'warming up' : `${integer.format(counters.batches)} batches`,
  ];
  if (logLikelihood.last !== null) {
    parts.push(`loglik ${logLikelihood.last.toFixed(4)} (avg ${logLikelihood.average!.toFixed(4)})`);
  }
  parts.push(`${integer.format(counters.rejected)} rejected`);
  return parts.join(' | ');
}
