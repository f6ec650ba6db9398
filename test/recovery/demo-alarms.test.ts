import { describe, expect, it } from 'vitest';
import { OnlineEm } from '../../src/em/online-em.js';
import { DEMO_STREAM } from '../../src/kafka/demo-producer.js';
import { DriftingMixture } from '../../src/synthetic/drifting-mixture.js';
import { report } from './support.js';

/**
 * The embedded demo's stream (a slow rotation of the means: one turn every 3,000,000 points)
 * fitted as `npm start` fits it (--eta-min 0.01, so change detection is on): a slow drift is
 * not an abrupt change, and raises at most a few alarms over two full turns.
 */
describe('the demo stream\'s slow rotation', () => {
  it('raises at most a few alarms over two turns (6,000,000 points)', () => {
    const source = new DriftingMixture({ k: DEMO_STREAM.components, dim: DEMO_STREAM.dim, seed: DEMO_STREAM.seed, period: DEMO_STREAM.driftPeriod });
    const engine = new OnlineEm({ components: DEMO_STREAM.components, etaMin: 0.01 });
    for (let n = 0; n < 2 * DEMO_STREAM.driftPeriod; n += 10_000) engine.ingestFloat64(source.next(10_000), DEMO_STREAM.dim);
    const s = engine.snapshot()!;
    report('demo stream alarms', { points: s.pointsSeen, changes: s.changes, 'last at': s.lastChangeAt ?? NaN });
    expect(s.changes).toBeLessThanOrEqual(3);
  }, 120_000);
});
