import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pointBatch } from '../../src/em/point-batch.js';
import { meanLogLikelihood } from '../../src/em/score.js';
import { paramsFromSnapshot, type MixtureSnapshot } from '../../src/em/snapshot.js';
import { binaryHeaders, encodeBinaryPoints } from '../../src/kafka/message-format.js';
import { randomMixture, sampleMixture } from '../../src/synthetic/mixture-generator.js';
import { decodeCheckpoint, encodePointer } from '../../src/kafka/checkpoint.js';
import { republished } from './support/accounted-stream.js';
import { committedOffsets, createTopic, produce, rewindCommittedOffset, uniqueNames } from './support/kafka-io.js';
import { readAllRecords, readCommittedSnapshots } from './support/reliability.js';
import { ProcessorProcess, resumedFromCheckpoint } from './support/processor-process.js';
import { jsonMessages, readSnapshots } from './support/snapshots.js';

const MAIN = fileURLToPath(new URL('../../dist/bin/online-em.js', import.meta.url));
const FAST = ['--snapshot-interval', '300', '--components', '3'];

/** Run until a snapshot shows `points` points, then SIGTERM; returns the exit, the final snapshot and the process (its log). */
async function runUntil(names: ReturnType<typeof uniqueNames>, points: number, extra: readonly string[] = []) {
  const proc = ProcessorProcess.forNames(names, [...FAST, ...extra]);
  await proc.waitForSnapshot(points, 120_000);
  proc.kill('SIGTERM');
  const exit = await proc.exited;
  const snapshots = await readSnapshots(names.snapshot);
  return { exit, snapshots, final: snapshots[snapshots.length - 1], proc };
}

