import { describe, expect, it } from 'vitest';
import { jsonScores } from '../../src/kafka/scores/scores-record.js';
import { FittingSession } from '../../src/stream/fitting-session.js';
import { ItemScoring } from '../../src/stream/item-scoring.js';
import { randomMixture, sampleMixture } from '../../src/synthetic/mixture-generator.js';
import { toRows } from '../helpers/fixtures.js';
import { errorsOf, validator } from './schemas.js';

const strict = validator('scores-record', { strict: true });
const rows = toRows(sampleMixture(randomMixture({ k: 3, dim: 2, seed: 71 }), 1_200, 72).data, 2) as unknown[];

/** The JSON scores records of items, as the processor writes them: warming-up, refused and scored points. */
function records(responsibilities = true): unknown[] {
  const session = new FittingSession({ components: 3, batchSize: 100, warmup: 500, restarts: 1 }, () => 0);
  const scoring = new ItemScoring({ kind: 'quantile', quantile: 0.05, window: 200 });
  const out: unknown[] = [];
  for (let i = 0; i < 12; i++) {
    const points = rows.slice(i * 100, (i + 1) * 100);
    points[3] = [1, 'x'];
    points[7] = [null, 2];
    const { scores } = scoring.ingest(session, { points, position: i });
    out.push(JSON.parse(jsonScores(scores, 'model-a', `points/0/${i}`, responsibilities)));
  }
  return out;
}

describe('schemas/scores-record.schema.json', () => {
  it('real scores records validate (strict), with every kind of point', () => {
    const all = records();
    for (const r of all) expect(strict(r), errorsOf(strict)).toBe(true);
    const kinds = new Set(all.flatMap((r) => (r as { points: Record<string, unknown>[] }).points.map((p) => ('refused' in p ? 'refused' : 'warmingUp' in p ? 'warmingUp' : 'scored'))));
    expect([...kinds].sort()).toEqual(['refused', 'scored', 'warmingUp']);
  });

  it('records without responsibilities (--scores-responsibilities off) validate too', () => {
    const all = records(false) as { points: Record<string, unknown>[] }[];
    for (const r of all) expect(strict(r), errorsOf(strict)).toBe(true);
    expect(all.some((r) => r.points.some((p) => 'logLikelihood' in p && !('responsibilities' in p)))).toBe(true);
  });

  it('a key, where given, is a string or null', () => {
    const [first] = records() as Record<string, unknown>[];
    expect(strict({ ...first, key: 'sensor-1' })).toBe(true);
    expect(strict({ ...first, key: null })).toBe(true);
    expect(strict({ ...first, key: 3 })).toBe(false);
  });

  it('wrong records fail', () => {
    const last = (records() as { model: string; source: string; points: Record<string, unknown>[] }[]).at(-1)!;
    const scored = last.points.find((p) => 'logLikelihood' in p)!;
    for (const bad of [
      { ...last, source: 'points:0:1' },
      { ...last, points: [{ ...scored, component: -1 }] },
      { ...last, points: [{ ...scored, anomaly: 'no' }] },
      { ...last, points: [{ refused: true }] },
      { ...last, points: [{ warmingUp: false }] },
      { ...last, points: [{ ...scored, extra: 1 }] },
      { model: 'm', points: [] },
    ]) expect(strict(bad), JSON.stringify(bad).slice(0, 120)).toBe(false);
  });
});
