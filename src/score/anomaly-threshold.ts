import { DDSketch } from '@datadog/sketches-js';

/** How points are flagged: below the q-quantile of recent log-likelihoods, or below a fixed value. */
export type AnomalyRule = { readonly kind: 'quantile'; readonly quantile: number; readonly window: number } | { readonly kind: 'fixed'; readonly threshold: number };

/** Blocks of a window: the threshold is refreshed as each one fills, and the oldest is dropped. */
const BLOCKS = 4;
/** Relative accuracy of the sketch on a log-likelihood's magnitude: 0.5% of 10 nats is 0.05 nats. */
const RELATIVE_ACCURACY = 0.005;

/** Default window: 20,000 points, or enough that q·window/BLOCKS (the tail points of one block) is at least 25. */
export function defaultAnomalyWindow(quantile: number): number {
  return Math.max(20_000, Math.ceil((25 * BLOCKS) / quantile));
}

/** What the anomaly rule says now, for snapshots. */
export interface AnomalySummary {
  /** The threshold in force (nats); null until the first block of the window has filled. */
  readonly threshold: number | null;
  readonly quantile: number | null;
  /** Flagged fraction of the points in the window; null before any point. */
  readonly rate: number | null;
  /** Points flagged since the model started. */
  readonly flagged: number;
}

/** Exact state, for checkpoints: a restored threshold flags a replay the same way. */
export interface AnomalyThresholdState {
  readonly version: 1;
  /** Sketches of the full blocks, oldest first, then of the filling one. */
  readonly blocks: readonly SketchState[];
  /** Points and flagged points of each entry of `blocks`. */
  readonly points: readonly number[];
  readonly flaggedInBlocks: readonly number[];
  readonly threshold: number | null;
  readonly flagged: number;
  /** The rule the blocks were kept under (absent in older states: taken as the current one). */
  readonly rule?: AnomalyRule;
}

/**
 * A DDSketch's bins as they are. Not its protobuf form: that rebuilds the key mapping from
 * gamma, whose round trip can move the last bit of the multiplier and with it a value's bin.
 */
export interface SketchState {
  readonly positive: StoreState | null;
  readonly negative: StoreState | null;
  readonly zeroCount: number;
}

interface StoreState {
  readonly bins: readonly number[];
  readonly count: number;
  readonly minKey: number;
  readonly maxKey: number;
  readonly offset: number;
}

interface Block {
  readonly sketch: DDSketch;
  points: number;
  flagged: number;
}

/**
 * Flags a point when its log-likelihood is below the threshold in force before it (so a
 * point never lowers its own bar). With a quantile rule the threshold is the q-quantile of
 * the last `window` points' log-likelihoods, kept in DDSketches per quarter of the window
 * and refreshed each time a quarter fills; the flagged points are in the sketch too (the
 * rule is a quantile of the stream, and leaving them out would ratchet the bar upwards).
 */
export class AnomalyThreshold {
  private readonly blocks: Block[];
  private threshold: number | null;
  private flagged: number;
  /** observe's run of one point (reused: no allocation per point). */
  private readonly one = new Float64Array(1);
  private readonly oneFlag = new Uint8Array(1);

  constructor(
    readonly rule: AnomalyRule,
    restored?: AnomalyThresholdState,
  ) {
    // A run restarted with another rule starts its window afresh (a window of another size
    // or quantile would mis-time or mis-place the threshold); the flagged total carries on.
    const state = restored && (restored.rule === undefined || sameRule(restored.rule, rule)) ? restored : undefined;
    this.blocks = state ? state.blocks.map((b, i) => ({ sketch: sketchFrom(b), points: state.points[i], flagged: state.flaggedInBlocks[i] })) : [];
    if (this.blocks.length === 0) this.blocks.push(newBlock());
    this.threshold = rule.kind === 'fixed' ? rule.threshold : (state?.threshold ?? null);
    this.flagged = restored?.flagged ?? 0;
  }

  /** Whether `logLikelihood` is an anomaly under the threshold in force; then it joins the window. */
  observe(logLikelihood: number): boolean {
    this.one[0] = logLikelihood;
    this.oneFlag[0] = 0;
    return this.observeRun(this.one, 0, 1, this.oneFlag) === 1;
  }

  /** The filling block is full: refresh the threshold, drop the oldest block if the window is whole, start the next. */
  private closeBlock(): void {
    if (this.rule.kind === 'quantile') this.threshold = this.quantileOfFullBlocks(this.rule.quantile);
    if (this.blocks.length === BLOCKS) this.blocks.shift();
    this.blocks.push(newBlock());
  }

