import { afterAll, describe, expect, it, vi } from 'vitest';
import { decodeScoresRecord } from '../../../src/dashboard/kafka-scores-source.js';
import { ModelScoreSummary, type ScoreSummaryJson } from '../../../src/dashboard/score-summary.js';
import { decodeBinaryScores, isBinaryScores, jsonScores, SCORES_HEADERS } from '../../../src/kafka/scores/scores-record.js';
import { CONTENT_TYPE_HEADER, JSON_CONTENT_TYPE } from '../../../src/kafka/message-format.js';
import type { ItemScores } from '../../../src/stream/item-scoring.js';
import { randomMixture, sampleMixture } from '../../../src/synthetic/mixture-generator.js';
import { startDashboard } from '../support/dashboard-process.js';
import { createTopic, produce, uniqueNames } from '../support/kafka-io.js';
import { ProcessorProcess } from '../support/processor-process.js';
import { readAllRecords } from '../support/reliability.js';
import { jsonMessages } from '../support/snapshots.js';

/**
 * `online-em dashboard --scores-topic` against a live `run --scores-topic --scores-format
 * binary` on the test broker: the dashboard reads the topic from its end, so /api/scores
 * counts exactly the records written after it started (the processor's binary ones, JSON
 * ones of another model, a bad record skipped), equal to a summary computed directly from
 * the committed records past that offset. A scores topic created after the dashboard
 * started is found and read from its beginning.
 */
