/**
 * A bound set by K, the number of components, for options whose valid range depends
 * on it (warmup >= K, minWeight < 1/K). `text` is how a message shows it: the value
 * once K is known, or the formula.
 */
export interface ComponentsBound {
  readonly ofComponents: (k: number) => number;
  readonly text: (k: number | null) => string;
}

export type Bound = number | ComponentsBound;

/** The valid values of a numeric option: both ends inclusive unless marked exclusive. */
export interface OptionRange {
  readonly min?: Bound;
  readonly max?: Bound;
  readonly exclusiveMin?: boolean;
  readonly exclusiveMax?: boolean;
}

/** K: fewer warm-up points than components leave k-means++ seeding two components at one point. */
export const COMPONENTS: ComponentsBound = { ofComponents: (k) => k, text: (k) => (k === null ? 'components' : String(k)) };

/** 1/K: the lightest component weighs at most 1/K, so a floor there finds one dead in every batch. */
export const ONE_PER_COMPONENT: ComponentsBound = { ofComponents: (k) => 1 / k, text: () => '1/components' };

/** The bound's value, or null when it depends on K and K is not known yet. */
function boundValue(bound: Bound, k: number | null): number | null {
  if (typeof bound === 'number') return bound;
  return k === null ? null : bound.ofComponents(k);
}

function boundText(bound: Bound, k: number | null): string {
  return typeof bound === 'number' ? String(bound) : bound.text(k);
}

/** Whether x lies in the range; bounds set by K are skipped while K is unknown (null). */
export function inRange(range: OptionRange, x: number, k: number | null): boolean {
  const min = range.min === undefined ? null : boundValue(range.min, k);
  const max = range.max === undefined ? null : boundValue(range.max, k);
  if (min !== null && (range.exclusiveMin ? x <= min : x < min)) return false;
  if (max !== null && (range.exclusiveMax ? x >= max : x > max)) return false;
  return true;
}

/** The range in words, with a leading space: ` from 1 to 1024`, ` in (0.5, 1]`, ` >= 0`; '' when unbounded. */
export function describeRange(range: OptionRange, k: number | null): string {
  const { min, max, exclusiveMin, exclusiveMax } = range;
  if (min !== undefined && max !== undefined) {
    if (!exclusiveMin && !exclusiveMax) return ` from ${boundText(min, k)} to ${boundText(max, k)}`;
    return ` in ${exclusiveMin ? '(' : '['}${boundText(min, k)}, ${boundText(max, k)}${exclusiveMax ? ')' : ']'}`;
  }
  if (min !== undefined) return ` ${exclusiveMin ? '>' : '>='} ${boundText(min, k)}`;
  if (max !== undefined) return ` ${exclusiveMax ? '<' : '<='} ${boundText(max, k)}`;
  return '';
}

/** What a numeric option accepts: `an integer from 1 to 1024`, `a number in [0, 1)`. */
export function describeNumber(kind: 'int' | 'number', range: OptionRange, k: number | null): string {
  return `${kind === 'int' ? 'an integer' : 'a number'}${describeRange(range, k)}`;
}

/** Whether v is a value of the kind within the range (finite; whole for an integer). */
export function isNumberInRange(kind: 'int' | 'number', range: OptionRange, v: unknown, k: number | null): v is number {
  return typeof v === 'number' && Number.isFinite(v) && (kind !== 'int' || Number.isInteger(v)) && inRange(range, v, k);
}
