import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublishedSnapshot } from '../../src/index.js';
import { KeyModel } from '../../src/kafka/keyed/key-model.js';
import { decodeMessage } from '../../src/kafka/message-format.js';
import { ModelSlot } from '../../src/kafka/model-slot.js';
import { FittingSession } from '../../src/stream/fitting-session.js';
import { randomMixture, sampleMixture } from '../../src/synthetic/mixture-generator.js';
import { ensureDistBuilt, REPO_ROOT } from '../cli/build-dist.js';
import { fitOk } from '../cli/run-cli.js';
import { toRows } from '../helpers/fixtures.js';
import { errorsOf, loadSchema, validator } from './schemas.js';

const strict = validator('snapshot', { strict: true });
const lenient = validator('snapshot', { strict: false });
const rows = toRows(sampleMixture(randomMixture({ k: 2, dim: 2, seed: 61 }), 2_000, 62).data, 2) as (number | null)[][];
for (let i = 0; i < rows.length; i += 9) rows[i] = [rows[i][0], null];
const options = { components: 2, batchSize: 100, warmup: 500, restarts: 1, changeDetection: 'on' as const };

function expectValid(snapshot: unknown): void {
  const ok = strict(snapshot);
  expect(ok, errorsOf(strict)).toBe(true);
}

function message(offset: number, value: string, key: string | null = null): KafkaMessage {
  return { key: key === null ? null : Buffer.from(key), value: Buffer.from(value), headers: {}, timestamp: '0', attributes: 0, offset: String(offset) } as KafkaMessage;
}

let dir: string;
beforeAll(() => {
  ensureDistBuilt();
  dir = mkdtempSync(join(tmpdir(), 'online-em-schema-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('schemas/snapshot.schema.json', () => {
  it('every snapshot fit writes validates (strict: no field missing from the schema)', async () => {
    const file = join(dir, 'points.ndjson');
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n'));
    const { snapshots } = await fitOk(['-k', '2', '--batch-size', '100', '--snapshot-every', '3', '--change-detection', 'on', file]);
    expect(snapshots.length).toBeGreaterThan(3);
    for (const s of snapshots) expectValid(s);
  });

  it('FittingSession snapshots validate', () => {
    const session = new FittingSession({ ...options, snapshotEvery: 3 }, () => 0);
    const events = [...rows.map((r) => session.ingest(r)).flat(), ...session.complete(true)];
    const snapshots = events.flatMap((e) => (e.type === 'snapshot' ? [e.snapshot] : []));
    expect(snapshots.length).toBeGreaterThan(3);
    for (const s of snapshots) expectValid(s);
  });

  it('a snapshot-topic record (model, offsets, input, final, anomaly) validates', () => {
    const scores = { format: 'json' as const, compression: 'none' as const, anomaly: { kind: 'quantile' as const, quantile: 0.01, window: 400 }, responsibilities: true };
    const slot = new ModelSlot('m', { ...options, snapshotEvery: null, snapshotIntervalMs: null }, null, () => 0, scores);
    for (let i = 0; i < 20; i++) {
      const value = i === 4 ? '{"points": "nope"}' : JSON.stringify(rows.slice(i * 100, (i + 1) * 100));
      const position = { topic: 'in', partition: 1, offset: String(i) };
      slot.ingest(message(i, value), position, decodeMessage(Buffer.from(value), {}, position, 1 << 20));
    }
    slot.requestCheckpoint();
    const snapshot = slot.takeCommit({ input: 'in', snapshot: 'snap', deadLetter: 'dl', state: 'state', scores: 'scores' })!.published!;
    const record = JSON.parse(JSON.stringify(snapshot)) as PublishedSnapshot;
    expect(record.anomaly).toBeDefined();
    expectValid(record);
  });

  it('a keyed model\'s snapshot (with its key) validates', () => {
    const model = new KeyModel('sensor-7', options, null);
    for (let i = 0; i < 10; i++) {
      const value = JSON.stringify(rows.slice(i * 100, (i + 1) * 100));
      const position = { topic: 'in', partition: 2, offset: String(i) };
      model.ingest(decodeMessage(Buffer.from(value), {}, position, 1 << 20), position);
    }
    const { snapshot } = model.commitRecords('m', 'in', 2, false);
    expect(snapshot?.key).toBe('sensor-7');
    expectValid(JSON.parse(JSON.stringify(snapshot)));
  });

  it('a snapshot with a wrong field fails', () => {
    const session = new FittingSession(options, () => 0);
    session.ingest(rows);
    const [final] = session.complete(true);
    const good = final.type === 'snapshot' ? JSON.parse(JSON.stringify(final.snapshot)) : null;
    expectValid(good);
    const published = { ...good, model: 'm', offsets: [{ topic: 'in', partition: 0, offset: '5' }], input: { messages: 1, deadLettered: 0 }, final: true };
    expectValid(published);
    const wrong: Record<string, unknown>[] = [
      { ...good, covarianceType: 'round' },
      { ...good, weights: 'heavy' },
      { ...good, batches: -1 },
      { ...good, batches: 1.5 },
      { ...good, schema: 'online-em.snapshot/2' },
      { ...good, createdAt: 'yesterday' },
      { ...good, logLikelihood: { last: 1 } },
      { ...good, model: 'm' },
      { ...published, offsets: [{ topic: 'in', partition: 0, offset: 5 }] },
      { ...published, anomaly: { threshold: -3, quantile: 0.01, rate: 2, flagged: 0 } },
    ];
    for (const s of wrong) {
      expect(lenient(s), JSON.stringify(s).slice(0, 200)).toBe(false);
    }
    const { createdAt: _createdAt, ...withoutTime } = good as Record<string, unknown>;
    expect(lenient(withoutTime)).toBe(false);
  });

  it('the strict copy refuses a field the schema does not list; the shipped schema accepts it (fields are only added)', () => {
    const session = new FittingSession(options, () => 0);
    session.ingest(rows);
    const [final] = session.complete(true);
    const withExtra = { ...(final.type === 'snapshot' ? final.snapshot : {}), addedLater: 1 };
    expect(strict(withExtra)).toBe(false);
    expect(errorsOf(strict)).toMatch(/addedLater/);
    expect(lenient(withExtra)).toBe(true);
  });

  it('lists every field of the README\'s Snapshots table', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Snapshots'), readme.indexOf('\n## ', readme.indexOf('## Snapshots') + 1));
    const fields = [...section.matchAll(/^\| ((?:`[^`]+`(?:, )?)+) \|/gm)].flatMap((m) => [...m[1].matchAll(/`([^`]+)`/g)].map((f) => f[1]));
    expect(fields).toContain('anomaly');
    const properties = Object.keys(loadSchema('snapshot').properties as object);
    expect(fields.filter((f) => !properties.includes(f))).toEqual([]);
    expect(properties.filter((p) => !fields.includes(p))).toEqual([]);
  });
});
