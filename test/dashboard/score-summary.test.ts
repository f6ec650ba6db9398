import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../src/em/random.js';
import { histogramOf, ModelScoreSummary, ScoreSummaries, type RecordScores } from '../../src/dashboard/score-summary.js';
import { decodeScoresRecord } from '../../src/dashboard/kafka-scores-source.js';
import { SCORES_CONTENT_TYPE, SCORES_HEADERS, jsonScores, encodeBinaryScores } from '../../src/kafka/scores/scores-record.js';
import { CONTENT_TYPE_HEADER } from '../../src/kafka/message-format.js';
import { REFUSED_COMPONENT, WARMING_UP_COMPONENT, type ItemScores } from '../../src/stream/item-scoring.js';

/**
 * The dashboard's scores summary against direct computation: counts, the ring of the last
 * log-likelihoods (its bound and order), the histogram's counts, the last flagged points,
 * the bound on models; and the decoding of both record forms.
 */

const LIMITS = { maxModels: 3, ringLength: 50, flaggedLength: 5, bins: 7 };

/** A record of n points: every 10th refused, every 7th warming up, every 4th scored one flagged. */
function record(n: number, rng: SeededRandom): RecordScores {
  const logLikelihood = new Float64Array(n).fill(Number.NaN);
  const component = new Int32Array(n);
  const anomaly = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (i % 10 === 3) component[i] = REFUSED_COMPONENT;
    else if (i % 7 === 5) component[i] = WARMING_UP_COMPONENT;
    else {
      component[i] = rng.int(3);
      logLikelihood[i] = -3 + 2 * rng.normal();
      anomaly[i] = i % 4 === 0 ? 1 : 0;
    }
  }
  return { n, logLikelihood, component, anomaly };
}

/** Direct: counts of xs in bins of [min, max], the last one closed. */
function directHistogram(xs: readonly number[], bins: number): number[] {
  const min = Math.min(...xs);
  const max = Math.max(...xs);
  return Array.from({ length: bins }, (_, b) => xs.filter((x) => {
    const lo = min + (b * (max - min)) / bins;
    const hi = min + ((b + 1) * (max - min)) / bins;
    return b === bins - 1 ? x >= lo && x <= max : x >= lo && x < hi;
  }).length);
}

describe('ModelScoreSummary', () => {
  it('counts, keeps the last ringLength scored log-likelihoods, their histogram and the last flagged points', () => {
    const rng = new SeededRandom(7);
    const summary = new ModelScoreSummary('m', LIMITS);
    const all: number[] = [];
    const flagged: { source: string; index: number; logLikelihood: number; component: number }[] = [];
    let scored = 0, refused = 0, warmingUp = 0;
    for (let r = 0; r < 9; r++) {
      const rec = record(13 + r, rng);
      summary.add(`in/0/${r}`, rec);
      for (let i = 0; i < rec.n; i++) {
        const c = rec.component[i]!;
        if (c === REFUSED_COMPONENT) refused++;
        else if (c === WARMING_UP_COMPONENT) warmingUp++;
        else {
          scored++;
          all.push(rec.logLikelihood[i]!);
          if (rec.anomaly[i] === 1) flagged.push({ source: `in/0/${r}`, index: i, logLikelihood: rec.logLikelihood[i]!, component: c });
        }
      }
    }
    const json = summary.toJSON();
    expect(json).toMatchObject({ model: 'm', records: 9, scored, refused, warmingUp, flagged: flagged.length });
    expect(scored).toBeGreaterThan(LIMITS.ringLength); // the ring has wrapped
    const last = all.slice(-LIMITS.ringLength);
    expect([...summary.recent()]).toEqual(last);
    expect(json.recent.count).toBe(LIMITS.ringLength);
    expect(json.recent.mean).toBeCloseTo(last.reduce((a, b) => a + b, 0) / last.length, 12);
    expect(json.recent.histogram!.min).toBe(Math.min(...last));
    expect(json.recent.histogram!.max).toBe(Math.max(...last));
    expect(json.recent.histogram!.counts).toEqual(directHistogram(last, LIMITS.bins));
    expect(json.recent.histogram!.counts.reduce((a, b) => a + b, 0)).toBe(LIMITS.ringLength);
    expect(json.flaggedPoints).toEqual(flagged.slice(-LIMITS.flaggedLength));
  });

  it('before the ring fills: all the scored points; none scored: no histogram', () => {
    const summary = new ModelScoreSummary('m', LIMITS);
    expect(summary.toJSON().recent).toEqual({ count: 0, mean: null, histogram: null });
    summary.add('s', { n: 3, logLikelihood: [-1, Number.NaN, -2], component: [0, WARMING_UP_COMPONENT, 1], anomaly: [0, 0, 1] });
    expect([...summary.recent()]).toEqual([-1, -2]);
    expect(summary.toJSON()).toMatchObject({ records: 1, scored: 2, warmingUp: 1, flagged: 1, flaggedPoints: [{ source: 's', index: 2, logLikelihood: -2, component: 1 }] });
  });

  it('a histogram of equal values puts them in one bin', () => {
    expect(histogramOf([2, 2, 2], 4)).toEqual({ min: 2, max: 2, counts: [0, 0, 3, 0] });
    expect(histogramOf([], 4)).toBeNull();
  });
});

