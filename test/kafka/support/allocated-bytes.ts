import { vi } from 'vitest';

/** Bytes given to Buffer.alloc and Buffer.allocUnsafe while `fn` runs (the spies are restored after). */
export async function allocatedBytes(fn: () => Promise<unknown>): Promise<number> {
  let total = 0;
  const alloc = Buffer.alloc.bind(Buffer);
  const allocUnsafe = Buffer.allocUnsafe.bind(Buffer);
  vi.spyOn(Buffer, 'alloc').mockImplementation((size: number, ...rest: unknown[]) => ((total += size), alloc(size, ...(rest as []))));
  vi.spyOn(Buffer, 'allocUnsafe').mockImplementation((size: number) => ((total += size), allocUnsafe(size)));
  try {
    await fn();
  } finally {
    vi.restoreAllMocks();
  }
  return total;
}
