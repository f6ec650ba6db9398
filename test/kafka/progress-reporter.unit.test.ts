import { describe, expect, it } from 'vitest';
import type { CommittedEvent, ProcessorEvent, ProgressReportEvent } from '../../src/kafka/processor-events.js';
import { ProcessorEvents } from '../../src/kafka/processor-events.js';
import { ProcessorStatusTracker } from '../../src/kafka/processor-status-tracker.js';
import { ProgressReporter } from '../../src/kafka/progress-reporter.js';

/** A commit of `points` engine points (the fields the reporter and the tracker read). */
function committed(points: number): ProcessorEvent {
  return {
    type: 'committed',
    model: 'm',
    engine: { pointsSeen: points, batches: points / 100, rejected: 0, reseeds: 0, jitterEvents: 0, skippedBatches: 0 },
    counters: { snapshotsPublished: 3, deadLettered: 0 },
    snapshot: null,
  } as unknown as CommittedEvent;
}

function setUp() {
  const events = new ProcessorEvents();
  const status = new ProcessorStatusTracker(events, 'm');
  const reporter = new ProgressReporter(events, status, () => ({ snapshotsPublished: 3, deadLettered: 0 }), 'in', 'g', 6000);
  const reports: ProgressReportEvent[] = [];
  events.on((e) => void (e.type === 'progress' && reports.push(e)), ['progress']);
  events.emit({ type: 'consuming', topic: 'in', group: 'g', model: 'm' });
  return { events, reporter, reports };
}

describe('ProgressReporter', () => {
  it('reports the engine progress while points arrive', () => {
    const { events, reporter, reports } = setUp();
    events.emit({ type: 'engine-progress', pointsSeen: 1200, pointsPerSecond: 600, logLikelihood: -3.5, warmingUp: false });
    reporter.report();
    expect(reports.map((r) => [r.idle, r.pointsSeen, r.pointsPerSecond])).toEqual([[false, 1200, 600]]);
  });

  it('when idle, reports the points of the last commit when it is newer than the last progress', () => {
    const { events, reporter, reports } = setUp();
    events.emit({ type: 'engine-progress', pointsSeen: 1200, pointsPerSecond: 600, logLikelihood: -3.5, warmingUp: false });
    reporter.report();
    // The minibatches after the last progress report are committed; no progress comes while no input does.
    events.emit(committed(4000));
    reporter.report();
    expect(reports.map((r) => [r.idle, r.pointsSeen])).toEqual([[false, 1200], [true, 4000]]);
  });

  it('never reports fewer points than the newest progress', () => {
    const { events, reporter, reports } = setUp();
    events.emit(committed(1000));
    events.emit({ type: 'engine-progress', pointsSeen: 1500, pointsPerSecond: 500, logLikelihood: -3.5, warmingUp: false });
    reporter.report();
    expect(reports.map((r) => r.pointsSeen)).toEqual([1500]);
  });
});