  /**
   * `observe` of logLikelihood[from..to) in order, where none is NaN: flags[i] = 1 for each
   * anomaly (0 left as it is otherwise); returns how many. The same flags and state as one
   * `observe` a point, with the block's bookkeeping hoisted out of the loop.
   */
  observeRun(logLikelihood: ArrayLike<number>, from: number, to: number, flags: Uint8Array): number {
    const quantile = this.rule.kind === 'quantile';
    const size = this.blockSize();
    let anomalies = 0;
    let i = from;
    while (i < to) {
      const block = this.blocks[this.blocks.length - 1];
      const end = Math.min(to, i + (size - block.points));
      const threshold = this.threshold;
      const sketch = block.sketch;
      let flagged = 0;
      for (let j = i; j < end; j++) {
        const ll = logLikelihood[j];
        if (quantile) sketch.accept(ll);
        if (threshold !== null && ll < threshold) {
          flags[j] = 1;
          flagged++;
        }
      }
      block.points += end - i;
      block.flagged += flagged;
      this.flagged += flagged;
      anomalies += flagged;
      i = end;
      if (block.points >= size) this.closeBlock();
    }
    return anomalies;
  }

  summary(): AnomalySummary {
    let points = 0;
    let flagged = 0;
    for (const b of this.blocks) {
      points += b.points;
      flagged += b.flagged;
    }
    return { threshold: this.threshold, quantile: this.rule.kind === 'quantile' ? this.rule.quantile : null, rate: points > 0 ? flagged / points : null, flagged: this.flagged };
  }

  state(): AnomalyThresholdState {
    return {
      version: 1,
      blocks: this.blocks.map((b) => sketchState(b.sketch)),
      points: this.blocks.map((b) => b.points),
      flaggedInBlocks: this.blocks.map((b) => b.flagged),
      threshold: this.threshold,
      flagged: this.flagged,
      rule: this.rule,
    };
  }

  private blockSize(): number {
    // A fixed threshold keeps only the rate's window, in blocks of 5,000 points.
    return this.rule.kind === 'quantile' ? Math.ceil(this.rule.window / BLOCKS) : 5000;
  }

  /** The q-quantile over every full block (all blocks but the filling one, which was just completed). */
  private quantileOfFullBlocks(q: number): number {
    const all = new DDSketch({ relativeAccuracy: RELATIVE_ACCURACY });
    for (const b of this.blocks) {
      // DDSketch.merge (2.1.1) leaves the negative values' store out, and log-likelihoods are mostly
      // negative: merge the two stores and the counts here instead.
      all.store.merge(b.sketch.store);
      all.negativeStore.merge(b.sketch.negativeStore);
      all.zeroCount += b.sketch.zeroCount;
      all.count += b.sketch.count;
    }
    return all.getValueAtQuantile(q);
  }
}

function newBlock(): Block {
  return { sketch: new DDSketch({ relativeAccuracy: RELATIVE_ACCURACY }), points: 0, flagged: 0 };
}

function sketchState(sketch: DDSketch): SketchState {
  return { positive: storeState(sketch.store), negative: storeState(sketch.negativeStore), zeroCount: sketch.zeroCount };
}

function storeState(store: DDSketch['store']): StoreState | null {
  // An empty store's keys are ±Infinity, which JSON cannot carry.
  if (store.count === 0) return null;
  return { bins: [...store.bins], count: store.count, minKey: store.minKey, maxKey: store.maxKey, offset: store.offset };
}

function sketchFrom(state: SketchState): DDSketch {
  const sketch = new DDSketch({ relativeAccuracy: RELATIVE_ACCURACY });
  if (state.positive) storeFrom(sketch.store, state.positive);
  if (state.negative) storeFrom(sketch.negativeStore, state.negative);
  sketch.zeroCount = state.zeroCount;
  sketch.count = sketch.store.count + sketch.negativeStore.count + state.zeroCount;
  return sketch;
}

function storeFrom(store: DDSketch['store'], state: StoreState): void {
  store.bins = [...state.bins];
  store.count = state.count;
  store.minKey = state.minKey;
  store.maxKey = state.maxKey;
  store.offset = state.offset;
}

function sameRule(a: AnomalyRule, b: AnomalyRule): boolean {
  if (a.kind === 'fixed' || b.kind === 'fixed') return a.kind === b.kind;
  return a.quantile === b.quantile && a.window === b.window;
}
