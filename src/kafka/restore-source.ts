import type { Checkpoint, CheckpointPointer } from './checkpoint.js';

/**
 * Where a session resumes from, given the pointer committed with the group's offsets and
 * this process's last acknowledged commit (`A` carries its pointer and whatever goes with it).
 * - `none`: nothing committed yet; a new fit.
 * - `acknowledged`: this process's last commit, because the group's offsets are behind it
 *   (a broker crash right after a commit can lose the offsets yet keep the commit).
 * - `committed`: the checkpoint the group's offsets point at; `inMemory` is this process's
 *   commit when it is that very checkpoint, so it need not be read back from the state topic.
 */
export type RestoreSource<A extends { readonly pointer: CheckpointPointer }> =
  | { readonly kind: 'none' }
  | { readonly kind: 'acknowledged'; readonly commit: A }
  | { readonly kind: 'committed'; readonly pointer: CheckpointPointer; readonly inMemory: A | null };

export function restoreSource<A extends { readonly pointer: CheckpointPointer }>(committed: CheckpointPointer | null, acknowledged: A | null): RestoreSource<A> {
  const ours = acknowledged?.pointer;
  if (acknowledged && ours && (!committed || (committed.partition === ours.partition && BigInt(committed.offset) < BigInt(ours.offset)))) {
    return { kind: 'acknowledged', commit: acknowledged };
  }
  if (!committed) return { kind: 'none' };
  const same = ours !== undefined && ours.partition === committed.partition && ours.offset === committed.offset;
  return { kind: 'committed', pointer: committed, inMemory: same ? acknowledged : null };
}

/**
 * Why a committed checkpoint found after the group's pointer must not be resumed from, or
 * null when it may: it must be of this model and input, and follow the pointer's checkpoint
 * (more checkpoints, no partition behind it). Anything else would be another writer's.
 */
export function newerCheckpointRefusal(atPointer: Checkpoint | null, newer: Checkpoint, model: string, inputTopic: string): string | null {
  if (newer.model !== model) return `it belongs to model '${newer.model}'`;
  const foreign = newer.offsets.find((o) => o.topic !== inputTopic);
  if (foreign) return `it holds offsets of topic '${foreign.topic}', not of the input '${inputTopic}'`;
  if (!atPointer) return null;
  if (newer.counters.checkpoints <= atPointer.counters.checkpoints) return 'it does not follow the committed one (checkpoint count not higher)';
  for (const o of atPointer.offsets) {
    const n = newer.offsets.find((x) => x.topic === o.topic && x.partition === o.partition);
    if (!n || BigInt(n.offset) < BigInt(o.offset)) return `it is behind the committed one on ${o.topic}/${o.partition}`;
  }
  return null;
}
