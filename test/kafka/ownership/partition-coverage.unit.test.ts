import { describe, expect, it } from 'vitest';
import { commitCoverageProblem, restoreCoverageProblem, type GroupPartitionOffset } from '../../../src/kafka/ownership/partition-coverage.js';

const topic = 'points';
const pointer = { partition: 0, offset: '40' };
const checkpoint = [0, 1, 2].map((partition) => ({ topic, partition, offset: String(100 + partition) }));
const group = (offsets: (string | null)[], at = pointer): GroupPartitionOffset[] =>
  offsets.map((offset, partition) => ({ partition, offset: offset ?? '-1', pointer: offset === null ? null : at }));

describe('restoreCoverageProblem', () => {
  it('accepts a checkpoint equal to the group\'s offsets, or ahead of them (offsets lost: the pipeline skips)', () => {
    expect(restoreCoverageProblem(topic, group(['100', '101', '102']), checkpoint, pointer)).toBeNull();
    expect(restoreCoverageProblem(topic, group(['90', null, '102']), checkpoint, pointer)).toBeNull();
    // A partition with no progress anywhere (new, or never read) starts from --start-from.
    expect(restoreCoverageProblem(topic, group(['100', '101', '102', null]), checkpoint, pointer)).toBeNull();
    expect(restoreCoverageProblem(topic, [], null, null)).toBeNull();
  });

  it('refuses a checkpoint that lacks a partition the group has progress on (two instances splitting the partitions)', () => {
    const other = { partition: 0, offset: '41' };
    const split = [...group(['100', '101', '102']), { partition: 3, offset: '77', pointer: other }];
    expect(restoreCoverageProblem(topic, split, checkpoint, pointer)).toBe(
      'the group committed offset 77 on points/3 (committed with checkpoint 0@41), but checkpoint 0@40 does not cover that partition: its progress would be lost',
    );
  });

  it('refuses a checkpoint behind the group on a partition, naming the messages the model would miss', () => {
    expect(restoreCoverageProblem(topic, group(['100', '150', '102']), checkpoint, pointer)).toBe(
      'the group committed offset 150 on points/1 (committed with checkpoint 0@40), past checkpoint 0@40\'s 101: messages 101 to 149 would never reach the model',
    );
  });

  it('refuses offsets that no online-em commit wrote (another application in the group)', () => {
    const foreign: GroupPartitionOffset[] = [{ partition: 0, offset: '5', pointer: null }];
    expect(restoreCoverageProblem(topic, foreign, null, null)).toBe(
      'the group committed offset 5 on points/0 (committed without a checkpoint: not by online-em), but there is no checkpoint of the model: its progress would be lost',
    );
  });
});

describe('commitCoverageProblem', () => {
  it('accepts a commit that covers every restored partition at or past its offset, new partitions included', () => {
    expect(commitCoverageProblem(checkpoint, [...checkpoint.map((o) => ({ ...o, offset: String(Number(o.offset) + 5) })), { topic, partition: 3, offset: '1' }])).toBeNull();
    expect(commitCoverageProblem([], [{ topic, partition: 0, offset: '1' }])).toBeNull();
  });

  it('refuses a commit that drops a partition or goes back on one', () => {
    expect(commitCoverageProblem(checkpoint, checkpoint.slice(0, 2))).toBe('the commit has no offset for points/2, which the restored checkpoint covers (at 102)');
    expect(commitCoverageProblem(checkpoint, [checkpoint[0], { topic, partition: 1, offset: '3' }, checkpoint[2]])).toBe(
      'the commit\'s offset 3 for points/1 is behind the restored checkpoint\'s 101',
    );
  });
});
