/**
 * The dashboard's memory of the scores topic: per model, counts of what its records held,
 * the last `ringLength` scored log-likelihoods (a ring, for the histogram) and the last
 * `flaggedLength` flagged points. Bounded: at most `maxModels` models (the least recently
 * updated is forgotten first). Pure: it reads decoded records, knows nothing of Kafka.
 */
import { REFUSED_COMPONENT as REFUSED, WARMING_UP_COMPONENT as WARMING_UP } from '../stream/item-scoring.js';

/** One scores record's points as columns (the binary record's layout; JSON is decoded to it). */
export interface RecordScores {
  readonly n: number;
  /** NaN where not scored. */
  readonly logLikelihood: ArrayLike<number>;
  /** The most responsible component, or REFUSED, or WARMING_UP. */
  readonly component: ArrayLike<number>;
  /** 1 where the point was flagged as an anomaly. */
  readonly anomaly: ArrayLike<number>;
}

export interface FlaggedPoint {
  /** The input message, `topic/partition/offset`. */
  readonly source: string;
  /** The point's index in the message (and in the scores record). */
  readonly index: number;
  readonly logLikelihood: number;
  readonly component: number;
}

export interface Histogram {
  readonly min: number;
  readonly max: number;
  /** Points per bin; bin i covers [min + i·w, min + (i+1)·w), the last one includes max (w = (max - min) / bins). */
  readonly counts: readonly number[];
}

/** One model's summary, as `GET /api/scores` and the `scores` SSE event carry it. */
export interface ScoreSummaryJson {
  readonly model: string;
  readonly records: number;
  readonly scored: number;
  readonly refused: number;
  readonly warmingUp: number;
  readonly flagged: number;
  /** Scored log-likelihoods in the ring (at most ringLength), their mean and histogram (null when none). */
  readonly recent: { readonly count: number; readonly mean: number | null; readonly histogram: Histogram | null };
  /** The last flagged points, oldest first. */
  readonly flaggedPoints: readonly FlaggedPoint[];
}

export interface ScoreSummaryLimits {
  readonly maxModels: number;
  readonly ringLength: number;
  readonly flaggedLength: number;
  readonly bins: number;
}

export const DEFAULT_SCORE_LIMITS: ScoreSummaryLimits = { maxModels: 1_000, ringLength: 2_000, flaggedLength: 20, bins: 40 };

/** Counts of `values` in `bins` equal bins between their min and max (all in the middle bin when they are equal). */
export function histogramOf(values: ArrayLike<number>, bins: number): Histogram | null {
  if (values.length === 0) return null;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    min = Math.min(min, values[i]!);
    max = Math.max(max, values[i]!);
  }
  const counts = new Array<number>(bins).fill(0);
  const width = (max - min) / bins;
  for (let i = 0; i < values.length; i++) {
    const bin = width > 0 ? Math.min(bins - 1, Math.floor((values[i]! - min) / width)) : Math.floor(bins / 2);
    counts[bin]!++;
  }
  return { min, max, counts };
}

/** One model's running summary. */
export class ModelScoreSummary {
  records = 0;
  scored = 0;
  refused = 0;
  warmingUp = 0;
  flagged = 0;
  private readonly ring: Float64Array;
  private ringNext = 0;
  private ringCount = 0;
  private readonly flaggedPoints: FlaggedPoint[] = [];

  constructor(
    readonly model: string,
    private readonly limits: ScoreSummaryLimits = DEFAULT_SCORE_LIMITS,
  ) {
    this.ring = new Float64Array(limits.ringLength);
  }

  add(source: string, scores: RecordScores): void {
    this.records++;
    for (let i = 0; i < scores.n; i++) {
      const c = scores.component[i]!;
      if (c === REFUSED) this.refused++;
      else if (c === WARMING_UP) this.warmingUp++;
      else {
        this.scored++;
        const ll = scores.logLikelihood[i]!;
        if (Number.isFinite(ll)) {
          this.ring[this.ringNext] = ll;
          this.ringNext = (this.ringNext + 1) % this.ring.length;
          this.ringCount = Math.min(this.ringCount + 1, this.ring.length);
        }
        if (scores.anomaly[i] === 1) {
          this.flagged++;
          this.flaggedPoints.push({ source, index: i, logLikelihood: ll, component: c });
          if (this.flaggedPoints.length > this.limits.flaggedLength) this.flaggedPoints.shift();
        }
      }
    }
  }

  /** The log-likelihoods in the ring, oldest first. */
  recent(): Float64Array {
    if (this.ringCount < this.ring.length) return this.ring.slice(0, this.ringCount);
    const out = new Float64Array(this.ring.length);
    out.set(this.ring.subarray(this.ringNext), 0);
    out.set(this.ring.subarray(0, this.ringNext), this.ring.length - this.ringNext);
    return out;
  }

  toJSON(): ScoreSummaryJson {
    const recent = this.recent();
    let sum = 0;
    for (const x of recent) sum += x;
    return {
      model: this.model,
      records: this.records,
      scored: this.scored,
      refused: this.refused,
      warmingUp: this.warmingUp,
      flagged: this.flagged,
      recent: { count: recent.length, mean: recent.length > 0 ? sum / recent.length : null, histogram: histogramOf(recent, this.limits.bins) },
      flaggedPoints: [...this.flaggedPoints],
    };
  }
}

type Listener = (model: string) => void;

/** The summaries of every model, bounded, telling listeners which model changed. */
export class ScoreSummaries {
  private readonly models = new Map<string, ModelScoreSummary>();
  private readonly listeners = new Set<Listener>();

  constructor(readonly limits: ScoreSummaryLimits = DEFAULT_SCORE_LIMITS) {}

  add(model: string, source: string, scores: RecordScores): void {
    let summary = this.models.get(model);
    if (summary) this.models.delete(model); // re-inserted last: the Map's order is recency
    else summary = new ModelScoreSummary(model, this.limits);
    summary.add(source, scores);
    this.models.set(model, summary);
    if (this.models.size > this.limits.maxModels) this.models.delete(this.models.keys().next().value!);
    for (const listener of this.listeners) listener(model);
  }

  get(model: string): ModelScoreSummary | undefined {
    return this.models.get(model);
  }

  /** The models with a summary, sorted. */
  modelIds(): string[] {
    return [...this.models.keys()].sort();
  }

  get size(): number {
    return this.models.size;
  }

  /** Calls `listener` with the model of every record added from now on; returns the unsubscribe. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
