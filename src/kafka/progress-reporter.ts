import type { ProcessorCounters } from './checkpoint.js';
import type { ProcessorEvents, ProgressReportEvent } from './processor-events.js';
import type { ProcessorStatusTracker } from './processor-status-tracker.js';

const IDLE_REPORT_MS = 60_000;
/** A join longer than this is worth telling: a dead member is holding the partitions. */
const JOIN_WAIT_REPORT_MS = 3_000;

/**
 * The periodic progress report, as a `progress` event: throughput and fit while points
 * arrive; while idle, once and then once a minute, rather than filling the log.
 */
export class ProgressReporter {
  private lastReportedPoints = -1;
  private lastIdleReport = 0;

  constructor(
    private readonly events: ProcessorEvents,
    private readonly status: ProcessorStatusTracker,
    private readonly counters: () => Readonly<Pick<ProcessorCounters, 'snapshotsPublished' | 'deadLettered'>> | null,
    private readonly topic: string,
    private readonly group: string,
    private readonly sessionTimeoutMs: number,
    private readonly keys: () => ProgressReportEvent['keys'] | null = () => null,
  ) {}

  report(): void {
    if (!this.status.isConsuming) return this.reportJoinWait();
    const p = this.status.lastProgress;
    const c = this.counters() ?? { snapshotsPublished: 0, deadLettered: 0 };
    const keys = this.keys();
    const common = { lag: this.status.totalLag, snapshots: c.snapshotsPublished, deadLettered: c.deadLettered, topic: this.topic, ...(keys ? { keys } : {}) };
    // Idle: no engine progress since the last report. The points are the newest count (a
    // commit after the last progress knows of the minibatches since), not the last progress's.
    const pointsSeen = this.status.pointsSeen;
    if (!p || p.pointsSeen === this.lastReportedPoints) {
      if (Date.now() - this.lastIdleReport < IDLE_REPORT_MS) return;
      this.lastIdleReport = Date.now();
      this.events.emit({ type: 'progress', idle: true, pointsSeen, pointsPerSecond: 0, warmingUp: p?.warmingUp ?? true, logLikelihood: p?.logLikelihood ?? null, ...common });
      return;
    }
    this.lastIdleReport = 0;
    this.lastReportedPoints = p.pointsSeen;
    this.events.emit({ type: 'progress', idle: false, pointsSeen: pointsSeen ?? p.pointsSeen, pointsPerSecond: p.pointsPerSecond, warmingUp: p.warmingUp, logLikelihood: p.logLikelihood, ...common });
  }

  /** While the group keeps this member waiting in its join: once it lasts, then once a minute. */
  private reportJoinWait(): void {
    const { state, stateSince } = this.status.status();
    const waited = Date.now() - stateSince;
    if (state !== 'joining' || waited < JOIN_WAIT_REPORT_MS) return;
    if (Date.now() - this.lastIdleReport < IDLE_REPORT_MS && this.lastIdleReport >= stateSince) return;
    this.lastIdleReport = Date.now();
    this.events.emit({ type: 'waiting-for-group', group: this.group, waitedMs: waited, sessionTimeoutMs: this.sessionTimeoutMs });
  }
}