describe('online-em run against the real broker', () => {
  const d = 3;
  const truth = randomMixture({ k: 3, dim: d, seed: 11 });
  const train = sampleMixture(truth, 30_000, 12).data;
  const test = pointBatch(sampleMixture(truth, 10_000, 13).data, d);

  it('publishes snapshots as good as `online-em fit` on the same points', async () => {
    const names = uniqueNames('accuracy');
    await createTopic(names.input);
    await produce(names.input, jsonMessages(train, d, 100));
    const { exit, final } = await runUntil(names, 30_000);
    expect(exit.code).toBe(0);
    expect(final.final).toBe(true);
    expect(final.pointsSeen).toBe(30_000);
    expect(final.input).toEqual({ messages: 300, deadLettered: 0 });

    const dir = mkdtempSync(join(tmpdir(), 'online-em-'));
    const file = join(dir, 'train.ndjson');
    writeFileSync(file, jsonMessages(train, d, 100).map((m) => m.value).join('\n'));
    const out = execFileSync(process.execPath, [MAIN, 'fit', '--components', '3', file], { encoding: 'utf8' }).trim().split('\n');
    const fitted = JSON.parse(out[out.length - 1]) as MixtureSnapshot;
    const gap = Math.abs(meanLogLikelihood(paramsFromSnapshot(final), test) - meanLogLikelihood(paramsFromSnapshot(fitted), test));
    expect(gap).toBeLessThanOrEqual(0.02);
  });

  it('gives the same model, bit for bit, from binary and from JSON messages of the same points', async () => {
    const json = uniqueNames('json');
    const binary = uniqueNames('binary');
    await createTopic(json.input);
    await createTopic(binary.input);
    await produce(json.input, jsonMessages(train, d, 250));
    const binaryMessages = [];
    for (let i = 0; i < train.length; i += 250 * d) {
      binaryMessages.push({ value: encodeBinaryPoints(train.slice(i, i + 250 * d)), headers: binaryHeaders(d) });
    }
    await produce(binary.input, binaryMessages);
    const [a, b] = await Promise.all([runUntil(json, 30_000), runUntil(binary, 30_000)]);
    for (const key of ['weights', 'means', 'covariances', 'pointsSeen', 'batches', 'logLikelihood'] as const) {
      expect(b.final[key]).toEqual(a.final[key]);
    }
  });

  it('stops on SIGTERM mid-stream with a final snapshot and committed offsets, and resumes without counting a point twice', async () => {
    const names = uniqueNames('restart');
    const n = 400_000;
    const data = sampleMixture(truth, n, 14).data;
    await createTopic(names.input);
    const messages = jsonMessages(data, d, 1000);
    await produce(names.input, messages);

    // A snapshot every 5 minibatches makes the first run commit often, so it is stopped mid-stream.
    const first = ProcessorProcess.forNames(names, [...FAST, '--snapshot-every', '5']);
    await first.waitForEvent('committed', (e) => e.snapshot?.number === 3 && !e.snapshot.final, 120_000);
    first.kill('SIGTERM');
    const exit = await first.exited;
    expect(exit.code).toBe(0);
    expect(first.eventCount('committed', (e) => e.snapshot?.final === true)).toBeGreaterThan(0);
    expect(first.eventCount('left-group')).toBeGreaterThan(0);
    const afterStop = await readSnapshots(names.snapshot);
    const final = afterStop[afterStop.length - 1];
    expect(final.final).toBe(true);
    const committed = await committedOffsets(names.group, names.input);
    const offset = Number(committed.get(0));
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThan(messages.length);
    expect(final.offsets).toEqual([{ topic: names.input, partition: 0, offset: String(offset) }]);
    expect(final.pointsSeen).toBe(offset * 1000);

    const second = ProcessorProcess.forNames(names, FAST);
    await second.waitForEvent('restored', resumedFromCheckpoint, 60_000);
    await second.waitForSnapshot(n, 180_000);
    second.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
    const all = await readSnapshots(names.snapshot);
    const last = all[all.length - 1];
    expect(last.pointsSeen).toBe(n);
    expect(last.input.messages).toBe(messages.length);
    // Snapshot counts only grow: nothing was replayed into the model.
    for (let i = 1; i < all.length; i++) expect(all[i].pointsSeen).toBeGreaterThanOrEqual(all[i - 1].pointsSeen);
  });

  /** 100 messages of 1,000 points; a first run takes the first 60 and stops. */
  async function stoppedAt60(prefix: string, seed: number, extra: readonly string[] = []) {
    const names = uniqueNames(prefix);
    const messages = jsonMessages(sampleMixture(truth, 100_000, seed).data, d, 1000);
    await createTopic(names.input);
    await produce(names.input, messages.slice(0, 60));
    const first = await runUntil(names, 60_000, extra);
    expect(first.exit.code).toBe(0);
    expect(Number((await committedOffsets(names.group, names.input)).get(0))).toBe(60);
    return { names, messages, n: 100_000 };
  }

  it('resumes from its checkpoint, skipping what it holds, when the group\'s offsets are behind it (as after a broker crash)', async () => {
    const { names, messages, n } = await stoppedAt60('behind', 15);

    // The offsets go back 25 messages; their metadata still points at the checkpoint at 60.
    await rewindCommittedOffset(names.group, names.input, '35');
    await produce(names.input, messages.slice(60));
    const second = await runUntil(names, n);
    expect(second.exit.code).toBe(0);
    expect(second.proc.eventCount('restored', (e) => resumedFromCheckpoint(e) && e.points === 60_000 && e.messages === 60)).toBeGreaterThan(0);
    // The consumer starts at 35, behind the checkpoint at 60: offsets 35 to 59 are skipped, already in the model.
    expect(second.proc.eventCount('skipped', (e) => e.topic === names.input && e.partition === 0 && e.fromOffset === '35' && e.toOffset === '59')).toBeGreaterThan(0);
    expect(second.final.pointsSeen).toBe(n);
    expect(second.final.input).toEqual({ messages: messages.length, deadLettered: 0 });
    expect(Number((await committedOffsets(names.group, names.input)).get(0))).toBe(messages.length);
    for (let i = 1; i < second.snapshots.length; i++) expect(second.snapshots[i].pointsSeen).toBeGreaterThanOrEqual(second.snapshots[i - 1].pointsSeen);
  });

  it('resumes from the newest committed checkpoint when the group\'s offsets and pointer are older (later commits\' offsets lost)', async () => {
    // A commit about every message, so there are older checkpoints to point the group at.
    const { names, messages, n } = await stoppedAt60('lost-offsets', 16, ['--snapshot-every', '5']);

    const states = (await readAllRecords(names.state)).map((r) => ({ offset: r.offset, checkpoint: decodeCheckpoint(r.value!) }));
    const newest = states.at(-1)!;
    expect(newest.checkpoint.offsets[0].offset).toBe('60');
    const older = states.filter((s) => Number(s.checkpoint.offsets[0].offset) <= 40).at(-1)!;
    const olderOffset = older.checkpoint.offsets[0].offset;
    // As if the offsets of every transaction after `older` had been lost.
    await rewindCommittedOffset(names.group, names.input, olderOffset, encodePointer({ partition: 0, offset: older.offset }));
    await produce(names.input, messages.slice(60));
    const second = await runUntil(names, n);
    expect(second.exit.code).toBe(0);
    // The group's offsets point at the older checkpoint, but a newer committed one of this model exists: it resumes from that.
    expect(
      second.proc.eventCount(
        'restored',
        (e) =>
          e.source === 'newer' &&
          e.groupPointer?.partition === 0 &&
          e.groupPointer.offset === older.offset &&
          e.checkpoint?.partition === 0 &&
          e.checkpoint.offset === newest.offset,
      ),
    ).toBeGreaterThan(0);
    expect(second.proc.eventCount('restored', (e) => resumedFromCheckpoint(e) && e.points === 60_000 && e.messages === 60)).toBeGreaterThan(0);
    expect(second.proc.eventCount('skipped', (e) => e.topic === names.input && e.partition === 0 && e.fromOffset === olderOffset && e.toOffset === '59')).toBeGreaterThan(0);
    expect(second.final.pointsSeen).toBe(n);
    expect(second.final.input).toEqual({ messages: messages.length, deadLettered: 0 });
    // Nothing published twice: every committed snapshot moves the offsets forward.
    expect(republished(await readCommittedSnapshots(names.snapshot))).toEqual([]);
  });
});
