import { Histogram, type Registry } from 'prom-client';
import type { ProcessorEvents } from '../processor-events.js';

/** Upper bounds (seconds) of the commit histogram: a transaction takes milliseconds to seconds (scores make it larger). */
export const COMMIT_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;

/** Upper bounds (seconds) of the minibatch-update histogram: tens of microseconds (small K, d) to a few hundred milliseconds. */
export const MINIBATCH_BUCKETS_SECONDS = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25] as const;

/** Upper bounds (seconds) of the restore-latency histogram of keyed mode. */
export const RESTORE_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/**
 * The latency histograms, observed from the processor's events as they happen (a status
 * read at scrape time cannot tell a distribution):
 * - online_em_commit_seconds: each transaction (one model's, or one input partition's in keyed mode);
 * - online_em_minibatch_update_seconds: each stepwise update, E-step to M-step;
 * - online_em_key_restore_seconds (keyed): each evicted key read back.
 * Labelled by model only: never by key, whatever the number of keys.
 */
export function observeLatencies(events: ProcessorEvents, registry: Registry, model: string, keyed: boolean): () => void {
  const labels = { model };
  const histogram = (name: string, help: string, buckets: readonly number[]): Histogram<'model'> => {
    const h = new Histogram({ name, help, labelNames: ['model'], buckets: [...buckets], registers: [registry] });
    // Zeros from the start: a histogram with no sample still has its series.
    h.zero(labels);
    return h;
  };
  const commit = histogram(
    'online_em_commit_seconds',
    keyed
      ? 'Time to commit one input partition\'s transaction (dead letters, key snapshots and checkpoints, the partition record and its offset).'
      : 'Time to commit one transaction (dead letters, scores, snapshot, checkpoint and input offsets), until the broker acknowledged it.',
    COMMIT_BUCKETS_SECONDS,
  );
  const update = histogram('online_em_minibatch_update_seconds', 'Time of one stepwise-EM update of a minibatch (E-step, blend, M-step), decoding and I/O excluded.', MINIBATCH_BUCKETS_SECONDS);
  const restore = keyed ? histogram('online_em_key_restore_seconds', 'Time an evicted key waited for its checkpoint to be read back from the state topic.', RESTORE_BUCKETS_SECONDS) : null;
  return events.on(
    (event) => {
      if (event.type === 'committed' || event.type === 'keyed-committed') commit.observe(labels, event.durationMs / 1000);
      else if (event.type === 'minibatch-updated') update.observe(labels, event.durationMs / 1000);
      else if (event.type === 'keys-restored' && restore) {
        // Every key of one read waited as long as the read.
        for (let i = 0; i < event.keys; i++) restore.observe(labels, event.durationMs / 1000);
      }
    },
    keyed ? ['keyed-committed', 'minibatch-updated', 'keys-restored'] : ['committed', 'minibatch-updated'],
  );
}
