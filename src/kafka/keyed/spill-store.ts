import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Rewrite the file once this much of it is dead, and more than is live. */
const COMPACT_DEAD_BYTES = 64 * 1024 * 1024;

interface Entry {
  readonly position: number;
  readonly length: number;
}

/**
 * A local file of the checkpoints of key models that are not in memory, so reading an
 * evicted key back costs a read from the page cache, not a fetch from the state topic.
 * It is a cache: the state topic stays the truth, and the file is filled again from it at
 * every takeover (the scan that indexes a partition writes its keys' newest checkpoints
 * here) and deleted when the process ends. Appends only; a put or take makes the older
 * bytes dead, and the file is rewritten when they outweigh the live ones.
 */
export class SpillStore {
  private readonly path: string;
  private fd: number;
  private end = 0;
  private live = 0;
  private readonly entries = new Map<string, Entry>();
  private closed = false;

  constructor(
    dir: string,
    private readonly compactDeadBytes = COMPACT_DEAD_BYTES,
  ) {
    this.path = join(dir, `online-em-spill-${process.pid}-${randomUUID().slice(0, 8)}.bin`);
    this.fd = openSync(this.path, 'w+');
  }

  get size(): number {
    return this.entries.size;
  }

  /** Bytes of the file (live and dead). */
  get fileBytes(): number {
    return this.end;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  put(id: string, bytes: Buffer): void {
    // After close (a session's end), a take that outlived it has nowhere to write: nothing to keep.
    if (this.closed) return;
    this.forget(id);
    writeSync(this.fd, bytes, 0, bytes.length, this.end);
    this.entries.set(id, { position: this.end, length: bytes.length });
    this.end += bytes.length;
    this.live += bytes.length;
    this.compactIfWasteful();
  }

  /** The bytes stored for `id`, which leave the store (the model is in memory again); null if none. */
  take(id: string): Buffer | null {
    const entry = this.entries.get(id);
    if (!entry || this.closed) return null;
    const bytes = Buffer.allocUnsafe(entry.length);
    const read = readSync(this.fd, bytes, 0, entry.length, entry.position);
    if (read !== entry.length) throw new Error(`spill file ${this.path}: read ${read} of ${entry.length} bytes at ${entry.position}`);
    this.forget(id);
    return bytes;
  }

  /** Drop every entry whose id `drop` says (a partition that left this instance). */
  deleteWhere(drop: (id: string) => boolean): void {
    for (const id of [...this.entries.keys()]) if (drop(id)) this.forget(id);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.entries.clear();
    closeSync(this.fd);
    rmSync(this.path, { force: true });
  }

  private forget(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    this.live -= entry.length;
  }

  private compactIfWasteful(): void {
    const dead = this.end - this.live;
    if (dead < this.compactDeadBytes || dead < this.live) return;
    // Copy the live entries into a new file, in file order, then swap it in.
    const next = openSync(`${this.path}.next`, 'w+');
    let end = 0;
    const sorted = [...this.entries].sort((a, b) => a[1].position - b[1].position);
    for (const [id, entry] of sorted) {
      const bytes = Buffer.allocUnsafe(entry.length);
      readSync(this.fd, bytes, 0, entry.length, entry.position);
      writeSync(next, bytes, 0, entry.length, end);
      this.entries.set(id, { position: end, length: entry.length });
      end += entry.length;
    }
    closeSync(this.fd);
    renameSync(`${this.path}.next`, this.path);
    this.fd = next;
    this.end = end;
  }
}