const K = 3;
const D = 2;
const cleanups: (() => Promise<unknown> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/**
 * The offset past the last of `count` committed records, once that many are readable. Not the
 * topic's end offset read right after the commit: on a freshly started broker that was seen
 * to lag the commit (the test then counted the processor's first records too).
 */
async function offsetAfterCommitted(topic: string, count: number): Promise<bigint> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const records = await readAllRecords(topic);
    if (records.length >= count) return BigInt(records[count - 1]!.offset) + 1n;
    if (Date.now() > deadline) throw new Error(`${records.length} committed records on ${topic} after 60 s, expected ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** A JSON scores record of `other` (the processor's own writer), n points: one refused, one flagged. */
function jsonRecord(model: string, n: number, at: number): { value: string; headers: Record<string, string> } {
  const ll = Float64Array.from({ length: n }, (_, i) => (i === 1 ? Number.NaN : -2 - i - at));
  const scores: ItemScores = {
    n, k: 1, logLikelihood: ll, responsibilities: Float64Array.from({ length: n }, (_, i) => (i === 1 ? 0 : 1)),
    component: Int32Array.from({ length: n }, (_, i) => (i === 1 ? -1 : 0)), anomaly: Uint8Array.from({ length: n }, (_, i) => (i === n - 1 ? 1 : 0)),
    refused: new Map([[1, 'not-finite']]), scored: n - 1, anomalies: 1,
  };
  return { value: jsonScores(scores, model, `elsewhere/0/${at}`), headers: { [CONTENT_TYPE_HEADER]: JSON_CONTENT_TYPE, [SCORES_HEADERS.model]: model, [SCORES_HEADERS.source]: `elsewhere/0/${at}` } };
}

describe('online-em dashboard --scores-topic', () => {
  it('serves per-model summaries of the scores records written after it started, binary and JSON', async () => {
    const names = uniqueNames('dash-scores');
    const scoresTopic = `scores-${names.id}`;
    const other = `${names.model}-json`;
    const messages = jsonMessages(sampleMixture(randomMixture({ k: K, dim: D, seed: 11 }), 12_000, 12).data, D, 100);
    await createTopic(names.input);
    await produce(names.input, messages.slice(0, 60));
    const proc = ProcessorProcess.forNames(names, ['--components', String(K), '--warmup', '2000', '--snapshot-interval', '200', '--scores-topic', scoresTopic, '--scores-format', 'binary', '--anomaly-quantile', '0.02', '--anomaly-window', '1000']);
    cleanups.push(async () => {
      proc.kill('SIGTERM');
      await proc.exited;
    });
    // Every scores record of the first 6,000 points is committed with that snapshot: the topic's end stands still.
    await proc.waitForSnapshot(6_000, 120_000);
    const start = await offsetAfterCommitted(scoresTopic, 60);
    const url = await startDashboard(['--snapshot-topic', names.snapshot, '--scores-topic', scoresTopic], cleanups);
    expect((await fetch(`${url}/api/scores?id=${names.model}`)).status).toBe(404);

    await produce(scoresTopic, [jsonRecord(other, 5, 0), { value: 'not a scores record' }, jsonRecord(other, 7, 1)]);
    await produce(names.input, messages.slice(60));
    await proc.waitForSnapshot(12_000, 120_000);

    // Directly from the committed records past `start`.
    const records = (await readAllRecords(scoresTopic)).filter((r) => BigInt(r.offset) >= start);
    const expected = new Map<string, ModelScoreSummary>();
    let binary = 0;
    for (const r of records) {
      const model = r.headers[SCORES_HEADERS.model]?.[0];
      if (model === undefined) continue; // the bad record
      if (isBinaryScores(r.headers)) {
        binary++;
        expect(model).toBe(names.model);
        expect(decodeBinaryScores(r.value!).n).toBe(100);
      }
      const decoded = decodeScoresRecord(r.value!, r.headers);
      if ('error' in decoded) throw new Error(decoded.error);
      if (!expected.has(model)) expected.set(model, new ModelScoreSummary(model));
      expected.get(model)!.add(decoded.source, decoded.scores);
    }
    expect(binary).toBe(60); // one record per input message produced after the dashboard started
    const want = (model: string): ScoreSummaryJson => JSON.parse(JSON.stringify(expected.get(model))) as ScoreSummaryJson;
    expect(want(names.model)).toMatchObject({ records: 60, scored: 6_000, refused: 0, warmingUp: 0 });
    expect(want(names.model).flagged).toBeGreaterThan(0);
    expect(want(other)).toMatchObject({ records: 2, scored: 10, refused: 2, flagged: 2 });

    const served = async (model: string): Promise<ScoreSummaryJson | null> => {
      const reply = await fetch(`${url}/api/scores?id=${encodeURIComponent(model)}`);
      return reply.status === 200 ? ((await reply.json()) as ScoreSummaryJson) : null;
    };
    await vi.waitFor(async () => expect((await served(names.model))?.records).toBe(60), { timeout: 30_000, interval: 200 });
    expect(await served(names.model)).toEqual(want(names.model));
    expect(await served(other)).toEqual(want(other));
    expect((await served(names.model))!.recent.count).toBe(2_000);
  }, 240_000);

  it('follows a scores topic created after it started, from its beginning', async () => {
    const names = uniqueNames('dash-scores-late');
    const scoresTopic = `scores-${names.id}`;
    await createTopic(names.snapshot); // a late snapshot topic: dashboard-late-topic.test.ts
    const url = await startDashboard(['--snapshot-topic', names.snapshot, '--scores-topic', scoresTopic], cleanups);
    await createTopic(scoresTopic);
    await produce(scoresTopic, [jsonRecord(names.model, 4, 0), jsonRecord(names.model, 6, 1), { value: Buffer.from('OEMS'), headers: { [CONTENT_TYPE_HEADER]: 'application/x-online-em-scores', [SCORES_HEADERS.model]: names.model } }]);
    const expected = new ModelScoreSummary(names.model);
    for (const [n, at] of [[4, 0], [6, 1]] as const) {
      const r = jsonRecord(names.model, n, at);
      const decoded = decodeScoresRecord(Buffer.from(r.value), r.headers);
      if ('error' in decoded) throw new Error(decoded.error);
      expected.add(decoded.source, decoded.scores);
    }
    await vi.waitFor(async () => {
      const reply = await fetch(`${url}/api/scores?id=${names.model}`);
      expect(reply.status).toBe(200);
      expect(await reply.json()).toEqual(JSON.parse(JSON.stringify(expected)));
    }, { timeout: 30_000, interval: 200 });
  }, 60_000);
});
