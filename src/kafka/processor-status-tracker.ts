import { redactSecrets } from '../log/secrets.js';
import type { CommittedEvent, EngineProgressEvent, ProcessorEvent, ProcessorEventType, ProcessorEvents, RestoredEvent } from './processor-events.js';

/** The events the status follows (so the finer ones stay unbuilt unless a tool listens). */
const TRACKED: readonly ProcessorEventType[] = [
  'session-started',
  'restored',
  'joining',
  'standing-by',
  'handed-over',
  'consuming',
  'committed',
  'engine-progress',
  'lag',
  'session-failed',
  'connection-refused',
  'session-ended',
  'stopping',
  'stopped',
];
import type { ProcessorState, ProcessorStatus } from './processor-status.js';

/**
 * The processor's status for metrics and health checks, built from its events alone:
 * the state, the newest committed checkpoint (this process's last commit, or the one a
 * session restored from an earlier process), the engine's live progress and the lag.
 */
export class ProcessorStatusTracker {
  private state: ProcessorState = 'starting';
  private stateSince = Date.now();
  private takeovers = 0;
  private handovers = 0;
  private lastError: string | null = null;
  private sessions = 0;
  private sessionFailures = 0;
  private committed: { readonly event: CommittedEvent | RestoredEvent; readonly at: number | null } | null = null;
  private live: EngineProgressEvent | null = null;
  private readonly lag = new Map<string, { topic: string; partition: number; messages: number }>();
  constructor(
    events: ProcessorEvents,
    private readonly model: string,
  ) {
    events.on((event) => this.record(event), TRACKED);
  }

  status(): ProcessorStatus {
    const c = this.committed;
    const snapshot = c?.event.type === 'committed' ? c.event.snapshot : null;
    return {
      model: this.model,
      state: this.state,
      lastError: this.lastError,
      sessions: this.sessions,
      sessionFailures: this.sessionFailures,
      committed: c
        ? {
            counters: { ...c.event.counters! },
            engine: { ...c.event.engine! },
            at: c.at,
            logLikelihoodAverage: snapshot?.logLikelihoodAverage ?? null,
            stepSize: snapshot?.stepSize ?? null,
            converged: snapshot ? snapshot.converged : null,
            changes: snapshot ? snapshot.changes : null,
            anomaly: snapshot?.anomaly ?? null,
          }
        : null,
      live: this.live ? { pointsSeen: this.live.pointsSeen, pointsPerSecond: this.live.pointsPerSecond, warmingUp: this.live.warmingUp } : null,
      lag: [...this.lag.values()].map((l) => ({ ...l })),
      stateSince: this.stateSince,
      takeovers: this.takeovers,
      handovers: this.handovers,
    };
  }

  /** Total lag over the partitions, in messages. */
  get totalLag(): number {
    let lag = 0;
    for (const l of this.lag.values()) lag += l.messages;
    return lag;
  }

  get lastProgress(): EngineProgressEvent | null {
    return this.live;
  }

  /**
   * Points in the model by the newest news: the engine reports progress only as input
   * arrives, so once the input stops, the last commit (of the minibatches after that report)
   * knows more than the last progress.
   */
  get pointsSeen(): number | null {
    const live = this.live?.pointsSeen ?? null;
    const committed = this.committed?.event.engine?.pointsSeen ?? null;
    if (live === null || committed === null) return live ?? committed;
    return Math.max(live, committed);
  }

  /** Between a session's start of consumption and its end, stopping or not. */
  get isConsuming(): boolean {
    return this.consuming;
  }

  private consuming = false;

  /** A new state, unless stopping (which only `stopped` follows). */
  private become(state: ProcessorState): void {
    if (this.state === 'stopping' || this.state === 'stopped' || this.state === state) return;
    this.state = state;
    this.stateSince = Date.now();
  }

  private record(event: ProcessorEvent): void {
    switch (event.type) {
      case 'session-started':
        this.sessions++;
        break;
      case 'restored':
        // A checkpoint from an earlier process (or one this process committed, but read back:
        // then its commit time is kept).
        if (event.counters && !(this.committed?.event.type === 'committed' && sameCheckpoint(this.committed.event, event))) {
          this.committed = { event, at: null };
        }
        break;
      case 'joining':
        this.become('joining');
        break;
      case 'standing-by':
        this.become('standby');
        this.lastError = null;
        break;
      case 'handed-over':
        this.handovers++;
        this.consuming = false;
        this.lag.clear();
        break;
      case 'consuming':
        this.takeovers++;
        this.consuming = true;
        this.become('consuming');
        this.lastError = null;
        break;
      case 'committed':
        this.committed = { event, at: Date.now() };
        break;
      case 'engine-progress':
        this.live = event;
        break;
      case 'lag':
        this.lag.set(`${event.topic}:${event.partition}`, { topic: event.topic, partition: event.partition, messages: event.messages });
        break;
      case 'session-failed':
        this.sessionFailures++;
        this.become('retrying');
        this.lastError = redactSecrets(event.error);
        break;
      case 'session-ended':
        this.consuming = false;
        if (this.state === 'consuming' || this.state === 'standby' || this.state === 'joining') this.become('starting');
        break;
      case 'connection-refused':
        this.lastError = redactSecrets(event.reason);
        break;
      case 'stopping':
        this.state = 'stopping';
        this.stateSince = Date.now();
        break;
      case 'stopped':
        this.state = 'stopped';
        this.stateSince = Date.now();
        break;
      default:
        break;
    }
  }
}

function sameCheckpoint(committed: CommittedEvent, restored: RestoredEvent): boolean {
  return restored.checkpoint !== null && committed.checkpoint.partition === restored.checkpoint.partition && committed.checkpoint.offset === restored.checkpoint.offset;
}
