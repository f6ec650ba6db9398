import { componentFactors, type ComponentFactors } from './component-factors.js';
import { mStep } from './m-step.js';
import type { MixtureParams, SufficientStats } from './types.js';

/** What one update moves the model to: θ̄(s), the jitter it needed, and its E-step factors. */
export interface FactoredModel {
  readonly params: MixtureParams;
  /** Components whose covariance needed jitter beyond reg_covar to stay positive definite. */
  readonly jitterEvents: number;
  readonly factors: ComponentFactors;
}

/** The M-step, then the E-step factors of its result (from its Cholesky factors where it has them). */
export function mStepFactors(stats: SufficientStats, regCovar: number): FactoredModel {
  const m = mStep(stats, regCovar);
  return { params: m.params, jitterEvents: m.jitterEvents, factors: componentFactors(m.params, m.choleskyFactors) };
}
