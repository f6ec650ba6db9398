import type { KeyModel } from './key-model.js';
import type { PartitionKeys } from './partition-keys.js';

interface Held {
  readonly unit: PartitionKeys;
  readonly model: KeyModel;
}

/**
 * The key models in memory across all partitions, least recently used first (a Map keeps
 * insertion order; a use moves the key to the end). Eviction takes the oldest models that
 * have no uncommitted change: their newest state is in the state topic, and they are read
 * back at their key's next message.
 */
export class KeyMemory {
  private readonly held = new Map<string, Held>();
  private evictions = 0;

  constructor(readonly maxKeys: number) {}

  get size(): number {
    return this.held.size;
  }

  get evicted(): number {
    return this.evictions;
  }

  use(unit: PartitionKeys, model: KeyModel): void {
    const id = idOf(unit.partition, model.key);
    this.held.delete(id);
    this.held.set(id, { unit, model });
  }

  /** Evict unchanged models, oldest first, down to maxKeys; the number evicted. Changed ones stay until their commit. */
  evictOverLimit(): number {
    let evicted = 0;
    if (this.held.size <= this.maxKeys) return 0;
    for (const [id, { unit, model }] of this.held) {
      if (this.held.size <= this.maxKeys) break;
      if (unit.isChanged(model)) continue;
      unit.evict(model.key);
      this.held.delete(id);
      evicted++;
    }
    this.evictions += evicted;
    return evicted;
  }

  /** A partition left this instance: forget its models. */
  dropPartition(unit: PartitionKeys): void {
    for (const key of unit.models.keys()) this.held.delete(idOf(unit.partition, key));
  }

  clear(): void {
    this.held.clear();
  }
}

function idOf(partition: number, key: string): string {
  return `${partition}\u0000${key}`;
}
