import { RefusedPoint } from '../em/point-validation.js';
import { describeJson, fieldValue, keyValue, notANumber } from './column-value.js';
import { parseJson, pointsOfJson, refusedJson } from './json-points.js';
import type { DecoderContext, PointDecoder, RowSink } from './point-decoder.js';
import { PointFileError } from './point-file-error.js';

/**
 * NDJSON lines: a point `[x1, ...]`, a batch `[[...], ...]` or `{"points": [...]}` (null
 * a missing coordinate), or an object of named fields `{"x": 1, "y": 2}`, whose
 * coordinates are the fields of `columns`, or else the numeric fields of the first
 * object, in its order (a missing or null field is a missing coordinate). With a key
 * column, an object's key is that field (a `{"points": ...}` line's key is its field too).
 */
export class NdjsonDecoder implements PointDecoder {
  private fields: readonly string[] | null;
  private firstLineSeen = false;
  private keyHintGiven = false;

  constructor(private readonly context: DecoderContext) {
    this.fields = context.columns;
    if (this.fields !== null) this.checkDim(this.fields);
  }

  startPass(): void {}

  endPass(): void {}

  line(text: string | RefusedPoint, lineNumber: number, sink: RowSink): void {
    if (text instanceof RefusedPoint) return sink.push(text, lineNumber, null);
    if (!this.firstLineSeen) {
      this.firstLineSeen = true;
      const hint = formatHint(text, this.context.label);
      if (hint) this.context.notice(hint, 'hint');
    }
    const parsed = parseJson(text);
    if (!parsed.ok) return sink.push(refusedJson(parsed), lineNumber, null);
    const value = parsed.value;
    const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
    if (isObject && !('points' in value)) return this.object(value as Record<string, unknown>, lineNumber, sink);
    const decoded = pointsOfJson(value);
    if (!decoded.ok) return sink.push(refusedJson(decoded), lineNumber, null);
    const { keyColumn } = this.context;
    let key: string | null = null;
    if (keyColumn !== null) {
      if (isObject) key = keyValue((value as Record<string, unknown>)[keyColumn]);
      else this.arrayKeyHint();
    }
    for (const row of decoded.rows) sink.push(row, lineNumber, key);
  }

  private object(value: Record<string, unknown>, lineNumber: number, sink: RowSink): void {
    const { keyColumn } = this.context;
    const key = keyColumn === null ? null : keyValue(value[keyColumn]);
    if (this.fields === null) {
      const numeric = Object.keys(value).filter((name) => name !== keyColumn && typeof value[name] === 'number');
      if (numeric.length === 0) {
        const refusal = new RefusedPoint('an object without numeric fields cannot choose the columns (the first object with some does; or pass --columns)', 'not-a-number');
        return sink.push(refusal, lineNumber, key);
      }
      this.checkDim(numeric);
      this.fields = numeric;
      this.context.notice(`${this.context.label}: reading the fields ${numeric.join(', ')} of the NDJSON objects (the numeric ones of line ${lineNumber}); --columns chooses others`, 'columns');
    }
    const fields = this.fields;
    const row = new Array<number | null>(fields.length);
    for (let j = 0; j < fields.length; j++) {
      const v = fieldValue(value[fields[j]]);
      if (v === undefined) return sink.push(notANumber('field', fields[j], describeJson(value[fields[j]]), 'null or an absent field'), lineNumber, key);
      row[j] = v;
    }
    sink.push(row, lineNumber, key);
  }

  private checkDim(fields: readonly string[]): void {
    const { dim } = this.context;
    if (dim !== null && fields.length !== dim) {
      throw new PointFileError(`--dim ${dim}, but ${fields.length} field(s) are read from the NDJSON objects of ${this.context.label} (${fields.join(', ')}): pass --columns with ${dim} names`);
    }
  }

  private arrayKeyHint(): void {
    if (this.keyHintGiven) return;
    this.keyHintGiven = true;
    this.context.notice(`hint: ${this.context.label}: --key-column ${this.context.keyColumn} names a field of objects; its array lines have no key`, 'hint');
  }
}

/**
 * A hint when the first line shows that the input is not NDJSON: CSV (commas, no
 * brackets) or pretty-printed JSON (the first line opens an array or object only).
 */
export function formatHint(firstLine: string, label: string): string | null {
  const t = firstLine.trim();
  if (t === '[' || t === '{' || (/^[[{]/.test(t) && /[[{,]$/.test(t) && !parseJson(t).ok)) {
    const command = t.startsWith('[') ? `jq -c '.[]' ${label}` : `jq -c . ${label}`;
    return `hint: ${label} looks like pretty-printed JSON (its first line is ${JSON.stringify(t.length > 20 ? `${t.slice(0, 20)}...` : t)}): NDJSON needs one point, batch or object per line (${command} writes that)`;
  }
  if (t.includes(',') && !/[[\]{}]/.test(t) && !parseJson(t).ok) return `hint: ${label} looks like CSV (its first line has commas and no brackets); pass --format csv`;
  return null;
}
