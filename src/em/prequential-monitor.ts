/**
 * The prequential (test-then-train) log-likelihood: each minibatch is scored under
 * the parameters before it updates them. Keeps the last value, a point-weighted
 * moving average over `window` batches, and a `converged` flag: set when the
 * average over the last window differs from the window before it by no more than
 * max(tol, two standard errors of that difference), i.e. it no longer changes
 * measurably.
 */
export interface MonitorState {
  readonly means: number[];
  readonly counts: number[];
}

export class PrequentialMonitor {
  private means: number[] = [];
  private counts: number[] = [];

  constructor(
    readonly window: number,
    readonly tol: number,
  ) {}

  record(meanLogLik: number, points: number): void {
    this.means.push(meanLogLik);
    this.counts.push(points);
    if (this.means.length > 2 * this.window) {
      this.means.shift();
      this.counts.shift();
    }
  }

  get last(): number | null {
    return this.means.length > 0 ? this.means[this.means.length - 1] : null;
  }

  get average(): number | null {
    return this.means.length > 0 ? weightedMean(this.means, this.counts, Math.max(0, this.means.length - this.window)) : null;
  }

  get converged(): boolean {
    const w = this.window;
    if (this.means.length < 2 * w) return false;
    const previous = weightedMean(this.means.slice(0, w), this.counts.slice(0, w), 0);
    const recent = weightedMean(this.means, this.counts, w);
    const all = weightedMean(this.means, this.counts, 0);
    let ss = 0;
    for (const m of this.means) ss += (m - all) * (m - all);
    const batchVariance = ss / (this.means.length - 1);
    const standardError = Math.sqrt((2 * batchVariance) / w);
    return Math.abs(recent - previous) <= Math.max(this.tol, 2 * standardError);
  }

  state(): MonitorState {
    return { means: this.means.slice(), counts: this.counts.slice() };
  }

  restore(state: MonitorState): void {
    this.means = state.means.slice(-2 * this.window);
    this.counts = state.counts.slice(-2 * this.window);
  }
}

function weightedMean(means: readonly number[], counts: readonly number[], from: number): number {
  let s = 0;
  let n = 0;
  for (let i = from; i < means.length; i++) {
    s += means[i] * counts[i];
    n += counts[i];
  }
  return s / n;
}
