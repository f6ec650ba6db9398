import type { CheckpointPointer } from './checkpoint.js';

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