describe('ScoreSummaries', () => {
  it('keeps at most maxModels, forgetting the least recently updated, and tells listeners which model changed', () => {
    const summaries = new ScoreSummaries(LIMITS);
    const changed: string[] = [];
    summaries.subscribe((m) => changed.push(m));
    const one: RecordScores = { n: 1, logLikelihood: [-1], component: [0], anomaly: [0] };
    for (const m of ['a', 'b', 'c', 'a', 'd']) summaries.add(m, 's', one);
    expect(summaries.modelIds()).toEqual(['a', 'c', 'd']); // b was the least recently updated
    expect(summaries.get('a')!.records).toBe(2);
    expect(changed).toEqual(['a', 'b', 'c', 'a', 'd']);
  });
});

describe('decodeScoresRecord', () => {
  const scores: ItemScores = {
    n: 3,
    k: 2,
    logLikelihood: Float64Array.from([-1.5, Number.NaN, Number.NaN]),
    responsibilities: Float64Array.from([0.25, 0.75, 0, 0, 0, 0]),
    component: Int32Array.from([1, REFUSED_COMPONENT, WARMING_UP_COMPONENT]),
    anomaly: Uint8Array.from([1, 0, 0]),
    refused: new Map([[1, 'not-finite']]),
    scored: 1,
    anomalies: 1,
  };
  const expected = { model: 'm', source: 'in/2/9', scores: { n: 3, logLikelihood: [-1.5, Number.NaN, Number.NaN], component: [1, -1, -2], anomaly: [1, 0, 0] } };
  const plain = (d: ReturnType<typeof decodeScoresRecord>): unknown => ('error' in d ? d : { ...d, scores: { n: d.scores.n, logLikelihood: [...Array.from(d.scores.logLikelihood)], component: Array.from(d.scores.component), anomaly: Array.from(d.scores.anomaly) } });

  it('reads the JSON and the binary form alike, the model from the header or the JSON', () => {
    const headers = { [SCORES_HEADERS.model]: 'm', [SCORES_HEADERS.source]: 'in/2/9' };
    expect(plain(decodeScoresRecord(Buffer.from(jsonScores(scores, 'm', 'in/2/9')), headers))).toEqual(expected);
    expect(plain(decodeScoresRecord(Buffer.from(jsonScores(scores, 'm', 'in/2/9')), undefined))).toEqual(expected);
    expect(plain(decodeScoresRecord(encodeBinaryScores(scores), { ...headers, [CONTENT_TYPE_HEADER]: SCORES_CONTENT_TYPE }))).toEqual(expected);
  });

  it('gives a reason for anything else', () => {
    const binary = { [CONTENT_TYPE_HEADER]: SCORES_CONTENT_TYPE, [SCORES_HEADERS.model]: 'm' };
    for (const [value, headers] of [
      [Buffer.from('{"points": [1, 2'), undefined],
      [Buffer.from('{"model": "m", "points": 3}'), undefined],
      [Buffer.from('{"points": []}'), undefined],
      [Buffer.from('{"model": "m", "points": [{"logLikelihood": "x", "component": 0}]}'), undefined],
      [Buffer.from('OEMS'), binary],
      [encodeBinaryScores(scores).subarray(0, 30), binary],
      [encodeBinaryScores(scores), { [CONTENT_TYPE_HEADER]: SCORES_CONTENT_TYPE }],
    ] as const) expect(decodeScoresRecord(value, headers)).toHaveProperty('error');
  });
});
