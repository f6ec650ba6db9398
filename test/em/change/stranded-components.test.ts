import { describe, expect, it } from 'vitest';
import { ChangeRecovery } from '../../../src/em/change/change-recovery.js';
import type { EStepResult } from '../../../src/em/e-step.js';
import { resolveOptions } from '../../../src/em/options.js';
import type { SufficientStats } from '../../../src/em/types.js';

const K = 3;
const H = 2000;

/** A minibatch of n points whose responsibilities go by `shares` (component 2 gets none when stranded), each scored `logLik`. */
function eStepOf(n: number, shares: readonly number[], logLik = -3): EStepResult {
  const resp = new Float64Array(n * K);
  for (let i = 0; i < n; i++) for (let c = 0; c < K; c++) resp[i * K + c] = shares[c];
  return { n, k: K, resp, logLik: new Float64Array(n).fill(logLik) } as unknown as EStepResult;
}

/** Statistics whose weights are 0.4, 0.4, 0.2 (only s0 matters to the check). */
function stats(): SufficientStats {
  return { k: K, dim: 1, covarianceType: 'full', reference: new Float64Array(1), s0: Float64Array.from([0.4, 0.4, 0.2]), s1: new Float64Array(K), s2: new Float64Array(K) };
}

describe('stranded components', () => {
  it('a component that gets almost none of the responsibility its weight predicts is re-seeded once a whole half-life has passed, by splitting the worst-explaining one', () => {
    const recovery = new ChangeRecovery(resolveOptions({ components: K, halfLife: H }), H, null);
    const splits: [number, number][] = [];
    const split = (_s: SufficientStats, dead: number, from: number): void => void splits.push([dead, from]);
    // Component 2 (weight 0.2) gets nothing; component 1 takes more of the points than 0.
    let points = 0;
    let firstReseedAt = -1;
    while (points < 4 * H && firstReseedAt < 0) {
      const n = 200;
      points += n;
      if (recovery.reseedStranded(eStepOf(n, [0.3, 0.7, 0]), stats(), split) > 0) firstReseedAt = points;
    }
    // Its activity falls below a tenth of its weight within half a half-life (memory H/8), then a
    // whole half-life must pass: re-seeded between 1 and 1.5 half-lives after it was stranded.
    expect(firstReseedAt).toBeGreaterThan(H);
    expect(firstReseedAt).toBeLessThanOrEqual(1.5 * H);
    // Split from the component with the largest share of -log p: component 1 (0.7 of the points).
    expect(splits).toEqual([[2, 1]]);
  });

  it('a light component that gets the responsibility its weight predicts is never re-seeded', () => {
    const recovery = new ChangeRecovery(resolveOptions({ components: K, halfLife: H }), H, null);
    let reseeds = 0;
    for (let points = 0; points < 20 * H; points += 200) reseeds += recovery.reseedStranded(eStepOf(200, [0.4, 0.4, 0.2]), stats(), () => undefined);
    expect(reseeds).toBe(0);
  });
});
