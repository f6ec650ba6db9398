/**
 * The dashboard's memory of the snapshot topic: the latest snapshot of every model (and
 * key) with a short history each. Bounded: at most `maxModels` ids (the least recently
 * updated is forgotten first) × `historyLength` snapshots. It reads snapshots as JSON
 * objects and knows nothing of the engine that wrote them.
 */

/** One snapshot as the dashboard holds it: its model id, its position in the source, the JSON. */
export interface StoredSnapshot {
  /** `model`, or `model/key` for a keyed processor's model of one key. */
  readonly id: string;
  /** Where it was read: `partition:offset` on Kafka, the line number in a file. */
  readonly position: string;
  readonly snapshot: Readonly<Record<string, unknown>>;
}

export interface SnapshotStoreLimits {
  readonly maxModels: number;
  readonly historyLength: number;
}

export const DEFAULT_STORE_LIMITS: SnapshotStoreLimits = { maxModels: 10_000, historyLength: 240 };

type Listener = (s: StoredSnapshot) => void;

/** The model id of a snapshot's JSON: `model/key`, `model`, or the fallback (fit's snapshots name no model). */
export function modelIdOf(snapshot: Readonly<Record<string, unknown>>, fallback: string): string {
  const model = typeof snapshot.model === 'string' ? snapshot.model : fallback;
  return typeof snapshot.key === 'string' ? `${model}/${snapshot.key}` : model;
}

export class SnapshotStore {
  private readonly models = new Map<string, StoredSnapshot[]>();
  private readonly listeners = new Set<Listener>();

  constructor(readonly limits: SnapshotStoreLimits = DEFAULT_STORE_LIMITS) {}

  /** Keeps a snapshot and tells the listeners. Anything but a JSON object is ignored (false). */
  add(position: string, snapshot: unknown, fallbackModel = 'fit'): boolean {
    if (typeof snapshot !== 'object' || snapshot === null || Array.isArray(snapshot)) return false;
    const json = snapshot as Record<string, unknown>;
    const stored: StoredSnapshot = { id: modelIdOf(json, fallbackModel), position, snapshot: json };
    let history = this.models.get(stored.id);
    if (history) this.models.delete(stored.id); // re-inserted last: the Map's order is recency
    else history = [];
    history.push(stored);
    if (history.length > this.limits.historyLength) history.splice(0, history.length - this.limits.historyLength);
    this.models.set(stored.id, history);
    if (this.models.size > this.limits.maxModels) this.models.delete(this.models.keys().next().value!);
    for (const listener of this.listeners) listener(stored);
    return true;
  }

  /** The latest snapshot of every model, sorted by id. */
  latest(): StoredSnapshot[] {
    return [...this.models.values()].map((h) => h[h.length - 1]!).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** The kept snapshots of one model, oldest first (empty when unknown). */
  history(id: string): readonly StoredSnapshot[] {
    return this.models.get(id) ?? [];
  }

  get size(): number {
    return this.models.size;
  }

  /** Calls `listener` with every snapshot added from now on; returns the unsubscribe. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
