import { describe, expect, it } from 'vitest';
import type { Checkpoint } from '../../src/kafka/checkpoint.js';
import { newerCheckpointRefusal, restoreSource } from '../../src/kafka/restore-source.js';

const at = (partition: number, offset: string) => ({ partition, offset });
const ours = (offset: string, partition = 0) => ({ pointer: at(partition, offset), checkpoint: `checkpoint@${offset}` });

describe('restoreSource', () => {
  it('starts a new fit when nothing was ever committed', () => {
    expect(restoreSource(null, null)).toEqual({ kind: 'none' });
  });

  it('reads the committed checkpoint when this process has none of its own (a fresh start)', () => {
    expect(restoreSource(at(0, '7'), null)).toEqual({ kind: 'committed', pointer: at(0, '7'), inMemory: null });
  });

  it('takes the checkpoint from memory when the group points at this process\'s own last commit', () => {
    const mine = ours('7');
    expect(restoreSource(at(0, '7'), mine)).toEqual({ kind: 'committed', pointer: at(0, '7'), inMemory: mine });
  });

  it('reads the committed checkpoint when another instance committed past ours', () => {
    expect(restoreSource(at(0, '9'), ours('7'))).toEqual({ kind: 'committed', pointer: at(0, '9'), inMemory: null });
  });

  it('resumes from its own acknowledged commit when the group\'s offsets are behind it or gone', () => {
    const mine = ours('7');
    expect(restoreSource(at(0, '6'), mine)).toEqual({ kind: 'acknowledged', commit: mine });
    expect(restoreSource(null, mine)).toEqual({ kind: 'acknowledged', commit: mine });
  });

  it('compares offsets as integers, not as strings', () => {
    const mine = ours('10');
    expect(restoreSource(at(0, '9'), mine).kind).toBe('acknowledged');
    expect(restoreSource(at(0, '100'), mine).kind).toBe('committed');
    expect(restoreSource(at(0, '9007199254740993'), ours('9007199254740992')).kind).toBe('committed');
  });

  it('does not compare offsets of different state-topic partitions', () => {
    expect(restoreSource(at(1, '3'), ours('7', 0))).toEqual({ kind: 'committed', pointer: at(1, '3'), inMemory: null });
  });
});

describe('newerCheckpointRefusal', () => {
  const checkpoint = (checkpoints: number, offset: string, extra: Partial<Checkpoint> = {}): Checkpoint =>
    ({
      version: 1,
      model: 'm',
      engine: {} as Checkpoint['engine'],
      counters: { messages: Number(offset), deadLettered: 0, snapshotsPublished: checkpoints, checkpoints },
      offsets: [{ topic: 'points', partition: 0, offset }],
      ...extra,
    }) as Checkpoint;

  it('accepts a later checkpoint of the same model and input', () => {
    expect(newerCheckpointRefusal(checkpoint(3, '35'), checkpoint(5, '60'), 'm', 'points')).toBeNull();
    // The pointer's own record may be compacted away: then only model and input are checked.
    expect(newerCheckpointRefusal(null, checkpoint(5, '60'), 'm', 'points')).toBeNull();
  });

  it('refuses another model\'s, another input\'s, or one that does not follow the committed checkpoint', () => {
    expect(newerCheckpointRefusal(checkpoint(3, '35'), checkpoint(5, '60', { model: 'other' }), 'm', 'points')).toMatch(/model 'other'/);
    expect(newerCheckpointRefusal(checkpoint(3, '35'), checkpoint(5, '60', { offsets: [{ topic: 'elsewhere', partition: 0, offset: '60' }] }), 'm', 'points')).toMatch(/topic 'elsewhere'/);
    expect(newerCheckpointRefusal(checkpoint(3, '35'), checkpoint(3, '60'), 'm', 'points')).toMatch(/checkpoint count not higher/);
    expect(newerCheckpointRefusal(checkpoint(3, '35'), checkpoint(5, '30'), 'm', 'points')).toMatch(/behind the committed one on points\/0/);
    expect(newerCheckpointRefusal(checkpoint(3, '35'), checkpoint(5, '60', { offsets: [{ topic: 'points', partition: 1, offset: '60' }] }), 'm', 'points')).toMatch(/behind the committed one on points\/0/);
  });
});
