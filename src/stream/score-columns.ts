type TypedColumn = Float64Array | Int32Array | Uint8Array;

/** One column, grown to the largest length asked for and reused after: a view of that length, holding the last values. */
class Column<T extends TypedColumn> {
  private array: T;

  constructor(private readonly make: (length: number) => T) {
    this.array = make(0);
  }

  view(length: number): T {
    // Half as much again as before: items of growing size reallocate rarely.
    if (this.array.length < length) this.array = this.make(Math.max(length, Math.ceil(this.array.length * 1.5)));
    return this.array.subarray(0, length) as T;
  }
}

/** The columns of one item's scores, reused from item to item; the caller sets their contents. */
export class ScoreColumns {
  readonly logLikelihood = new Column((n) => new Float64Array(n));
  readonly responsibilities = new Column((n) => new Float64Array(n));
  readonly component = new Column((n) => new Int32Array(n));
  readonly anomaly = new Column((n) => new Uint8Array(n));
}
