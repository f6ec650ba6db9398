/**
 * Step sizes η for the stepwise blend s ← (1-η)s + ηŝ.
 * - decaying: η_t = (t + t0)^(-α), 0.5 < α ≤ 1, optionally floored at η_min
 *   (α = 1, t0 = 0 is the running average: batch EM's statistics);
 * - forgetting: constant η = 1 - 2^(-m/h) for m points and a half-life of h points.
 */
export type StepSizeSchedule =
  | { readonly kind: 'decaying'; readonly alpha: number; readonly t0: number; readonly etaMin: number }
  | { readonly kind: 'forgetting'; readonly halfLife: number };

/**
 * η for a minibatch of m points, when `pointsIncluded` points (this batch included)
 * have entered the statistics. t counts batches of the nominal size B, and a short
 * batch takes a proportionally shorter step, so that α = 1, t0 = 0 stays the exact
 * running average over points even when the last batch is partial.
 */
export function stepSize(schedule: StepSizeSchedule, m: number, nominalBatchSize: number, pointsIncluded: number): number {
  if (schedule.kind === 'forgetting') return 1 - Math.pow(2, -m / schedule.halfLife);
  const fraction = m / nominalBatchSize;
  const t = pointsIncluded / nominalBatchSize;
  const eta = fraction * Math.pow(t + schedule.t0, -schedule.alpha);
  return Math.min(1, Math.max(eta, fraction * schedule.etaMin));
}

export function describeSchedule(schedule: StepSizeSchedule): string {
  return schedule.kind === 'forgetting'
    ? `forgetting, half-life ${schedule.halfLife} points`
    : `decaying, alpha ${schedule.alpha}, t0 ${schedule.t0}${schedule.etaMin > 0 ? `, floor ${schedule.etaMin}` : ''}`;
}
