import type { MinibatchUpdate, UpdateListener } from '../em/engine-state.js';
import { AnomalyThreshold, type AnomalyRule, type AnomalySummary, type AnomalyThresholdState } from '../score/anomaly-threshold.js';
import { argmaxComponents } from '../score/argmax-components.js';
import type { FittingSession } from './fitting-session.js';
import type { OnlineEmEvent } from './online-em-events.js';
import { rowCount, type PointInput } from './point-input.js';
import { ScoreColumns } from './score-columns.js';

/** `component` of a point refused by validation. */
export const REFUSED_COMPONENT = -1;
/** `component` of a point taken while the model was warming up: there was no model to score it. */
export const WARMING_UP_COMPONENT = -2;

/**
 * The scores of one input item's points, in its row order (columns, for speed; ItemScoring
 * reuses them for its next item, so encode or copy them before that): each point's
 * log-likelihood under the model before its own update (test-then-train), its most
 * responsible component and responsibilities, and whether it is an anomaly.
 */
export interface ItemScores {
  readonly n: number;
  readonly k: number;
  /** NaN where not scored. */
  readonly logLikelihood: Float64Array;
  /** The component, or REFUSED_COMPONENT, or WARMING_UP_COMPONENT. */
  readonly component: Int32Array;
  /** n×k; zeros where not scored. */
  readonly responsibilities: Float64Array;
  /** 1 where flagged. */
  readonly anomaly: Uint8Array;
  /** Code of each refused point, by row. */
  readonly refused: ReadonlyMap<number, string>;
  readonly scored: number;
  readonly anomalies: number;
}

/**
 * Scores every point of the items a fitting session ingests, with no second E-step for
 * most of them: a point in a minibatch that the item completes gets the scores of that
 * update's own E-step (issue 5's seam); a point still waiting for its minibatch is scored
 * at once under the working parameters, which are the ones its update will use, since no
 * update comes before it. Either way a replay from a checkpoint gives the same bits.
 * The anomaly rule sees the scored points in stream order; its state is checkpointed.
 */
export class ItemScoring {
  private readonly threshold: AnomalyThreshold;
  /**
   * The accepted points' scores, which are the item's columns when no row is refused, reused
   * from item to item: the processor encodes each item's scores before the next, and fresh
   * columns of 1,000 points at K = 6 were 60 kB a message outside V8's heap, which it pays
   * for in full GCs.
   */
  private readonly columns = new ScoreColumns();

  constructor(rule: AnomalyRule, state?: AnomalyThresholdState) {
    this.threshold = new AnomalyThreshold(rule, state);
  }

  get anomaly(): AnomalySummary {
    return this.threshold.summary();
  }

  state(): AnomalyThresholdState {
    return this.threshold.state();
  }

  /** Ingest one item into `session` and score its points (valid until the next ingest); `onUpdate` hears each update too. */
  ingest<P>(session: FittingSession<P>, input: PointInput<P>, onUpdate?: UpdateListener): { events: OnlineEmEvent<P>[]; scores: ItemScores } {
    const engine = session.engine;
    const n = rowCount(input);
    const k = engine.options.components;
    const before = engine.counters.pointsSeen;
    // By accepted index (rows in order, refused ones left out).
    const logLik = this.columns.logLikelihood.view(n).fill(NaN);
    const resp = this.columns.responsibilities.view(n * k).fill(0);
    const fromUpdate = (u: MinibatchUpdate): void => {
      // A minibatch can start with points of earlier items: they were scored with them.
      const skip = Math.max(0, before - u.firstPoint);
      logLik.set(u.logLik.subarray(skip, u.n), u.firstPoint + skip - before);
      resp.set(u.resp.subarray(skip * k, u.n * k), (u.firstPoint + skip - before) * k);
      onUpdate?.(u);
    };
    const events = session.ingest(input, fromUpdate);
    const accepted = engine.counters.pointsSeen - before;
    const tail = Math.min(accepted, engine.pointsPending);
    // Null while warming up (not engine.model, which would run the averaged M-step each time).
    const pending = engine.scorePendingTail(tail);
    if (pending) {
      logLik.set(pending.logLik, accepted - tail);
      resp.set(pending.resp, (accepted - tail) * k);
    }
    return { events, scores: this.byRow(n, k, accepted, logLik, resp, events) };
  }

  /** Spread the accepted points' scores over the item's rows, flagging them in order. */
  private byRow<P>(n: number, k: number, accepted: number, logLik: Float64Array, resp: Float64Array, events: readonly OnlineEmEvent<P>[]): ItemScores {
    const refused = new Map<number, string>();
    for (const e of events) if (e.type === 'rejected') for (const r of e.rejections) refused.set(r.index, r.code);
    if (refused.size === 0) return this.everyRowAccepted(n, k, logLik, resp);
    const components = argmaxComponents(resp, accepted, k);
    const out: ItemScores = {
      n,
      k,
      logLikelihood: new Float64Array(n).fill(NaN),
      component: new Int32Array(n),
      responsibilities: new Float64Array(n * k),
      anomaly: new Uint8Array(n),
      refused,
      scored: 0,
      anomalies: 0,
    };
    let scored = 0;
    let anomalies = 0;
    for (let row = 0, a = 0; row < n; row++) {
      if (refused.has(row)) {
        out.component[row] = REFUSED_COMPONENT;
        continue;
      }
      const ll = logLik[a];
      if (Number.isNaN(ll)) out.component[row] = WARMING_UP_COMPONENT;
      else {
        out.component[row] = components[a];
        out.logLikelihood[row] = ll;
        out.responsibilities.set(resp.subarray(a * k, a * k + k), row * k);
        if (this.threshold.observe(ll)) {
          out.anomaly[row] = 1;
          anomalies++;
        }
        scored++;
      }
      a++;
    }
    return { ...out, scored, anomalies };
  }

  /**
   * The common case, no row refused: row and accepted index agree and the columns are used as
   * they are, and the anomaly rule takes each run of scored points at once (the points taken
   * while warming up, NaN, are the first ones of the item that completes the warm-up).
   */
  private everyRowAccepted(n: number, k: number, logLik: Float64Array, resp: Float64Array): ItemScores {
    const component = argmaxComponents(resp, n, k, this.columns.component.view(n));
    const anomaly = this.columns.anomaly.view(n).fill(0);
    let scored = 0;
    let anomalies = 0;
    for (let i = 0; i < n; ) {
      if (Number.isNaN(logLik[i])) {
        component[i++] = WARMING_UP_COMPONENT;
        continue;
      }
      let end = i + 1;
      while (end < n && !Number.isNaN(logLik[end])) end++;
      anomalies += this.threshold.observeRun(logLik, i, end, anomaly);
      scored += end - i;
      i = end;
    }
    return { n, k, logLikelihood: logLik, component, responsibilities: resp, anomaly, refused: new Map(), scored, anomalies };
  }
}
