import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OnlineEm } from '../../src/em/online-em.js';
import { CheckpointFormatError, decodeCheckpoint, encodeCheckpoint } from '../../src/kafka/checkpoint.js';

/**
 * A checkpoint as the processor wrote it before the engine-state codec existed (a replacer
 * turning each Float64Array into {"$f64": base64}): the state topic holds such records, so
 * the wire format must not move. It has change detection, a partial minibatch with NaN and
 * an anomaly threshold's state.
 */
const FIXTURE = join(import.meta.dirname, 'fixtures', 'checkpoint-v1.json');
const bytes = readFileSync(FIXTURE);

describe('checkpoint wire format (golden file)', () => {
  it('decodes the committed fixture and re-encodes it byte for byte', () => {
    const checkpoint = decodeCheckpoint(bytes);
    expect(checkpoint.engine.pendingPoints).toBeInstanceOf(Float64Array);
    expect(checkpoint.engine.pendingPoints.some(Number.isNaN)).toBe(true);
    expect(checkpoint.engine.change).toBeDefined();
    expect(checkpoint.scoring).toBeDefined();
    expect(encodeCheckpoint(checkpoint).toString('utf8')).toBe(bytes.toString('utf8'));
  });

  it('the decoded engine restores', () => {
    const { engine } = decodeCheckpoint(bytes);
    const restored = OnlineEm.restore({ components: 2, warmup: 60, batchSize: 20, restarts: 1, seed: 4, changeDetection: 'on' }, engine);
    expect(restored.counters.pointsSeen).toBe(237);
    expect(restored.exportState()).toEqual(engine);
  });

  it('a damaged engine state is an unreadable checkpoint, naming the field', () => {
    const json = JSON.parse(bytes.toString('utf8')) as { engine: { stats: { s0: unknown } } };
    json.engine.stats.s0 = { $f64: 'AAAA' };
    const damaged = Buffer.from(JSON.stringify(json));
    expect(() => decodeCheckpoint(damaged)).toThrow(CheckpointFormatError);
    expect(() => decodeCheckpoint(damaged)).toThrow(/stats\.s0/);
  });
});
