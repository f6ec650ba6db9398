import type { CheckpointPointer, PartitionOffset } from '../checkpoint.js';

/** A partition's committed offset in the group, and the checkpoint its metadata points at. */
export interface GroupPartitionOffset {
  readonly partition: number;
  /** The next offset to read; '-1' when the group committed none on this partition. */
  readonly offset: string;
  readonly pointer: CheckpointPointer | null;
}

/**
 * Why a checkpoint must not be resumed from, given the group's committed offsets of the
 * input topic, or null when it may. The checkpoint must cover every partition on which
 * the group has progress, at or past that progress:
 * - the group's offset behind the checkpoint's is safe (the pipeline skips what the model
 *   holds; a broker crash can lose offsets that way);
 * - the group's offset past the checkpoint's, or progress on a partition the checkpoint
 *   does not cover, means messages the model never saw would be passed over: another
 *   writer committed offsets in this group (two processors splitting the partitions did).
 */
export function restoreCoverageProblem(topic: string, group: readonly GroupPartitionOffset[], checkpoint: readonly PartitionOffset[] | null, pointer: CheckpointPointer | null): string | null {
  const covered = new Map<number, PartitionOffset>();
  for (const o of checkpoint ?? []) if (o.topic === topic) covered.set(o.partition, o);
  const at = pointer ? `checkpoint ${pointer.partition}@${pointer.offset}` : 'no checkpoint';
  for (const g of group) {
    if (BigInt(g.offset) < 0n) continue;
    const c = covered.get(g.partition);
    const writer = g.pointer ? ` (committed with checkpoint ${g.pointer.partition}@${g.pointer.offset})` : ' (committed without a checkpoint: not by online-em)';
    if (!c) {
      const gap = pointer ? `${at} does not cover that partition` : 'there is no checkpoint of the model';
      return `the group committed offset ${g.offset} on ${topic}/${g.partition}${writer}, but ${gap}: its progress would be lost`;
    }
    if (BigInt(g.offset) > BigInt(c.offset)) {
      return `the group committed offset ${g.offset} on ${topic}/${g.partition}${writer}, past ${at}'s ${c.offset}: messages ${c.offset} to ${BigInt(g.offset) - 1n} would never reach the model`;
    }
  }
  return null;
}

/**
 * Why a commit must not go ahead, or null when it may: its offsets must cover every
 * partition of the checkpoint it grew from, none of them behind it. A commit that dropped
 * a partition would make the next restore lose that partition's progress.
 */
export function commitCoverageProblem(restored: readonly PartitionOffset[], committing: readonly PartitionOffset[]): string | null {
  for (const r of restored) {
    const c = committing.find((o) => o.topic === r.topic && o.partition === r.partition);
    if (!c) return `the commit has no offset for ${r.topic}/${r.partition}, which the restored checkpoint covers (at ${r.offset})`;
    if (BigInt(c.offset) < BigInt(r.offset)) return `the commit's offset ${c.offset} for ${r.topic}/${r.partition} is behind the restored checkpoint's ${r.offset}`;
  }
  return null;
}
